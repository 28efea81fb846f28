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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A new run's input is read on a thread of its own, ahead of the inserts: in order, failures in their place. */
class ReadAheadTest {

    @Test
    void givesEveryItemInOrderAcrossChunksThenEnds() {
        int n = ReadAhead.CHUNK * 3 + 17;
        List<Integer> taken = new ArrayList<>();
        try (ReadAhead<Integer> read = ReadAhead.of(numbers(n, -1), "test-input")) {
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
        try (ReadAhead<Integer> read = ReadAhead.of(numbers(Integer.MAX_VALUE, failAt), "test-input")) {
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
        try (ReadAhead<Integer> read = ReadAhead.of(source, "test-input")) {
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
        ReadAhead<Integer> read = ReadAhead.of(endless, "test-input");
        assertThat(read.next()).isZero();
        read.close();

        Thread reader = readers.iterator().next();
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(reader.isAlive()).as("the reading thread ended").isFalse();
        // Read ahead at most the chunks the queue holds, the one being filled, and the ones taken: not the endless rest.
        assertThat(produced.get()).isLessThanOrEqualTo(ReadAhead.CHUNK * (ReadAhead.CHUNKS_AHEAD + 3));
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

    private static final class BadLine extends RuntimeException {
        BadLine(String message) {
            super(message);
        }
    }
}
