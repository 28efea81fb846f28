package dev.stride.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The request threads of one session, each running the same loop (take a record, send it, hand its outcome to the
 * writer) until the records run out or the run stops. Started as they are needed: by the claiming thread for the
 * bound, and by a request thread whose record sleeps without its slot ({@link GivenBackSlots}), for another to use it.
 * Their end is a latch rather than a join, so that the grace period can be waited for through the {@link TimeSource}.
 */
final class RequestLanes {
    /** Each thread's loop, given the lanes it runs in. */
    private final Consumer<RequestLanes> loop;
    /** Guarded by this. */
    private final List<Thread> threads = new ArrayList<>();
    /** The most threads the claiming thread asked for; guarded by this. */
    private int staffed;
    private final AtomicInteger running = new AtomicInteger();
    private final CountDownLatch idle = new CountDownLatch(1);
    private volatile boolean closed;

    RequestLanes(Consumer<RequestLanes> loop) {
        this.loop = loop;
    }

    /** Starts threads until there are {@code count}, and {@code away} more for records asleep without a slot. */
    synchronized void ensure(int count, int away) {
        staffed = Math.max(staffed, count);
        grow(staffed + away);
    }

    /** Starts threads until there are as many as the claiming thread asked for and {@code away} more. */
    synchronized void ensureBeside(int away) {
        grow(staffed + away);
    }

    private void grow(int count) {
        while (threads.size() < count && !closed) {
            Thread t = new Thread(this::runLoop, "stride-request-" + (threads.size() + 1));
            t.setDaemon(true);
            running.incrementAndGet();
            threads.add(t);
            try {
                t.start();
            } catch (Throwable e) {
                // Not started (the machine's limit on threads): counted as running, it would keep the lanes from
                // ever being idle.
                threads.remove(t);
                running.decrementAndGet();
                throw e;
            }
        }
    }

    /** No more threads will be started: the latch opens once the running ones are over. */
    synchronized void close() {
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
        for (Thread t : started()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
    }

    /** Interrupts the threads still running (the last resort of an end, as an executor's shutdownNow). */
    void interruptAll() {
        List<Thread> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(threads);
        }
        for (Thread t : all) {
            if (t.isAlive()) {
                t.interrupt();
            }
        }
    }

    private synchronized List<Thread> started() {
        return List.copyOf(threads);
    }

    private void runLoop() {
        try {
            loop.accept(this);
        } finally {
            if (running.decrementAndGet() == 0 && closed) {
                idle.countDown();
            }
        }
    }
}
