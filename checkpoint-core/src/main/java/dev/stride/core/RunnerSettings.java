package dev.stride.core;

import java.time.Duration;

/**
 * How a run is driven.
 *
 * @param concurrency   requests in flight at most
 * @param saveInterval  completions between two durable cursor commits
 * @param maxRetries    further attempts after the first, for passing failures
 * @param backoffBase   the first retry waits up to this long; each next one up to twice as long (full jitter)
 * @param backoffMax    no wait is longer, whatever the attempt (a server's Retry-After still wins)
 * @param grace         on a stop, how long requests in flight may still finish before they are cancelled
 * @param retryFailed   also redo records stored as failed
 * @param heartbeat     the cursor is also saved this often, so {@code status} can tell a live run from a dead one
 * @param serverWait    how long the run waits for a server that answered earlier in the session and then could not be
 *                      reached, before it stops with its records pending; zero stops at once
 * @param lease         how long a worker's claims outlive its last renewal: a worker that dies loses them after this
 */
public record RunnerSettings(
        int concurrency,
        int saveInterval,
        int maxRetries,
        Duration backoffBase,
        Duration backoffMax,
        Duration grace,
        boolean retryFailed,
        Duration heartbeat,
        Duration serverWait,
        Duration lease) {

    /** What {@code stride run} waits for a server that went away, unless told otherwise. */
    public static final Duration DEFAULT_SERVER_WAIT = Duration.ofMinutes(10);

    /** How long a worker's claims outlive its last renewal, unless told otherwise ({@code --lease}). */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    public RunnerSettings {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        if (saveInterval < 1) {
            throw new IllegalArgumentException("save interval must be at least 1");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("retries must not be negative");
        }
        if (serverWait == null || serverWait.isNegative()) {
            throw new IllegalArgumentException("the wait for a server must not be negative");
        }
        if (lease == null || lease.toMillis() < 1) {
            throw new IllegalArgumentException("the lease must be positive");
        }
    }

    /** Settings with the {@link #DEFAULT_LEASE}. */
    public RunnerSettings(int concurrency, int saveInterval, int maxRetries, Duration backoffBase, Duration backoffMax,
                          Duration grace, boolean retryFailed, Duration heartbeat, Duration serverWait) {
        this(concurrency, saveInterval, maxRetries, backoffBase, backoffMax, grace, retryFailed, heartbeat,
                serverWait, DEFAULT_LEASE);
    }

    /** Settings that wait {@link #DEFAULT_SERVER_WAIT} for a server that went away. */
    public RunnerSettings(int concurrency, int saveInterval, int maxRetries, Duration backoffBase, Duration backoffMax,
                          Duration grace, boolean retryFailed, Duration heartbeat) {
        this(concurrency, saveInterval, maxRetries, backoffBase, backoffMax, grace, retryFailed, heartbeat,
                DEFAULT_SERVER_WAIT);
    }
}
