package dev.stride.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The records this worker claimed and has not sent yet, in claim order. Request threads take their next record here
 * themselves, without a lock while there is one; the one claiming thread refills it in rounds, woken only when a take
 * leaves it at its low mark (or empty), not once per record. Records are added under a lock so that a request thread
 * that found it empty and waits cannot miss them.
 */
final class ClaimedRecords {
    /** How long a request thread with nothing to take waits before it looks again on its own. */
    static final Duration IDLE_LOOK = Duration.ofSeconds(1);

    private final ConcurrentLinkedQueue<InputRecord> queue = new ConcurrentLinkedQueue<>();
    /** At least the records queued (raised before they are added, lowered after one is taken): for the claimer. */
    private final AtomicInteger size = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Thread claimer;
    private final long idleLookNanos;
    private volatile int lowMark;
    private volatile boolean closed;

    /**
     * @param claimer the thread that refills it: unparked when a take leaves it low
     * @param idleLookNanos how long a request thread with nothing to take waits before it looks again on its own
     */
    ClaimedRecords(Thread claimer, long idleLookNanos) {
        this.claimer = claimer;
        this.idleLookNanos = idleLookNanos;
    }

    /** Appends a claimed round; the claimer is woken again once no more than {@code lowMark} are left. */
    void add(List<InputRecord> records, int lowMark) {
        this.lowMark = lowMark;
        lock.lock();
        try {
            size.addAndGet(records.size());
            queue.addAll(records);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The next record to send, or null when none is queued now. Never blocks. */
    InputRecord poll() {
        InputRecord next = queue.poll();
        if (next != null) {
            int left = size.decrementAndGet();
            if (left == lowMark || left == 0) {
                LockSupport.unpark(claimer);
            }
        }
        return next;
    }

    /**
     * Waits until a record is queued; false when none will come (closed and empty) or {@code stopping} says so.
     * Called by a request thread that holds no slot.
     */
    boolean awaitRecords(BooleanSupplier stopping) throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (closed || stopping.getAsBoolean()) {
                    return false;
                }
                arrived.awaitNanos(idleLookNanos);
            }
            return !stopping.getAsBoolean();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a round should be claimed: no more than the low mark left. */
    boolean low() {
        return size.get() <= lowMark;
    }

    boolean isEmpty() {
        return size.get() == 0;
    }

    /** Claimer only: parks up to {@code nanos}, or until a take leaves the queue low or it is closed. */
    void parkClaimer(long nanos) {
        LockSupport.parkNanos(this, nanos);
    }

    /**
     * No record will be added, and the request threads waiting here are left to see it at their next look (within
     * a second) instead of being woken: for the end of a run whose requests are all over. A thousand threads woken
     * at once queue on this lock and then on the JVM's own thread list as they end (measured at 1,024 in flight:
     * 0.45 s from the last answer to the process's end, against 0.16 s when they are left waiting); a process that
     * exits next need not wait for them, and in a longer-lived one they end on their own.
     */
    void closeWithoutWaking() {
        closed = true;
    }

    /** No record will be added (the claims are over, or the run stops): waiting request threads and the claimer wake. */
    void close() {
        lock.lock();
        try {
            closed = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        LockSupport.unpark(claimer);
    }
}
