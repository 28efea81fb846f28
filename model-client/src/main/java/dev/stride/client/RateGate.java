package dev.stride.client;

import java.time.Duration;
import java.util.List;
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
 *       before the first), and the difference once the answer reports its {@code usage}; the requests already
 *       waiting move up (or back) by it too, so a run whose requests were all booked at a high estimate before any
 *       answer is not paced at that estimate.</li>
 *   <li><b>The server's word</b> ({@link RateLimitReading}): when a budget it reports runs low (no more left than is
 *       in flight), requests are paced at its limit per minute; when it is spent and the server gives no limit, they
 *       wait for its reset ({@value #HOLD_WITHOUT_RESET_MS} ms when it gives none).</li>
 *   <li><b>A 429</b> once the gate paces (a budget given, or headers seen) means its estimate is off: every request
 *       to the server waits for the server's {@code Retry-After} (1 s without one), the pace drops by a fifth (to
 *       half at most; it comes back a little with each answer), and the request goes again without costing the
 *       record a retry, up to {@value #MAX_ABSORBED_REFUSALS} times. The pace drops once for the requests that
 *       were sent at the same pace (a burst refused together is one mistake, not one each), and not at all for a
 *       request sent before the gate paced: its refusal says nothing of the estimate. Otherwise the first burst of
 *       a run against a server that only then says its limits would halve the pace for the rest of a short run.</li>
 *   <li><b>A second 429 in a row at a spent budget</b> (a request sent after one such refusal, refused again, the
 *       server saying the budget is spent and when it resets): the budget is a window that comes back whole at its
 *       reset, not a bucket that refills at its pace, and every request waits for that reset.</li>
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

    /**
     * What passed the gate: the tokens it was (or would have been) charged, the pace it was booked at (how many times
     * the pace had dropped; -1 when the gate did not pace, nor count it in flight), how many times the token
     * schedule had restarted from an idle moment when it was booked, and how many refusals in a row at a spent
     * budget there had been (none answered since).
     */
    record Permit(long tokens, long paceDrops, long tokenRestarts, long spentRefusals) {
        static Permit unpaced(long tokens) {
            return new Permit(tokens, -1, -1, 0);
        }

        boolean paced() {
            return paceDrops >= 0;
        }
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
    /** How far corrections from usage have moved the token schedule, in all: what moves the waiting requests. */
    private long tokenDrift;
    /** How many times the token schedule started again from now, having fallen behind it (nothing was owed). */
    private long tokenRestarts;
    private long heldUntil;
    private boolean held;
    /** Nanoseconds per request and per token the server's reading asks for; 0 when it asks for none. */
    private double learnedRequestNanos;
    private double learnedTokenNanos;
    private double pace = 1.0;
    private long paceDrops;
    /** Refusals in a row that came with a budget said to be spent, with its reset; an answer ends the row. */
    private long spentRefusals;
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

    /** Whether a request of {@code tokens} is more than the user's token budget allows in a whole minute. */
    boolean beyondBudget(long tokens) {
        return limits.tokensPerMinute() > 0 && tokens > limits.tokensPerMinute();
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
            return Permit.unpaced(tokens);
        }
        lock.lock();
        try {
            if (stopped) {
                return null;
            }
            long mine = epoch;
            Booking booking = book(tokens, nanoTime.getAsLong());
            boolean counted = false;
            boolean waited = false;
            try {
                while (true) {
                    long now = nanoTime.getAsLong();
                    long goAt = booking.goAt(tokenDrift);
                    long until = Math.max(goAt, held ? heldUntil : goAt);
                    if (stopped || epoch != mine) {
                        return null;
                    }
                    if (until - now <= 0) {
                        counted = true;
                        return new Permit(tokens, booking.paceDrops(), booking.tokenRestarts(),
                                spentRefusals);
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
     * When a booked request may go: its place in the request pace, and in the token pace as it stood when the token
     * schedule had drifted by {@code drift}. A later correction from usage moves the token place of every request
     * still waiting, as if the requests before it had been charged what they cost.
     */
    private record Booking(long requestGoAt, long tokenGoAt, long drift, long paceDrops, long tokenRestarts) {
        long goAt(long driftNow) {
            return Math.max(requestGoAt, tokenGoAt + (driftNow - drift));
        }
    }

    /** For tests: books a request of {@code tokens} arriving at {@code now}, and says when it may go as things are. */
    long schedule(long tokens, long now) {
        return book(tokens, now).goAt(tokenDrift);
    }

    /** Books a request of {@code tokens} arriving at {@code now}: counts it in flight. Caller holds the lock. */
    private Booking book(long tokens, long now) {
        long start = held && heldUntil - now > 0 ? heldUntil : now;
        long requestGoAt = start;
        double requestNanos = Math.max(limits.requestsPerMinute() > 0 ? (double) MINUTE / limits.requestsPerMinute()
                : 0, learnedRequestNanos) / pace;
        if (requestNanos > 0) {
            long tat = requestTat - start > 0 ? requestTat : start;
            long burst = limits.requestsPerMinute() > 0 && learnedRequestNanos == 0 ? burstNanos() : 0;
            requestGoAt = Math.max(requestGoAt, tat - burst);
            requestTat = tat + Math.round(requestNanos);
        }
        long tokenGoAt = start;
        double tokenNanos = tokenNanos();
        if (tokenNanos > 0) {
            long tat = tokenTat;
            if (tokenTat - start <= 0) {
                tat = start;
                tokenRestarts++;
            }
            long burst = limits.tokensPerMinute() > 0 && learnedTokenNanos == 0 ? burstNanos() : 0;
            tokenGoAt = tat - burst;
            tokenTat = tat + Math.round(tokens * tokenNanos);
        }
        inFlight++;
        tokensInFlight += tokens;
        return new Booking(requestGoAt, tokenGoAt, tokenDrift, paceDrops, tokenRestarts);
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
        if (!permit.paced() && !reading.any()) {
            return;
        }
        lock.lock();
        try {
            long now = nanoTime.getAsLong();
            if (permit.paced()) {
                unschedule(permit.tokens());
                if (promptTokens != null && completionTokens != null) {
                    long actual = (long) promptTokens + completionTokens;
                    double perToken = tokenNanos();
                    // An estimate too high is given back only while the schedule it was charged to still stands:
                    // once the schedule restarted from an idle moment, what it charged is forgiven already.
                    long shift = perToken > 0 ? Math.round((actual - permit.tokens()) * perToken) : 0;
                    if (shift > 0 || shift < 0 && permit.tokenRestarts() == tokenRestarts) {
                        tokenTat += shift;
                        tokenDrift += shift;
                        if (shift < 0) {
                            changed.signalAll();
                        }
                    }
                }
                pace = Math.min(1.0, pace + RECOVER);
            }
            if (completionTokens != null) {
                meanAnswerTokens += (completionTokens - meanAnswerTokens) * 0.1;
            }
            spentRefusals = 0;
            observe(reading, permit.tokens(), now);
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
            if (permit.paced()) {
                unschedule(permit.tokens());
            }
            observe(reading, permit.tokens(), now);
            if (!engaged) {
                return false;
            }
            hold(now + (retryAfter != null ? retryAfter : HOLD_AFTER_REFUSAL).toNanos());
            Duration reset = spentReset(reading);
            if (reset != null) {
                // Sent after the server had refused at a spent budget, and refused again: the budget did not come
                // back at its pace (a window that refills all at once at its reset, not a bucket that drips), so
                // nothing goes until the reset the server names. One refusal does not say so: OpenAI's reset is the
                // time until its bucket is full, far later than the room for the next request.
                if (permit.spentRefusals() > 0 && spentRefusals > 0) {
                    hold(now + reset.toNanos());
                }
                spentRefusals++;
            }
            // The pace starts again after the hold, rather than letting every booked request go the moment it ends.
            requestTat = later(requestTat, heldUntil);
            tokenTat = later(tokenTat, heldUntil);
            if (permit.paced() && permit.paceDrops() == paceDrops) {
                pace = Math.max(SLOWEST, pace * SLOW_DOWN);
                paceDrops++;
            }
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The reset of a budget the reading says is spent (the later of two); null when none is, or it gives none. */
    private static Duration spentReset(RateLimitReading reading) {
        Duration reset = null;
        for (RateLimitReading.Budget b : List.of(reading.requests(), reading.tokens())) {
            if (b.known() && b.remaining() == 0 && b.reset() != null
                    && (reset == null || b.reset().compareTo(reset) > 0)) {
                reset = b.reset();
            }
        }
        return reset;
    }

    /** Any other end of a request: its place given back, the reading taken in. */
    void failed(Permit permit, RateLimitReading reading) {
        if (!permit.paced() && !reading.any()) {
            return;
        }
        lock.lock();
        try {
            if (permit.paced()) {
                unschedule(permit.tokens());
            }
            observe(reading, permit.tokens(), nanoTime.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes in a server's reading that came with a request of {@code oneRequest} tokens (what the next needs room
     * for); caller holds the lock.
     */
    private void observe(RateLimitReading reading, long oneRequest, long now) {
        if (!reading.any()) {
            return;
        }
        engaged = true;
        learnedRequestNanos = follow(reading.requests(), inFlight, now);
        if (learnedRequestNanos > 0 && reading.requests().remaining() == 0) {
            // Spent: the next request waits for the next refill, not just its place in the pace.
            requestTat = later(requestTat, now + Math.round(learnedRequestNanos / pace));
        }
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

    /** For tests: how many times the pace has dropped. */
    long paceDrops() {
        lock.lock();
        try {
            return paceDrops;
        } finally {
            lock.unlock();
        }
    }

    /** For tests: refusals in a row at a spent budget. */
    long spentRefusals() {
        lock.lock();
        try {
            return spentRefusals;
        } finally {
            lock.unlock();
        }
    }

    /** For tests: how many times the token schedule has restarted from an idle moment. */
    long tokenRestarts() {
        lock.lock();
        try {
            return tokenRestarts;
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

    /**
     * How long the server's word still holds every request back (a budget it said was spent, until its reset): 0 when
     * it does not. What the progress line says of a long wait, which is otherwise only a count of requests waiting.
     */
    long heldNanos() {
        if (!engaged) {
            return 0;
        }
        lock.lock();
        try {
            long left = heldUntil - nanoTime.getAsLong();
            return held && left > 0 ? left : 0;
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
