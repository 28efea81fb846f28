package dev.stride.core;

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
 * @param done      outcomes it stored (predictions and failures)
 * @param inFlight  its bound on requests in flight as of its last renewal; null for a worker that did not say
 * @param inFlightAuto whether that bound is learnt from the servers ({@code --concurrency auto})
 * @param servers   with a learnt bound and several servers, each one's as of the last renewal; else empty
 * @param requestsOut the requests it had out (at most its bound) as of its last renewal; null for a worker that did
 *                  not say
 * @param retryingFailures it runs with {@code --retry-failed} and has claimed failures (its rerun's start is stored)
 * @param inFlightAt when it last wrote {@code inFlight}, {@code servers} and {@code requestsOut}: at each renewal, and
 *                   between renewals soon after they change; null for a worker that did not say (they are as of its
 *                   heartbeat)
 */
public record WorkerInfo(int number, String host, long pid, Instant startedAt, Instant heartbeat, long done,
                         Integer inFlight, boolean inFlightAuto, List<ServerLimit> servers, Integer requestsOut,
                         boolean retryingFailures, Instant inFlightAt) {

    public WorkerInfo {
        servers = List.copyOf(servers);
    }

    /** A worker that did not say what it keeps in flight. */
    public WorkerInfo(int number, String host, long pid, Instant startedAt, Instant heartbeat, long done) {
        this(number, host, pid, startedAt, heartbeat, done, null, false, List.of(), null, false, null);
    }

    /** When its in-flight figures were last written: {@code inFlightAt}, or its heartbeat for a worker that did not say. */
    public Instant inFlightAsOf() {
        return inFlightAt != null ? inFlightAt : heartbeat;
    }

    /** Outcomes per second since it joined, as of {@code now}. */
    public double rate(Instant now) {
        double seconds = Math.max(1, now.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0;
        return done / seconds;
    }
}
