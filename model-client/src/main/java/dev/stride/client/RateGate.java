package dev.stride.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * What every request to one server passes before it is sent, so that a run keeps within the server's rate limits
 * instead of spending its retries on 429s.
 *
 * <ul>
 *   <li><b>The user's budget</b> ({@link RateLimits}): requests and tokens are paced evenly (a generic cell rate
 *       algorithm: each request pushes a "next free time" on by its share of a minute), with a burst of at most
 *       {@value #BURST_SECONDS} s worth of budget; never a minute's worth at once.</li>
 *   <li><b>Tokens</b> are not known before the answer: a request is charged an estimate (its body's UTF-8 bytes / 4,
 *       plus its {@code max_tokens}, or when it sets none the mean answer so far, {@value #FIRST_ANSWER_TOKENS}
 *       before the first), and the difference once the answer reports its {@code usage}.</li>
 *   <li><b>The server's word</b> ({@link RateLimitReading}): when a budget it reports runs low (no more left than is
 *       in flight), requests are paced at its limit per minute; when it is spent and the server gives no limit, they
 *       wait for its reset ({@value #HOLD_WITHOUT_RESET_MS} ms when it gives none).</li>
 *   <li><b>A 429</b> once the gate paces (a budget given, or headers seen) means its estimate is off: every request
 *       to the server waits for the server's {@code Retry-After} (1 s without one), the pace drops by a fifth (to
 *       half at most; it comes back a little with each answer), and the request goes again without costing the
 *       record a retry, up to {@value #MAX_ABSORBED_REFUSALS} times.</li>
 * </ul>
 * Waiting ends at once on {@link #cancelAll()} and for good on {@link #stopSending()}: a stopping run is never held
 * by a request that was not sent. A server that never mentions a limit to a user who set none costs one volatile
 * read per request. Thread-safe.
 */
final class RateGate {
    static final double BURST_SECONDS = 0.25;
    static final int MAX_ABSORBED_REFUSALS = 5;
    static final long FIRST_ANSWER_TOKENS = 256;
    static final long HOLD_WITHOUT_RESET_MS = 1000;
    static final Duration HOLD_AFTER_REFUSAL = Duration.ofSeconds(1);
    static final double SLOWEST = 0.5;
    private static final double SLOW_DOWN = 0.8;
    private static final double RECOVER = 0.005;
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    /** What passed the gate: the tokens it was charged; {@link #FREE} when the gate did not count it. */
    record Permit(long tokens) {
        static final Permit FREE = new Permit(-1);
    }

    private final RateLimits limits;
    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Set once a budget is given or a server's reading is seen; read without the lock on the fast path. */
    private volatile boolean engaged;
    // Guarded by lock; times on the nanoTime scale.
    private long requestTat;
    private long tokenTat;
    private long heldUntil;
    private boolean held;
    /** Nanoseconds per request and per token the server's reading asks for; 0 when it asks for none. */
    private double learnedRequestNanos;
    private double learnedTokenNanos;
    private double pace = 1.0;
    private int inFlight;
    private long tokensInFlight;
    private double meanAnswerTokens = FIRST_ANSWER_TOKENS;
    private long epoch;
    private boolean stopped;
    private long waits;
    /** Requests waiting to pass now; written under the lock, read without it. */
    private volatile int waiting;

    RateGate(RateLimits limits, LongSupplier nanoTime) {
        this.limits = limits;
        this.nanoTime = nanoTime;
        this.engaged = limits.any();
        long now = nanoTime.getAsLong();
        this.requestTat = now;
        this.tokenTat = now;
        this.heldUntil = now;
    }

    /** Whether the gate paces: a budget was given or the server spoke of its limits. */
    boolean engaged() {
        return engaged;
    }

    /** The tokens a request is charged before its answer: body bytes / 4 plus its answer's ceiling or the mean. */
    long estimate(int bodyBytes, Integer maxTokens) {
        long answer;
        if (maxTokens != null) {
            answer = maxTokens;
        } else {
            lock.lock();
            try {
                answer = Math.round(meanAnswerTokens);
            } finally {
                lock.unlock();
            }
        }
        return bodyBytes / 4 + answer;
    }

    /**
     * Waits until a request of about {@code tokens} may go, and counts it in flight.
     *
     * @return its permit; null when {@link #cancelAll()} or {@link #stopSending()} ended the wait (nothing is sent)
     */
    Permit enter(long tokens) {
        if (!engaged) {
            return Permit.FREE;
        }
        lock.lock();
        try {
            if (stopped) {
                return null;
            }
            long mine = epoch;
            long goAt = schedule(tokens, nanoTime.getAsLong());
            boolean counted = false;
            boolean waited = false;
            try {
                while (true) {
                    long now = nanoTime.getAsLong();
                    long until = Math.max(goAt, held ? heldUntil : goAt);
                    if (stopped || epoch != mine) {
                        return null;
                    }
                    if (until - now <= 0) {
                        counted = true;
                        return new Permit(tokens);
                    }
                    if (!waited) {
                        waited = true;
                        waits++;
                        waiting++;
                    }
                    changed.awaitNanos(until - now);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } finally {
                if (waited) {
                    waiting--;
                }
                if (!counted) {
                    unschedule(tokens);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Books a request of {@code tokens} arriving at {@code now}: counts it in flight and returns when it may go.
     * Caller holds the lock (or is a test).
     */
    long schedule(long tokens, long now) {
        long start = held && heldUntil - now > 0 ? heldUntil : now;
        long goAt = start;
        double requestNanos = Math.max(limits.requestsPerMinute() > 0 ? (double) MINUTE / limits.requestsPerMinute()
                : 0, learnedRequestNanos) / pace;
        if (requestNanos > 0) {
            long tat = requestTat - start > 0 ? requestTat : start;
            long burst = limits.requestsPerMinute() > 0 && learnedRequestNanos == 0 ? burstNanos() : 0;
            goAt = Math.max(goAt, tat - burst);
            requestTat = tat + Math.round(requestNanos);
        }
        double tokenNanos = tokenNanos();
        if (tokenNanos > 0) {
            long tat = tokenTat - start > 0 ? tokenTat : start;
            long burst = limits.tokensPerMinute() > 0 && learnedTokenNanos == 0 ? burstNanos() : 0;
            goAt = Math.max(goAt, tat - burst);
            tokenTat = tat + Math.round(tokens * tokenNanos);
        }
        inFlight++;
        tokensInFlight += tokens;
        return goAt;
    }

    private static long burstNanos() {
        return Math.round(BURST_SECONDS * 1e9);
    }

    private double tokenNanos() {
        return Math.max(limits.tokensPerMinute() > 0 ? (double) MINUTE / limits.tokensPerMinute() : 0,
                learnedTokenNanos) / pace;
    }

    /** A booked request that was not sent gives its place back. */
    private void unschedule(long tokens) {
        inFlight--;
        tokensInFlight -= tokens;
    }

    /**
     * The request was answered: its token charge corrected from the reported usage (null parts: the estimate
     * stands), the server's reading taken in.
     */
    void answered(Permit permit, Integer promptTokens, Integer completionTokens, RateLimitReading reading) {
        if (permit == Permit.FREE && !reading.any()) {
            return;
        }
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            if (permit != Permit.FREE) {
                unschedule(permit.tokens());
                if (promptTokens != null && completionTokens != null) {
                    long actual = (long) promptTokens + completionTokens;
                    double perToken = tokenNanos();
                    if (perToken > 0) {
                        tokenTat += Math.round((actual - permit.tokens()) * perToken);
                    }
                }
                pace = Math.min(1.0, pace + RECOVER);
            }
            if (completionTokens != null) {
                meanAnswerTokens += (completionTokens - meanAnswerTokens) * 0.1;
            }
            observe(reading, now);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The server refused the request with a 429 that may be retried.
     *
     * @param retryAfter what the server asked for; null when it did not say
     * @return whether the gate takes it on (the caller sends the request again through {@link #enter}); false when
     * the gate does not pace, and the refusal is the caller's as before
     */
    boolean refused(Permit permit, Duration retryAfter, RateLimitReading reading) {
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            if (permit != Permit.FREE) {
                unschedule(permit.tokens());
            }
            observe(reading, now);
            if (!engaged) {
                return false;
            }
            hold(now + (retryAfter != null ? retryAfter : HOLD_AFTER_REFUSAL).toNanos());
            // The pace starts again after the hold, rather than letting every booked request go the moment it ends.
            requestTat = later(requestTat, heldUntil);
            tokenTat = later(tokenTat, heldUntil);
            pace = Math.max(SLOWEST, pace * SLOW_DOWN);
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Any other end of a request: its place given back, the reading taken in. */
    void failed(Permit permit, RateLimitReading reading) {
        if (permit == Permit.FREE && !reading.any()) {
            return;
        }
        lock.lock();
        try {
            if (permit != Permit.FREE) {
                unschedule(permit.tokens());
            }
            observe(reading, nanoTime.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /** Takes in a server's reading; caller holds the lock. */
    private void observe(RateLimitReading reading, long now) {
        if (!reading.any()) {
            return;
        }
        engaged = true;
        learnedRequestNanos = follow(reading.requests(), inFlight, now);
        if (learnedRequestNanos > 0 && reading.requests().remaining() == 0) {
            // Spent: the next request waits for the next refill, not just its place in the pace.
            requestTat = later(requestTat, now + Math.round(learnedRequestNanos / pace));
        }
        long oneRequest = Math.round(meanAnswerTokens);
        learnedTokenNanos = follow(reading.tokens(), tokensInFlight + oneRequest, now);
        long shortOf = oneRequest - reading.tokens().remaining();
        if (learnedTokenNanos > 0 && shortOf > 0) {
            tokenTat = later(tokenTat, now + Math.round(shortOf * learnedTokenNanos / pace));
        }
    }

    private static long later(long a, long b) {
        return b - a > 0 ? b : a;
    }

    /**
     * What one budget asks for: nanoseconds per unit to pace at when it runs low (0 while there is room), which is
     * its limit spread over a minute (OpenAI's and Anthropic's limits are per minute; the reset is no rate, for they
     * enforce a minute's limit over shorter spans too); a hold until its reset when it is spent and no limit is said.
     */
    private double follow(RateLimitReading.Budget b, long needed, long now) {
        if (!b.known() || b.remaining() > needed) {
            return 0;
        }
        if (b.limit() > 0) {
            return (double) MINUTE / b.limit();
        }
        if (b.remaining() == 0) {
            Duration reset = b.reset();
            hold(now + (reset != null ? reset.toNanos() : TimeUnit.MILLISECONDS.toNanos(HOLD_WITHOUT_RESET_MS)));
        }
        return 0;
    }

    private void hold(long until) {
        if (!held || until - heldUntil > 0) {
            heldUntil = until;
            held = true;
        }
    }

    /** Ends every wait now (those requests are not sent); later requests pass as before. */
    void cancelAll() {
        lock.lock();
        try {
            epoch++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Ends every wait and lets no request through any more: the run is stopping. */
    void stopSending() {
        lock.lock();
        try {
            stopped = true;
            engaged = true; // so that enter() takes the lock and sees it
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** For tests and the progress line: the current pace (1 = the full budget) and how many waits there were. */
    double pace() {
        lock.lock();
        try {
            return pace;
        } finally {
            lock.unlock();
        }
    }

    /** For tests: when requests are held until, and whether they are. */
    long heldUntil() {
        lock.lock();
        try {
            return held ? heldUntil : Long.MIN_VALUE;
        } finally {
            lock.unlock();
        }
    }

    /** Requests waiting to pass now. */
    int waiting() {
        return waiting;
    }

    /** Requests that had to wait, so far. */
    long waits() {
        lock.lock();
        try {
            return waits;
        } finally {
            lock.unlock();
        }
    }
}
