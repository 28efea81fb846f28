package dev.stride.app;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * The items of an iterator, produced by a thread of their own a few chunks ahead of the one that takes them: a new
 * run's input is read and parsed while the records before are being inserted, on two cores instead of one (half of a
 * 100,000-record ingest was parsing, BENCHMARKS.md). The items come in their order; a failure of the source (a bad
 * line) comes, as itself, after the items before it, where a plain iterator would have thrown it.
 *
 * <p>The source belongs to the reading thread from the start: that thread alone touches it, and closes it as it stops
 * (at the source's end or failure, or at its next item once this is closed), before the end is handed over. So
 * everything the source did is visible once the end was taken (the input's digest, computed as it read), and the
 * source is never closed under a read, however early the taker gives up.
 */
final class ReadAhead<T> implements Iterator<T>, AutoCloseable {
    /** Items handed over at once at most: a queue operation per item cost as much as the parsing saved. */
    static final int CHUNK = 256;
    /** A chunk's weight at most (for records: characters of JSON), so that long records come in shorter chunks. */
    static final long CHUNK_WEIGHT = 1 << 20;
    /** Chunks read ahead at most: with the two above, what an abandoned ingest parsed for nothing, and its memory. */
    static final int CHUNKS_AHEAD = 8;
    /** How often a taker that waits calls its check, and a reader that waits for room looks whether it was closed. */
    static final long WAIT_MS = 50;

    /** A chunk, or the end: {@code items} empty, with the failure that ended the source or null at its end. */
    private record Chunk<T>(List<T> items, Throwable failure) {
        boolean last() {
            return items.isEmpty();
        }
    }

    private final BlockingQueue<Chunk<T>> chunks = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
    private final Runnable whileWaiting;
    private volatile boolean closed;
    private Iterator<T> current = List.<T>of().iterator();
    private Chunk<T> end;

    private ReadAhead(Runnable whileWaiting) {
        this.whileWaiting = whileWaiting;
    }

    /**
     * Starts reading {@code source} ahead on a thread named {@code threadName}, which closes {@code closeAtEnd} as it
     * stops; {@code weight} tells how heavy an item is, {@code whileWaiting} is called while the taker waits (a stop
     * check that throws, say).
     */
    static <T> ReadAhead<T> of(Iterator<T> source, AutoCloseable closeAtEnd, ToIntFunction<T> weight,
                               String threadName, Runnable whileWaiting) {
        ReadAhead<T> ahead = new ReadAhead<>(whileWaiting);
        Thread reader = new Thread(() -> ahead.read(source, closeAtEnd, weight), threadName);
        reader.setDaemon(true);
        reader.start();
        return ahead;
    }

    @Override
    public boolean hasNext() {
        while (!current.hasNext()) {
            if (end != null) {
                return rethrowOrEnd();
            }
            Chunk<T> next = take();
            if (next.last()) {
                end = next;
                return rethrowOrEnd();
            }
            current = next.items().iterator();
        }
        return true;
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.next();
    }

    /** No more items are taken: the reading thread stops at its next item and closes the source. */
    @Override
    public void close() {
        closed = true;
        chunks.clear();
    }

    private boolean rethrowOrEnd() {
        Throwable failure = end.failure();
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("reading the input failed: " + failure, failure);
        }
        return false;
    }

    private Chunk<T> take() {
        try {
            while (true) {
                Chunk<T> next = chunks.poll(WAIT_MS, TimeUnit.MILLISECONDS);
                if (next != null) {
                    return next;
                }
                whileWaiting.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the input", e);
        }
    }

    private void read(Iterator<T> source, AutoCloseable closeAtEnd, ToIntFunction<T> weight) {
        Throwable failure = null;
        List<T> items = new ArrayList<>();
        try {
            long weighed = 0;
            while (!closed && source.hasNext()) {
                T item = source.next();
                items.add(item);
                weighed += weight.applyAsInt(item);
                if (items.size() == CHUNK || weighed >= CHUNK_WEIGHT) {
                    put(new Chunk<>(items, null));
                    items = new ArrayList<>();
                    weighed = 0;
                }
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            try {
                closeAtEnd.close();
            } catch (Throwable e) {
                // As a try-with-resources around the source would: the first failure wins, a close's own comes next.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            // The items read before a failure, then the failure: as a plain iterator would have thrown it.
            if (!items.isEmpty()) {
                put(new Chunk<>(items, null));
            }
            put(new Chunk<>(List.of(), failure));
        }
    }

    /** Waits for room while the taker is there; once it closed, nothing is handed over any more. */
    private void put(Chunk<T> chunk) {
        try {
            while (!closed && !chunks.offer(chunk, WAIT_MS, TimeUnit.MILLISECONDS)) {
                // Room comes as the taker goes on, or the taker closed.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
