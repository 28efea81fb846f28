package dev.stride.core;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What this worker knows of its own lease, for its request threads to look at before each request they send: until
 * when it is sure to hold it (a lease's length from the start of its last renewal). A process that was paused (SIGSTOP,
 * a laptop's sleep) or could not renew for longer than its lease may have lost claims to another worker; sending them
 * anyway pays twice for the same records, so a request waits for the renewal that says which (the store's
 * {@link RunLedger#stillClaimed}). No database is touched here.
 */
final class HeldLease {
    /** How often a request thread that waits for a renewal looks again (the writer renews within its poll). */
    private static final long LOOK_MS = 100;

    private final TimeSource time;
    private final long leaseNanos;
    private long heldUntil;
    private long renewals;

    /** A lease renewed (or joined) at {@code renewedAt}, a {@link TimeSource#nanoTime()} reading. */
    HeldLease(TimeSource time, Duration lease, long renewedAt) {
        this.time = time;
        this.leaseNanos = lease.toNanos();
        this.heldUntil = renewedAt + leaseNanos;
    }

    /** Whether the lease may have run out since its last renewal, so that a renewal is needed before sending. */
    synchronized boolean overdue() {
        return time.nanoTime() - heldUntil >= 0;
    }

    /** A renewal that began at {@code startedAt} is done (the store knows by then which claims a lapse lost). */
    synchronized void renewed(long startedAt) {
        heldUntil = startedAt + leaseNanos;
        renewals++;
        notifyAll();
    }

    /**
     * Waits while the lease may have lapsed, until a renewal says whether it did (or {@code stopping}): which records
     * it lost, the store says.
     */
    synchronized void awaitRenewalIfOverdue(BooleanSupplier stopping) throws InterruptedException {
        if (overdue()) {
            // Until the next renewal is done, not until the lease is no longer overdue: a clock that runs on while
            // the renewal is made (a test's, a machine's under load) can leave it overdue again by then, and a thread
            // that waited for "not overdue" waited forever.
            long before = renewals;
            while (renewals == before && !stopping.getAsBoolean()) {
                wait(LOOK_MS);
            }
        }
    }
}
