package dev.stride.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Several servers of one model behind one {@link #complete(PromptRequest)}.
 *
 * <ul>
 *   <li>Each call goes to the server with the fewest calls in flight among those not set aside; equals take turns
 *       (a rotating start point breaks ties). The choice is lock-free: a compare-and-set on the chosen server's
 *       in-flight count, and no lock is held during the HTTP call.</li>
 *   <li>After 3 consecutive failures with verdict {@link CallFailure.Verdict#RETRY} or
 *       {@link CallFailure.Verdict#UNREACHABLE} a server is set aside for 5 s; each further set-aside doubles that, up
 *       to 60 s. When its time is up it is back in rotation on probation: its next such failure sets it aside again
 *       (for the doubled time), its next success clears its record.</li>
 *   <li>STOP_RUN, FAIL_RECORD and CANCELLED failures say nothing about the server's health and change nothing.</li>
 *   <li>If every server is set aside, the one that comes back first is used at once: a call never waits for a
 *       server and never fails just because all are set aside.</li>
 *   <li>A request that reached no server ({@link CallFailure#reachedServer()} false: refused, unknown host, TLS,
 *       connect timeout) is sent once to each other server not set aside, within the same call, before the call
 *       fails: no server saw it, so this costs none of them anything, and a run is not stopped by one server that
 *       is down while others answer. The failure thrown is the last one, with the earlier ones suppressed.</li>
 *   <li>Beyond that the pool does not retry; the caller retries on {@code RETRY}, and the next call picks again.</li>
 * </ul>
 * Thread-safe.
 */
public final class ServerPool implements AutoCloseable {

    static final int DEFAULT_FAILURES_BEFORE_SET_ASIDE = 3;
    static final Duration DEFAULT_FIRST_SET_ASIDE = Duration.ofSeconds(5);
    static final Duration DEFAULT_MAX_SET_ASIDE = Duration.ofSeconds(60);
    /** Compare-and-set attempts before taking the best server seen even if it got busier meanwhile. */
    private static final int PICK_ATTEMPTS = 4;

    private final Server[] servers;
    private final AtomicInteger rotation = new AtomicInteger();
    private final int failuresBeforeSetAside;
    private final long firstSetAsideNanos;
    private final long maxSetAsideNanos;
    private final LongSupplier nanoTime;

    /**
     * One {@link ModelClient} per distinct base URL (a repeated URL is used once, with its first settings).
     *
     * @throws IllegalArgumentException if the list is empty
     */
    public ServerPool(List<ClientSettings> servers) {
        this(servers, DEFAULT_FAILURES_BEFORE_SET_ASIDE, DEFAULT_FIRST_SET_ASIDE, DEFAULT_MAX_SET_ASIDE,
                System::nanoTime);
    }

    /** For tests: short set-aside times and a controllable clock. */
    ServerPool(List<ClientSettings> servers, int failuresBeforeSetAside, Duration firstSetAside,
               Duration maxSetAside, LongSupplier nanoTime) {
        Map<String, ClientSettings> distinct = new LinkedHashMap<>();
        for (ClientSettings s : Objects.requireNonNull(servers, "servers")) {
            distinct.putIfAbsent(s.baseUrl(), s);
        }
        if (distinct.isEmpty()) {
            throw new IllegalArgumentException("a server pool needs at least one server");
        }
        if (failuresBeforeSetAside < 1) {
            throw new IllegalArgumentException("failuresBeforeSetAside must be at least 1");
        }
        this.failuresBeforeSetAside = failuresBeforeSetAside;
        this.firstSetAsideNanos = firstSetAside.toNanos();
        this.maxSetAsideNanos = Math.max(maxSetAside.toNanos(), firstSetAsideNanos);
        this.nanoTime = nanoTime;
        long now = nanoTime.getAsLong();
        List<Server> built = new ArrayList<>();
        try {
            for (ClientSettings s : distinct.values()) {
                built.add(new Server(new ModelClient(s), now, firstSetAsideNanos));
            }
        } catch (RuntimeException e) {
            built.forEach(server -> server.client.close());
            throw e;
        }
        this.servers = built.toArray(new Server[0]);
    }

    /**
     * Sends the request to the chosen server; see the class comment for the choice.
     *
     * @throws CallFailure as {@link ModelClient#complete(PromptRequest)}, with {@link CallFailure#server()} set
     */
    public ChatResult complete(PromptRequest request) throws CallFailure {
        Server server = acquire();
        List<Server> tried = new ArrayList<>(1);
        List<CallFailure> unreached = new ArrayList<>(0);
        while (true) {
            try {
                return call(server, request);
            } catch (CallFailure f) {
                Server next = f.reachedServer() || f.verdict() == CallFailure.Verdict.CANCELLED ? null
                        : acquireAnother(tried, server);
                if (next == null) {
                    unreached.forEach(f::addSuppressed);
                    throw f;
                }
                unreached.add(f);
                server = next;
            }
        }
    }

    private ChatResult call(Server server, PromptRequest request) throws CallFailure {
        server.requests.incrementAndGet();
        boolean succeeded = false;
        try {
            ChatResult result = server.client.complete(request);
            succeeded = true;
            server.onSuccess(nanoTime.getAsLong());
            return result;
        } catch (CallFailure f) {
            if (!f.reachedServer()) {
                server.unreached.incrementAndGet();
            }
            if (f.verdict() == CallFailure.Verdict.RETRY || f.verdict() == CallFailure.Verdict.UNREACHABLE) {
                server.onRetryableFailure(nanoTime.getAsLong(), failuresBeforeSetAside, maxSetAsideNanos);
            }
            throw f;
        } finally {
            (succeeded ? server.succeeded : server.failed).incrementAndGet();
            server.inFlight.decrementAndGet();
        }
    }

    /** After {@code failed} could not be reached: another server not set aside and not tried yet, or null. */
    private Server acquireAnother(List<Server> tried, Server failed) {
        tried.add(failed);
        return tried.size() >= servers.length ? null : acquireAmong(tried, Math.floorMod(rotation.getAndIncrement(),
                servers.length));
    }

    /** Picks a server and counts the call in its in-flight number. */
    private Server acquire() {
        int start = Math.floorMod(rotation.getAndIncrement(), servers.length);
        Server chosen = acquireAmong(List.of(), start);
        if (chosen == null) {
            chosen = comesBackFirst(start);
            chosen.inFlight.incrementAndGet();
        }
        return chosen;
    }

    /**
     * The server with the fewest in flight among those neither set aside nor {@code excluded}, counted in; null when
     * there is none.
     */
    private Server acquireAmong(List<Server> excluded, int start) {
        long now = nanoTime.getAsLong();
        int n = servers.length;
        Server best = null;
        int bestLoad = 0;
        for (int attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
            best = null;
            for (int i = 0; i < n; i++) {
                Server s = servers[(start + i) % n];
                if (s.isSetAside(now) || excluded.contains(s)) {
                    continue;
                }
                int load = s.inFlight.get();
                if (best == null || load < bestLoad) {
                    best = s;
                    bestLoad = load;
                }
            }
            if (best == null) {
                return null;
            }
            if (best.inFlight.compareAndSet(bestLoad, bestLoad + 1)) {
                return best;
            }
        }
        // Busier than when it was seen, but still the best guess: take it rather than spin.
        best.inFlight.incrementAndGet();
        return best;
    }

    /** Every server is set aside: the one whose time is up first (fewest in flight among equals). */
    private Server comesBackFirst(int start) {
        Server first = null;
        for (int i = 0; i < servers.length; i++) {
            Server s = servers[(start + i) % servers.length];
            if (first == null) {
                first = s;
                continue;
            }
            long diff = s.setAsideUntil - first.setAsideUntil;
            if (diff < 0 || diff == 0 && s.inFlight.get() < first.inFlight.get()) {
                first = s;
            }
        }
        return first;
    }

    /** Counts per server, in the order the servers were given. */
    public List<ServerStats> stats() {
        long now = nanoTime.getAsLong();
        List<ServerStats> stats = new ArrayList<>(servers.length);
        for (Server s : servers) {
            stats.add(new ServerStats(s.client.settings().base().shown(), s.requests.get(), s.succeeded.get(),
                    s.failed.get(), s.unreached.get(), s.inFlight.get(), s.isSetAside(now)));
        }
        return stats;
    }

    /** Cancels every call in flight on every server; they fail with {@link CallFailure.Kind#CANCELLED}. */
    public void cancelAll() {
        for (Server s : servers) {
            s.client.cancelAll();
        }
    }

    /** Sends no new request to any server (those waiting at a rate-limit gate fail at once); calls in flight go on. */
    public void stopSending() {
        for (Server s : servers) {
            s.client.stopSending();
        }
    }

    @Override
    public void close() {
        for (Server s : servers) {
            s.client.close();
        }
    }

    private static final class Server {
        final ModelClient client;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong succeeded = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong unreached = new AtomicLong();
        /** {@link System#nanoTime()} scale; in the past when the server is in rotation. Written under the lock. */
        volatile long setAsideUntil;
        // Guarded by this.
        private int consecutiveFailures;
        private long nextSetAsideNanos;
        private final long firstSetAsideNanos;

        Server(ModelClient client, long now, long firstSetAsideNanos) {
            this.client = client;
            this.setAsideUntil = now;
            this.firstSetAsideNanos = firstSetAsideNanos;
            this.nextSetAsideNanos = firstSetAsideNanos;
        }

        boolean isSetAside(long now) {
            return now - setAsideUntil < 0;
        }

        synchronized void onSuccess(long now) {
            consecutiveFailures = 0;
            nextSetAsideNanos = firstSetAsideNanos;
            if (isSetAside(now)) {
                // A call sent before the set-aside came back fine: the server works.
                setAsideUntil = now;
            }
        }

        synchronized void onRetryableFailure(long now, int threshold, long maxNanos) {
            consecutiveFailures++;
            // Calls that were in flight when it was set aside fail too; they do not lengthen the time.
            if (consecutiveFailures >= threshold && !isSetAside(now)) {
                setAsideUntil = now + nextSetAsideNanos;
                nextSetAsideNanos = Math.min(nextSetAsideNanos * 2, maxNanos);
            }
        }
    }
}
