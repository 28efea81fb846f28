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
 *   <li>Made {@link #adaptive adaptive} ({@code --concurrency auto}), each server learns its own
 *       {@link AdaptiveLimit} from its answers, and a call goes to the server with the most room under its limit
 *       rather than the fewest in flight; {@link #concurrencyLimit()} is what the servers take together, which the
 *       caller keeps its requests in flight under. A call also waits while every server is at its limit: a caller
 *       may hold more requests than the servers take, some of them waiting out a refusal's Retry-After, and one of
 *       those sent the moment its wait ends would be one too many at a server that is full (refused again, its
 *       limit lowered again).</li>
 * </ul>
 * Thread-safe.
 */
public final class ServerPool implements AutoCloseable {

    static final int DEFAULT_FAILURES_BEFORE_SET_ASIDE = 3;
    static final Duration DEFAULT_FIRST_SET_ASIDE = Duration.ofSeconds(5);
    static final Duration DEFAULT_MAX_SET_ASIDE = Duration.ofSeconds(60);
    /** Compare-and-set attempts before taking the best server seen even if it got busier meanwhile. */
    private static final int PICK_ATTEMPTS = 4;
    /** How long a call waiting for room sleeps at most before it looks again (a set-aside may have run out). */
    private static final long ROOM_RECHECK_MILLIS = 50;

    private final Server[] servers;
    private final AtomicInteger rotation = new AtomicInteger();
    private final int failuresBeforeSetAside;
    private final long firstSetAsideNanos;
    private final long maxSetAsideNanos;
    private final LongSupplier nanoTime;
    private final boolean adaptive;
    /** Calls of an adaptive pool wait on it while every server is at its limit; notified as a call ends. */
    private final Object room = new Object();
    private final AtomicInteger waitingForRoom = new AtomicInteger();
    private volatile boolean stopped;

    /**
     * One {@link ModelClient} per distinct base URL (a repeated URL is used once, with its first settings).
     *
     * @throws IllegalArgumentException if the list is empty
     */
    public ServerPool(List<ClientSettings> servers) {
        this(servers, DEFAULT_FAILURES_BEFORE_SET_ASIDE, DEFAULT_FIRST_SET_ASIDE, DEFAULT_MAX_SET_ASIDE,
                System::nanoTime);
    }

    /**
     * A pool whose every server learns how many requests it takes ({@code --concurrency auto}), each up to
     * {@code maxPerServer}.
     */
    public static ServerPool adaptive(List<ClientSettings> servers, int maxPerServer) {
        return new ServerPool(servers, DEFAULT_FAILURES_BEFORE_SET_ASIDE, DEFAULT_FIRST_SET_ASIDE,
                DEFAULT_MAX_SET_ASIDE, System::nanoTime, maxPerServer);
    }

    /**
     * For tests: an adaptive pool whose limits and rate gates keep {@code nanoTime}, which the test moves by hand: what
     * the limit learns then depends on what the test did, not on how quickly a loaded machine ran it.
     */
    static ServerPool adaptive(List<ClientSettings> servers, int maxPerServer, LongSupplier nanoTime) {
        return new ServerPool(servers, DEFAULT_FAILURES_BEFORE_SET_ASIDE, DEFAULT_FIRST_SET_ASIDE,
                DEFAULT_MAX_SET_ASIDE, nanoTime, maxPerServer);
    }

    /** For tests: short set-aside times and a controllable clock. */
    ServerPool(List<ClientSettings> servers, int failuresBeforeSetAside, Duration firstSetAside,
               Duration maxSetAside, LongSupplier nanoTime) {
        this(servers, failuresBeforeSetAside, firstSetAside, maxSetAside, nanoTime, 0);
    }

    /** @param maxPerServer the most an adaptive server's limit grows to; 0 for a pool without limits */
    private ServerPool(List<ClientSettings> servers, int failuresBeforeSetAside, Duration firstSetAside,
               Duration maxSetAside, LongSupplier nanoTime, int maxPerServer) {
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
        this.adaptive = maxPerServer > 0;
        long now = nanoTime.getAsLong();
        List<Server> built = new ArrayList<>();
        try {
            for (ClientSettings s : distinct.values()) {
                built.add(new Server(new ModelClient(s, nanoTime), now, firstSetAsideNanos,
                        adaptive ? new AdaptiveLimit(maxPerServer) : null));
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
        return complete(request, () -> { });
    }

    /**
     * As {@link #complete(PromptRequest)}, telling {@code sending} each time the request goes out to a server: what
     * came before was waiting here (for a server below its limit, at a rate gate), not the server's time.
     */
    public ChatResult complete(PromptRequest request, Runnable sending) throws CallFailure {
        return complete(request, sending, () -> { });
    }

    /**
     * As {@link #complete(PromptRequest, Runnable)}, telling {@code sentAgain} each time a server's 429 is waited out
     * at its rate gate and the request sent again: one more request the server received for the caller's record.
     */
    public ChatResult complete(PromptRequest request, Runnable sending, Runnable sentAgain) throws CallFailure {
        Server server = adaptive ? acquireRoom() : acquire();
        List<Server> tried = new ArrayList<>(1);
        List<CallFailure> unreached = new ArrayList<>(0);
        while (true) {
            try {
                return call(server, request, sending, sentAgain);
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

    private ChatResult call(Server server, PromptRequest request, Runnable sending, Runnable sentAgain)
            throws CallFailure {
        server.requests.incrementAndGet();
        boolean succeeded = false;
        Sending sent = server.limit == null ? null : new Sending(server);
        try {
            ChatResult result = server.client.complete(request, sent == null ? sending : () -> {
                sent.passedGate();
                sending.run();
            }, sentAgain);
            succeeded = true;
            long now = nanoTime.getAsLong();
            server.onSuccess(now);
            if (sent != null) {
                server.limit.record(sent.at, now - sent.at, sent.others, AdaptiveLimit.Result.ANSWERED);
            }
            return result;
        } catch (CallFailure f) {
            if (sent != null) {
                server.limit.record(sent.at, nanoTime.getAsLong() - sent.at, sent.others, limitResult(f));
            }
            if (!f.requestSent()) {
                server.unreached.incrementAndGet();
                // Stopped, or too large for the token budget, before it looked for the server: no sign of it.
                if (f.kind() != CallFailure.Kind.CANCELLED && f.kind() != CallFailure.Kind.OVER_BUDGET) {
                    server.notConnected.incrementAndGet();
                }
            }
            boolean busy = limitResult(f) == AdaptiveLimit.Result.REFUSED;
            if (busy) {
                server.busy.incrementAndGet();
            }
            // An adaptive server's 429 or 503 says it is full, not sick: its limit answers that, not a set-aside.
            boolean full = server.limit != null && busy;
            if (full) {
                f.limitLowered();
            }
            if (!full && (f.verdict() == CallFailure.Verdict.RETRY
                    || f.verdict() == CallFailure.Verdict.UNREACHABLE)) {
                server.onRetryableFailure(nanoTime.getAsLong(), failuresBeforeSetAside, maxSetAsideNanos);
            }
            throw f;
        } finally {
            (succeeded ? server.succeeded : server.failed).incrementAndGet();
            server.inFlight.decrementAndGet();
            roomFreed();
        }
    }

    /**
     * When an adaptive server's call went out, and how many others were out at that server then. Both are taken
     * again as the call passes the server's rate gate (again after a 429 the gate waited out): time at the gate is
     * the client's own pacing, and a learnt limit that counted it as latency would read a queue at the server where
     * there is none, and drop.
     */
    private final class Sending {
        private final Server server;
        long at;
        int others;

        Sending(Server server) {
            this.server = server;
            passedGate();
        }

        void passedGate() {
            at = nanoTime.getAsLong();
            others = Math.max(0, server.inFlight.get() - 1 - server.client.waitingAtGate());
        }
    }

    /** What a failure tells a server's limit: refusals and timeouts mean it is full; most others say nothing. */
    private static AdaptiveLimit.Result limitResult(CallFailure f) {
        return switch (f.kind()) {
            case HTTP_STATUS -> f.status() == 429 || f.status() == 503 ? AdaptiveLimit.Result.REFUSED
                    : AdaptiveLimit.Result.ANSWERED;
            case TIMEOUT -> f.reachedServer() ? AdaptiveLimit.Result.TIMED_OUT : AdaptiveLimit.Result.IGNORED;
            case MALFORMED_RESPONSE -> AdaptiveLimit.Result.ANSWERED;
            default -> AdaptiveLimit.Result.IGNORED;
        };
    }

    /**
     * What the servers take together now ({@code --concurrency auto}): the sum of their limits, those set aside
     * left out (at least one server's, so that a pool whose every server is set aside still sends); -1 for a pool
     * without limits.
     */
    public int concurrencyLimit() {
        if (!adaptive) {
            return -1;
        }
        long now = nanoTime.getAsLong();
        int sum = 0;
        int least = Integer.MAX_VALUE;
        for (Server s : servers) {
            int limit = s.limit.limit();
            least = Math.min(least, limit);
            if (!s.isSetAside(now)) {
                sum += limit;
            }
        }
        return sum == 0 ? least : sum;
    }

    /** Each server's limit now, in the order the servers were given; empty for a pool without limits. */
    public List<Integer> limits() {
        List<Integer> limits = new ArrayList<>(servers.length);
        for (Server s : servers) {
            if (s.limit != null) {
                limits.add(s.limit.limit());
            }
        }
        return limits;
    }

    /**
     * After {@code failed} could not be reached: another server not set aside and not tried yet, or null. Under
     * learnt limits the other server's limit holds for the request sent on as for any other: it waits for room there
     * (the request reached no server, so it holds no place meanwhile); stopped meanwhile, the caller's failure stands.
     */
    private Server acquireAnother(List<Server> tried, Server failed) {
        tried.add(failed);
        if (tried.size() >= servers.length) {
            return null;
        }
        int start = Math.floorMod(rotation.getAndIncrement(), servers.length);
        if (!adaptive) {
            return acquireAmong(tried, start);
        }
        try {
            return acquireRoom(start, tried);
        } catch (CallFailure stopped) {
            return null;
        }
    }

    /**
     * Takes a place under a server's learnt limit, waiting while every server in rotation is at its limit, until a
     * call ends (or, at the latest, a short while, for a set-aside that runs out). Finding the place and taking it are
     * one compare-and-set ({@link #takeRoom}): callers woken together by one call's end all see the place it freed,
     * and a look followed by a separate take let two of them have it.
     *
     * @throws CallFailure {@link CallFailure.Kind#CANCELLED} when the pool stops sending or cancels its calls meanwhile
     */
    private Server acquireRoom() throws CallFailure {
        return acquireRoom(Math.floorMod(rotation.getAndIncrement(), servers.length), List.of());
    }

    /**
     * As {@link #acquireRoom()}, among the servers not {@code excluded}; null when each of those is set aside (with
     * none excluded, the one back first is taken instead, as {@link #takeRoom} says).
     */
    private Server acquireRoom(int start, List<Server> excluded) throws CallFailure {
        Server taken = takeRoom(start, excluded);
        if (taken != null || noneLeft(excluded)) {
            return taken;
        }
        waitingForRoom.incrementAndGet();
        try {
            synchronized (room) {
                while ((taken = takeRoom(start, excluded)) == null) {
                    if (noneLeft(excluded)) {
                        return null;
                    }
                    if (stopped) {
                        throw CallFailure.unreached(CallFailure.Kind.CANCELLED, "stopped while every server was full",
                                null);
                    }
                    room.wait(ROOM_RECHECK_MILLIS);
                }
                return taken;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CallFailure.unreached(CallFailure.Kind.CANCELLED, "interrupted while every server was full", e);
        } finally {
            waitingForRoom.decrementAndGet();
        }
    }

    /**
     * The server in rotation with the most room under its limit, counted in; when every server is set aside, the one
     * back first, counted in whatever its limit (a call never waits for a set-aside); null when no server has room.
     * The count moves only from the number the room was seen at: another call that took or freed a place meanwhile
     * makes it look again. Servers {@code excluded} are passed over; when some are and every other is set aside, the
     * answer is null, as {@link #noneLeft} then says.
     */
    private Server takeRoom(int start, List<Server> excluded) {
        int n = servers.length;
        while (true) {
            long now = nanoTime.getAsLong();
            Server best = null;
            int bestLoad = 0;
            int bestRoom = 0;
            boolean allSetAside = true;
            for (int i = 0; i < n; i++) {
                Server s = servers[(start + i) % n];
                if (s.isSetAside(now) || excluded.contains(s)) {
                    continue;
                }
                allSetAside = false;
                int load = s.inFlight.get();
                int free = s.limit.limit() - load;
                if (free > 0 && (best == null || free > bestRoom)) {
                    best = s;
                    bestLoad = load;
                    bestRoom = free;
                }
            }
            if (allSetAside) {
                if (!excluded.isEmpty()) {
                    return null;
                }
                Server first = comesBackFirst(start);
                first.inFlight.incrementAndGet();
                return first;
            }
            if (best == null) {
                return null;
            }
            if (best.inFlight.compareAndSet(bestLoad, bestLoad + 1)) {
                return best;
            }
        }
    }

    /** Whether some servers are {@code excluded} and every other is set aside: nothing for them to wait for. */
    private boolean noneLeft(List<Server> excluded) {
        if (excluded.isEmpty()) {
            return false;
        }
        long now = nanoTime.getAsLong();
        for (Server s : servers) {
            if (!excluded.contains(s) && !s.isSetAside(now)) {
                return false;
            }
        }
        return true;
    }

    private void roomFreed() {
        if (waitingForRoom.get() > 0) {
            synchronized (room) {
                room.notifyAll();
            }
        }
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
        int bestScore = 0;
        for (int attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
            best = null;
            for (int i = 0; i < n; i++) {
                Server s = servers[(start + i) % n];
                if (s.isSetAside(now) || excluded.contains(s)) {
                    continue;
                }
                int load = s.inFlight.get();
                // Adaptive: the most room under its own limit wins, so that a server that takes more gets more.
                int score = s.limit == null ? load : load - s.limit.limit();
                if (best == null || score < bestScore) {
                    best = s;
                    bestLoad = load;
                    bestScore = score;
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

    /** How many servers it sends to. */
    public int size() {
        return servers.length;
    }

    /** Counts per server, in the order the servers were given. */
    public List<ServerStats> stats() {
        long now = nanoTime.getAsLong();
        List<ServerStats> stats = new ArrayList<>(servers.length);
        for (Server s : servers) {
            stats.add(new ServerStats(s.shown, s.requests.get(), s.succeeded.get(),
                    s.failed.get(), s.unreached.get(), s.busy.get(), s.inFlight.get(), s.isSetAside(now),
                    s.limit == null ? -1 : s.limit.limit(), s.client.sentAgainAfterRefusal(),
                    s.notConnected.get()));
        }
        return stats;
    }

    /** Cancels every call in flight on every server; they fail with {@link CallFailure.Kind#CANCELLED}. */
    public void cancelAll() {
        stopWaitingForRoom();
        for (Server s : servers) {
            s.client.cancelAll();
        }
    }

    /** Calls waiting for a server below its learnt limit now (for tests and the curious). */
    int waitingForRoom() {
        return waitingForRoom.get();
    }

    /** Requests held at the servers' rate gates now, not yet sent. */
    public int waitingForRateLimit() {
        int waiting = 0;
        for (Server s : servers) {
            waiting += s.client.waitingAtGate();
        }
        return waiting;
    }

    /**
     * How long the requests waiting at a rate-limit gate are still held by their server's word (a budget it said was
     * spent, until its reset): the longest such hold of a server with requests waiting; zero when none is held.
     */
    public Duration rateLimitHold() {
        long longest = 0;
        for (Server s : servers) {
            if (s.client.waitingAtGate() > 0) {
                longest = Math.max(longest, s.client.heldAtGateNanos());
            }
        }
        return Duration.ofNanos(longest);
    }

    /** Sends no new request to any server (those waiting at a rate-limit gate fail at once); calls in flight go on. */
    public void stopSending() {
        stopWaitingForRoom();
        for (Server s : servers) {
            s.client.stopSending();
        }
    }

    /** Calls waiting for a server's room fail at once, cancelled, as calls in flight and new ones do. */
    private void stopWaitingForRoom() {
        stopped = true;
        synchronized (room) {
            room.notifyAll();
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
        /** Its base URL as it may be shown, masked once: stats are read every few milliseconds under auto. */
        final String shown;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong succeeded = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong unreached = new AtomicLong();
        final AtomicLong notConnected = new AtomicLong();
        final AtomicLong busy = new AtomicLong();
        /** Null unless the pool is adaptive. */
        final AdaptiveLimit limit;
        /** {@link System#nanoTime()} scale; in the past when the server is in rotation. Written under the lock. */
        volatile long setAsideUntil;
        // Guarded by this.
        private int consecutiveFailures;
        private long nextSetAsideNanos;
        private final long firstSetAsideNanos;

        Server(ModelClient client, long now, long firstSetAsideNanos, AdaptiveLimit limit) {
            this.client = client;
            this.shown = client.settings().base().shown();
            this.limit = limit;
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
