package dev.stride.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The slots that records sleeping out the backoff of a failure of their own (a 500, a broken body, a dropped
 * connection) give back meanwhile, and their way back in. A 500 answered in 50 ms and a backoff of a second held
 * the slot twenty answers long: at 60% of 500s, 8 slots served 6.5 answers a second instead of 60 (BENCHMARKS.md).
 * A woken record takes the next free slot ahead of records not yet sent: threads about to take one for a new record
 * wait while a woken record waits, and a thread that holds its slot from record to record hands it over
 * ({@link #wokenWaiting()}). The bound's semaphore is not fair, so without this the woken ones would wait until the
 * claimed records ran out.
 *
 * <p>Each sleeper is a request thread without a slot: another thread is started in its stead, so that the slot is
 * used. At most {@link #EXTRA_PER_SLOT} per slot of the bound, and {@link #MOST_EXTRA} in all, sleep so; beyond them a
 * record sleeps holding its slot, as it always did.
 */
final class GivenBackSlots {
    static final int EXTRA_PER_SLOT = 4;
    static final int MOST_EXTRA = 1024;
    /** How often a record waiting for its slot again looks whether the run stops. */
    private static final Duration LOOK = Duration.ofMillis(100);

    private final InFlightBound slots;
    /** Records whose slot is given back: asleep, or woken and waiting for one. */
    private final AtomicInteger away = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition noneWaking = lock.newCondition();
    /** Of those, the woken ones waiting for a slot; written under the lock. */
    private volatile int waking;

    GivenBackSlots(InFlightBound slots) {
        this.slots = slots;
    }

    /**
     * Gives the caller's slot back for its sleep and starts a thread in its stead in {@code lanes}; false when as many
     * sleep so as the bound allows, and the caller keeps its slot.
     */
    boolean giveBack(RequestLanes lanes) {
        int cap = Math.min(MOST_EXTRA, EXTRA_PER_SLOT * slots.limit());
        int now;
        do {
            now = away.get();
            if (now >= cap) {
                return false;
            }
        } while (!away.compareAndSet(now, now + 1));
        // Counted before the slot is free: whoever takes it and then finds this record away sees it here.
        try {
            lanes.ensureBeside(now + 1);
        } catch (Throwable e) {
            // No thread to be had (the machine's limit on threads): the record keeps its slot. Counted away for
            // ever, it would keep the run from ever ending.
            away.decrementAndGet();
            return false;
        }
        slots.release();
        return true;
    }

    /**
     * Takes a slot again for a woken record, ahead of records not yet sent; false, with no slot taken, when the run
     * stops first.
     */
    boolean takeBack(BooleanSupplier stopping) {
        lock.lock();
        try {
            waking++;
        } finally {
            lock.unlock();
        }
        try {
            while (!stopping.getAsBoolean()) {
                if (slots.tryAcquire(LOOK.toNanos(), TimeUnit.NANOSECONDS)) {
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.lock();
            try {
                if (--waking == 0) {
                    noneWaking.signalAll();
                }
            } finally {
                lock.unlock();
            }
            // After the slot is taken: the record is never neither away nor holding one.
            away.decrementAndGet();
        }
    }

    /** Whether a woken record waits for a slot: a thread holding one for its next record hands it over. */
    boolean wokenWaiting() {
        return waking > 0;
    }

    /** For a thread about to take a slot for a record not yet sent: waits while woken records wait for one. */
    void letWokenFirst(BooleanSupplier stopping) throws InterruptedException {
        if (waking == 0) {
            return;
        }
        lock.lock();
        try {
            while (waking > 0 && !stopping.getAsBoolean()) {
                noneWaking.awaitNanos(LOOK.toNanos());
            }
        } finally {
            lock.unlock();
        }
    }

    /** Records whose slot is given back now: the run is not over while there is one. */
    int away() {
        return away.get();
    }
}
