package dev.stride.app;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The items of an iterator, produced by a thread of their own a few chunks ahead of the one that takes them: a new
 * run's input is read and parsed while the records before are being inserted, on two cores instead of one (half of a
 * 100,000-record ingest was parsing, BENCHMARKS.md). The items come in their order; a failure of the source (a bad
 * line) comes, as itself, after the items before it, where a plain iterator would have thrown it. The source is
 * touched by the reading thread only, and everything that thread did is visible once the end was taken (the input's
 * digest, computed as it read).
 *
 * <p>Closing it stops the reading thread at its next chunk; close it before closing the source.
 */
final class ReadAhead<T> implements Iterator<T>, AutoCloseable {
    /** Items handed over at once: a queue operation per item cost as much as the parsing saved. */
    static final int CHUNK = 256;
    /** Chunks read ahead at most: what an abandoned ingest has parsed for nothing, and the memory it holds. */
    static final int CHUNKS_AHEAD = 8;
    private static final long OFFER_WAIT_MS = 50;

    /** A chunk, or the end: {@code items} empty, with the failure that ended the source or null at its end. */
    private record Chunk<T>(List<T> items, Throwable failure) {
        boolean last() {
            return items.isEmpty();
        }
    }

    private final BlockingQueue<Chunk<T>> chunks = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
    private final Thread reader;
    private volatile boolean closed;
    private Iterator<T> current = List.<T>of().iterator();
    private Chunk<T> end;

    private ReadAhead(Iterator<T> source, String threadName) {
        this.reader = new Thread(() -> read(source), threadName);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts reading {@code source} ahead on a thread named {@code threadName}. */
    static <T> ReadAhead<T> of(Iterator<T> source, String threadName) {
        return new ReadAhead<>(source, threadName);
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
        return false;
    }

    private Chunk<T> take() {
        try {
            return chunks.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while reading the input", e);
        }
    }

    private void read(Iterator<T> source) {
        Throwable failure = null;
        List<T> items = new ArrayList<>(CHUNK);
        try {
            while (!closed && source.hasNext()) {
                items.add(source.next());
                if (items.size() == CHUNK) {
                    put(new Chunk<>(items, null));
                    items = new ArrayList<>(CHUNK);
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        if (!items.isEmpty()) {
            put(new Chunk<>(items, null));
        }
        put(new Chunk<>(List.of(), failure));
    }

    /** Waits for room while the taker is there; once it closed, nothing is handed over any more. */
    private void put(Chunk<T> chunk) {
        try {
            while (!closed && !chunks.offer(chunk, OFFER_WAIT_MS, TimeUnit.MILLISECONDS)) {
                // Room comes as the taker goes on, or the taker closed.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
