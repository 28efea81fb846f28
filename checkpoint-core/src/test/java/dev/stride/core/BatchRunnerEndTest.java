package dev.stride.core;

import static dev.stride.core.RunnerFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The end of a run that answered every record: its request threads are idle by then, and the run returns without
 * waking them to end (at 1,024 in flight that took longer than everything else after the last answer).
 */
class BatchRunnerEndTest {

    @Test
    void aRunReturnsWithItsIdleRequestThreadsStillWaitingAndAStopEndsThem() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(20);
        Set<Thread> before = requestThreads();
        BatchRunner runner = new BatchRunner(f.ledger, f.predictor, PromptTemplate.parse("{{prompt}}"),
                settings(4, 5), f.events, f.time, Duration.ofHours(1));
        // Once its own requests are over, the claiming thread looks for other workers before it ends the claims:
        // held there until all four request threads wait for records (a thread that gets there only after the end
        // sees it and ends at once, which a loaded machine made happen).
        InMemoryLedger.HeldClaim look = f.ledger.holdNextLookForOthers();
        RunnerFixture.Session session = f.start(runner);
        look.awaitReached();
        Set<Thread> waiting = newSince(before);
        assertThat(waiting).hasSize(4);
        // Waiting for records, not in another timed wait on the way there (handing an outcome over): a thread that
        // reached the wait only after the end would see it and end, which a loaded machine made happen.
        Guard.until(() -> waiting.stream().allMatch(BatchRunnerEndTest::waitsForRecords),
                "the four request threads wait for records");
        look.release();

        RunOutcome outcome = session.outcome();

        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(outcome.completed()).isEqualTo(20);
        assertThat(f.ledger.pendingIds()).isEmpty();
        // The four still wait for records that will not come: nothing woke them, and their next look is an hour away.
        Set<Thread> left = newSince(before);
        assertThat(left).isEqualTo(waiting).allMatch(Thread::isAlive);
        // A stop after the end wakes them, and they end.
        runner.requestStop();
        assertThat(ended(left)).isTrue();
    }

    @Test
    void idleRequestThreadsEndOnTheirOwnOnceTheRunReturned() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(20);
        Set<Thread> before = requestThreads();

        RunOutcome outcome = f.run(settings(4, 5));

        assertThat(outcome.completed()).isEqualTo(20);
        // Nothing is left running: each sees at its next look (a second) that no record will come.
        assertThat(ended(newSince(before))).isTrue();
    }

    private static Set<Thread> requestThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("stride-request-"))
                .collect(Collectors.toSet());
    }

    private static Set<Thread> newSince(Set<Thread> before) {
        Set<Thread> now = new HashSet<>(requestThreads());
        now.removeAll(before);
        return now;
    }

    /** Whether they all end within the guard's bound (one bound for all of them). */
    private static boolean ended(Set<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + Guard.TIMEOUT.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        return threads.stream().noneMatch(Thread::isAlive);
    }

    private static boolean waitsForRecords(Thread t) {
        return t.getState() == Thread.State.TIMED_WAITING && Arrays.stream(t.getStackTrace())
                .anyMatch(f -> f.getClassName().equals(ClaimedRecords.class.getName())
                        && f.getMethodName().equals("awaitRecords"));
    }
}
