package dev.stride.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A new run's input is read on a thread of its own, ahead of the inserts: in order, failures in their place, the
 * source closed by that thread before the end is seen. The timeout only turns a hang (an end never handed over) into a
 * failure.
 */
@Timeout(120)
class ReadAheadTest {

    @Test
    void givesEveryItemInOrderAcrossChunksThenEnds() {
        int n = ReadAhead.CHUNK * 3 + 17;
        List<Integer> taken = new ArrayList<>();
        try (ReadAhead<Integer> read = of(numbers(n, -1))) {
            read.forEachRemaining(taken::add);
            assertThat(read.hasNext()).isFalse();
            assertThatThrownBy(read::next).isInstanceOf(NoSuchElementException.class);
        }
        assertThat(taken).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(taken.get(i)).isEqualTo(i);
        }
    }

    @Test
    void aFailureOfTheSourceComesAfterTheItemsBeforeItAsItself() {
        int failAt = ReadAhead.CHUNK + 5;
        List<Integer> taken = new ArrayList<>();
        try (ReadAhead<Integer> read = of(numbers(Integer.MAX_VALUE, failAt))) {
            assertThatThrownBy(() -> read.forEachRemaining(taken::add))
                    .isInstanceOf(BadLine.class).hasMessage("line " + failAt + " is not JSON");
            // Asked again, the same answer: the input does not end quietly after a bad line.
            assertThatThrownBy(read::hasNext).isInstanceOf(BadLine.class);
        }
        assertThat(taken).hasSize(failAt).last().isEqualTo(failAt - 1);
    }

    @Test
    void theSourceIsReadByAnotherThreadBeforeTheItemsAreTaken() throws Exception {
        Set<Thread> readers = ConcurrentHashMap.newKeySet();
        CountDownLatch chunkRead = new CountDownLatch(ReadAhead.CHUNK);
        Iterator<Integer> source = new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < ReadAhead.CHUNK * 2;
            }

            @Override
            public Integer next() {
                readers.add(Thread.currentThread());
                chunkRead.countDown();
                return next++;
            }
        };
        try (ReadAhead<Integer> read = of(source)) {
            // Nothing taken yet, and a whole chunk is read already.
            assertThat(chunkRead.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(read.next()).isZero();
        }
        assertThat(readers).hasSize(1).doesNotContain(Thread.currentThread());
        assertThat(readers.iterator().next().getName()).isEqualTo("test-input");
    }

    @Test
    void closingStopsTheReadingOfAnEndlessSource() throws Exception {
        AtomicInteger produced = new AtomicInteger();
        Set<Thread> readers = ConcurrentHashMap.newKeySet();
        Iterator<Integer> endless = new Iterator<>() {
            @Override
            public boolean hasNext() {
                readers.add(Thread.currentThread());
                return true;
            }

            @Override
            public Integer next() {
                return produced.getAndIncrement();
            }
        };
        ReadAhead<Integer> read = of(endless);
        assertThat(read.next()).isZero();
        read.close();

        Thread reader = readers.iterator().next();
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(reader.isAlive()).as("the reading thread ended").isFalse();
        // Read ahead at most the chunks the queue holds, the one being filled, and the ones taken: not the endless rest.
        assertThat(produced.get()).isLessThanOrEqualTo(ReadAhead.CHUNK * (ReadAhead.CHUNKS_AHEAD + 3));
    }

    @Test
    void theSourceIsClosedByItsThreadBeforeTheEndIsSeen() {
        AtomicBoolean closed = new AtomicBoolean();
        Set<Thread> closers = ConcurrentHashMap.newKeySet();
        try (ReadAhead<Integer> read = ReadAhead.of(numbers(10, -1), () -> {
            closers.add(Thread.currentThread());
            closed.set(true);
        }, i -> 1, "test-input", () -> { })) {
            read.forEachRemaining(i -> { });
            assertThat(closed).as("closed when the end is seen").isTrue();
        }
        assertThat(closers).hasSize(1).doesNotContain(Thread.currentThread());
    }

    @Test
    void aTakerGivesUpWaitingWhenItsCheckSaysSoAndTheSourceIsThenClosed() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        // A pipe that says nothing more after its first item until it is released.
        Iterator<Integer> quiet = new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                if (next == 1) {
                    stop.set(true);
                    awaitQuietly(released);
                }
                return next < 2;
            }

            @Override
            public Integer next() {
                return next++;
            }
        };
        ReadAhead<Integer> read = ReadAhead.of(quiet, closed::countDown, i -> 1, "test-input", () -> {
            if (stop.get()) {
                throw new Stopped();
            }
        });
        assertThatThrownBy(read::hasNext).isInstanceOf(Stopped.class);
        read.close();
        assertThat(closed.getCount()).as("not closed under a read that has not returned").isEqualTo(1);
        released.countDown();
        assertThat(closed.await(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void heavyItemsComeInLighterChunks() throws Exception {
        AtomicInteger produced = new AtomicInteger();
        Iterator<Integer> heavy = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                return produced.getAndIncrement();
            }
        };
        int itemsPerChunk = 4;
        int weight = (int) (ReadAhead.CHUNK_WEIGHT / itemsPerChunk);
        try (ReadAhead<Integer> read = ReadAhead.of(heavy, () -> { }, i -> weight, "test-input", () -> { })) {
            // Nothing taken: the reader fills the queue and stops, a chunk of four a megabyte at a time.
            int full = itemsPerChunk * (ReadAhead.CHUNKS_AHEAD + 1);
            while (produced.get() < full) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            assertThat(produced.get()).isLessThanOrEqualTo(full + 1);
            assertThat(read.next()).isZero();
        }
    }

    @Test
    void whateverTheSourceThrowsIsHandedOverAndEndsIt() {
        try (ReadAhead<Integer> read = of(new Iterator<>() {
            @Override
            public boolean hasNext() {
                throw new OutOfMemoryError("simulated");
            }

            @Override
            public Integer next() {
                throw new NoSuchElementException();
            }
        })) {
            assertThatThrownBy(read::hasNext).isInstanceOf(OutOfMemoryError.class).hasMessage("simulated");
        }
    }

    private static ReadAhead<Integer> of(Iterator<Integer> source) {
        return ReadAhead.of(source, () -> { }, i -> 1, "test-input", () -> { });
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** 0, 1, ... up to {@code n} (exclusive); item {@code failAt} throws instead (-1: none does). */
    private static Iterator<Integer> numbers(int n, int failAt) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public Integer next() {
                if (next == failAt) {
                    throw new BadLine("line " + next + " is not JSON");
                }
                return next++;
            }
        };
    }

    private static final class Stopped extends RuntimeException {
    }

    private static final class BadLine extends RuntimeException {
        BadLine(String message) {
            super(message);
        }
    }
}
