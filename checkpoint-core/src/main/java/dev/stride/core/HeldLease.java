package dev.stride.core;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What this worker knows of its own lease, for its request threads to look at before each request they send: until
 * when it is sure to hold it (a lease's length from the start of its last renewal), and how often a renewal found it
 * lapsed. A process that was paused (SIGSTOP, a laptop's sleep) or could not renew for longer than its lease may have
 * lost its claims to another worker; sending them anyway pays twice for the same records. No database is touched here.
 */
final class HeldLease {
    /** How often a request thread that waits for a renewal looks again (the writer renews within its poll). */
    private static final long LOOK_MS = 100;

    private final TimeSource time;
    private final long leaseNanos;
    private long heldUntil;
    private long lapses;
    private long renewals;

    /** A lease renewed (or joined) at {@code renewedAt}, a {@link TimeSource#nanoTime()} reading. */
    HeldLease(TimeSource time, Duration lease, long renewedAt) {
        this.time = time;
        this.leaseNanos = lease.toNanos();
        this.heldUntil = renewedAt + leaseNanos;
    }

    /** How many renewals found the lease lapsed: claims made before the last of them are lost. */
    synchronized long lapses() {
        return lapses;
    }

    /** Whether the lease may have run out since its last renewal, so that a renewal is needed before sending. */
    synchronized boolean overdue() {
        return time.nanoTime() - heldUntil >= 0;
    }

    /**
     * A renewal that began at {@code startedAt} is done: {@code held} false when it found the lease lapsed (the
     * store dropped this worker's claims).
     */
    synchronized void renewed(long startedAt, boolean held) {
        heldUntil = startedAt + leaseNanos;
        renewals++;
        if (!held) {
            lapses++;
        }
        notifyAll();
    }

    /**
     * Waits while the lease may have lapsed (until a renewal says, or {@code stopping}); then whether a record taken
     * when {@link #lapses()} read {@code seen} is still this worker's claim.
     */
    synchronized boolean stillHolds(long seen, BooleanSupplier stopping) throws InterruptedException {
        if (overdue()) {
            // Until the next renewal is done, not until the lease is no longer overdue: a clock that runs on while
            // the renewal is made (a test's, a machine's under load) can leave it overdue again by then, and a thread
            // that waited for "not overdue" waited forever.
            long before = renewals;
            while (renewals == before && !stopping.getAsBoolean()) {
                wait(LOOK_MS);
            }
        }
        return lapses == seen;
    }
}
