package dev.stride.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A live worker of a run: a process that joined it and renews its lease.
 *
 * @param number    1, 2, ... in the order the run's live workers joined
 * @param host      the machine it runs on
 * @param pid       its process id
 * @param startedAt when it joined
 * @param heartbeat its last renewal of the lease
 * @param done      predictions it stored
 * @param failed    failures it stored (a record that failed is not done: status shows them apart, as its table does)
 * @param inFlight  its bound on requests in flight as of its last renewal; null for a worker that did not say
 * @param inFlightAuto whether that bound is learnt from the servers ({@code --concurrency auto})
 * @param servers   with a learnt bound and several servers, each one's as of the last renewal; else empty
 * @param requestsOut the requests it had out (at most its bound) as of its last renewal; null for a worker that did
 *                  not say
 * @param retryingFailures it runs with {@code --retry-failed} and has claimed failures (its rerun's start is stored)
 * @param inFlightAt when it last wrote {@code inFlight}, {@code servers}, {@code requestsOut} and what waits: at each
 *                   renewal, and between renewals soon after they change; null for a worker that did not say (they are
 *                   as of its heartbeat)
 * @param waitingSince since when its session has been waiting for its server(s) to answer again (the outage its
 *                   progress line says "server unreachable for ..." of), as of {@code inFlightAt}; null while answers
 *                   come, and for a worker that did not say
 * @param waitingForRateLimit its requests held back before they are sent, to keep within a server's rate limit, as of
 *                   {@code inFlightAt} (not among {@code requestsOut}); null for a worker that did not say
 * @param waitingToSendAgain its records sleeping out a backoff before they are sent again, as of {@code inFlightAt}
 *                   (not among {@code requestsOut}); null for a worker that did not say
 */
public record WorkerInfo(int number, String host, long pid, Instant startedAt, Instant heartbeat, long done,
                         long failed, Integer inFlight, boolean inFlightAuto, List<ServerLimit> servers, Integer requestsOut,
                         boolean retryingFailures, Instant inFlightAt,
                         Instant waitingSince, Integer waitingForRateLimit, Integer waitingToSendAgain) {

    /**
     * How old a worker's in-flight figures are before they no longer count as what it has out now: a worker at work
     * writes them within a second of a change and every 3 s while they stay the same, a little later for a commit
     * that waited. Older ones are a stuck writer's, or a killed worker's whose lease runs on: status says how old
     * they are, and the dashboard leaves them out of its total.
     */
    public static final Duration FIGURES_STALE_AFTER = Duration.ofSeconds(5);

    public WorkerInfo {
        servers = List.copyOf(servers);
    }

    /** A worker that did not say what it keeps in flight. */
    public WorkerInfo(int number, String host, long pid, Instant startedAt, Instant heartbeat, long done,
                      long failed) {
        this(number, host, pid, startedAt, heartbeat, done, failed, null, false, List.of(), null, false, null, null, null,
                null);
    }

    /**
     * Its last sign of life: the later of its heartbeat and its in-flight figures. A worker at work writes its figures
     * within a second of a change but renews its lease every 10 s: its heartbeat alone made a busy worker look 9 s
     * stale.
     */
    public Instant lastSeen() {
        return inFlightAt != null && inFlightAt.isAfter(heartbeat) ? inFlightAt : heartbeat;
    }

    /** When its in-flight figures were last written: {@code inFlightAt}, or its heartbeat for a worker that did not say. */
    public Instant inFlightAsOf() {
        return inFlightAt != null ? inFlightAt : heartbeat;
    }

    /** How old its in-flight figures are at {@code now}, in milliseconds; 0 for figures stamped after it. */
    public long figuresAgeMs(Instant now) {
        return Math.max(0, Duration.between(inFlightAsOf(), now).toMillis());
    }

    /** Whether it told in-flight figures and they are older than {@link #FIGURES_STALE_AFTER} at {@code now}. */
    public boolean figuresStale(Instant now) {
        return inFlight != null && figuresAgeMs(now) >= FIGURES_STALE_AFTER.toMillis();
    }

    /**
     * Whether it waits for its server(s), as it last said. Said long ago (a stuck writer, a frozen process), that is
     * still the last thing known of it: taken as answers coming, it gave a run that makes no progress a rate and an
     * ETA again, under a worker line saying it waits. A worker that is gone is no longer live: its run is shown
     * interrupted by the lease and cursor rules ({@link ShownState}).
     */
    public boolean waitsForServer() {
        return waitingSince != null;
    }

    /** How long it has waited for its server(s) at {@code now}, in milliseconds; 0 while it does not wait. */
    public long waitedMs(Instant now) {
        return waitingSince == null ? 0 : Math.max(0, Duration.between(waitingSince, now).toMillis());
    }

    /**
     * Outcomes (done and failed) per second since it joined, as of {@code now}, over a second at least: a worker that
     * had just joined showed "2 done, 2000.0/s" (its first answers over the milliseconds since it started).
     */
    public double rate(Instant now) {
        double seconds = Math.max(1000, now.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0;
        return (done + failed) / seconds;
    }
}
