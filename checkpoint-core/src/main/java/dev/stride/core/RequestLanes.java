package dev.stride.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The request threads of one session, each running the same loop (take a record, send it, hand its outcome to the
 * writer) until the records run out or the run stops. Started as they are needed, by the claiming thread only; their
 * end is a latch rather than a join, so that the grace period can be waited for through the {@link TimeSource}.
 */
final class RequestLanes {
    private final Runnable loop;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final CountDownLatch idle = new CountDownLatch(1);
    private volatile boolean closed;

    RequestLanes(Runnable loop) {
        this.loop = loop;
    }

    /** Starts threads until there are {@code count}. Claiming thread only. */
    void ensure(int count) {
        while (threads.size() < count && !closed) {
            Thread t = new Thread(this::runLoop, "stride-request-" + (threads.size() + 1));
            t.setDaemon(true);
            running.incrementAndGet();
            threads.add(t);
            t.start();
        }
    }

    /** No more threads will be started: the latch opens once the running ones are over. */
    void close() {
        closed = true;
        if (running.get() == 0) {
            idle.countDown();
        }
    }

    /** Opens when the lanes are closed and every thread has ended. */
    CountDownLatch idle() {
        return idle;
    }

    /** Waits up to {@code timeout} in all for the threads to end. */
    void awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
    }

    /** Interrupts the threads still running (the last resort of an end, as an executor's shutdownNow). */
    void interruptAll() {
        closed = true;
        for (Thread t : threads) {
            if (t.isAlive()) {
                t.interrupt();
            }
        }
    }

    private void runLoop() {
        try {
            loop.run();
        } finally {
            if (running.decrementAndGet() == 0 && closed) {
                idle.countDown();
            }
        }
    }
}
