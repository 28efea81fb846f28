package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** How a request thread with nothing to take waits, and what ends that wait. */
class ClaimedRecordsTest {

    @Test
    void closingWithoutWakingLeavesAWaitingThreadAloneUntilItsNextLook() throws Exception {
        ClaimedRecords records = new ClaimedRecords(Thread.currentThread(), Duration.ofHours(1).toNanos());
        Waiter waiter = new Waiter(records);
        waiter.awaitWaiting();

        records.closeWithoutWaking();

        // Its next look is an hour away, and nothing wakes it before: a woken thread would have ended at once.
        waiter.thread.join(200);
        assertThat(waiter.thread.isAlive()).isTrue();
        // close() (what a stop calls) does wake it, and it ends with nothing to take.
        records.close();
        assertThat(waiter.end()).isFalse();
    }

    @Test
    void aThreadLeftWaitingEndsAtItsNextLook() throws Exception {
        ClaimedRecords records = new ClaimedRecords(Thread.currentThread(), Duration.ofMillis(20).toNanos());
        Waiter waiter = new Waiter(records);
        waiter.awaitWaiting();

        records.closeWithoutWaking();

        assertThat(waiter.end()).isFalse();
    }

    /** A request thread with nothing to take, waiting in {@link ClaimedRecords#awaitRecords}. */
    private static final class Waiter {
        final AtomicReference<Boolean> result = new AtomicReference<>();
        final Thread thread;

        Waiter(ClaimedRecords records) {
            thread = new Thread(() -> {
                try {
                    result.set(records.awaitRecords(() -> false));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "test-waiter");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitWaiting() {
            Guard.until(() -> thread.getState() == Thread.State.TIMED_WAITING, "the thread waits for records");
        }

        /** Waits for the thread to end; what awaitRecords returned. */
        Boolean end() throws InterruptedException {
            thread.join(Guard.TIMEOUT.toMillis());
            assertThat(thread.isAlive()).as("ended within %s", Guard.TIMEOUT).isFalse();
            return result.get();
        }
    }
}
