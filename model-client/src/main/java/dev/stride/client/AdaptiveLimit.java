package dev.stride.client;

/**
 * How many requests one server should have in flight, learnt from its answers ({@code --concurrency auto}).
 *
 * <p>Learnt from Netflix's concurrency-limits (Vegas, Gradient2, AIMD), without depending on it: its limiters size a
 * server-side bulkhead and need a caller that counts in-flight requests their way; here the count is
 * {@link ServerPool}'s own, the time is the caller's (so tests drive it with a made-up clock), and a refusal tells how
 * many the server held when it refused, which none of them uses.
 *
 * <ul>
 *   <li><b>Latency</b> (a server that queues, as vLLM and llama.cpp do): the answers of one window (about a limit's
 *       worth of requests sent under its limit, at least {@link #MIN_WINDOW}, fewer in slow start) are averaged,
 *       and again once the late answers of what was sent under it are in (at the next window's end). The server's
 *       latency without a queue is, in slow start, the average of all its windows that showed none, pooled, then
 *       the smallest whole window's average after it; each plus its standard error (see {@link Latencies}). (Not
 *       the smallest of recent windows only: the limit keeps a little headroom, so its windows always hold a small
 *       queue, and a baseline that forgets would ratchet up with it.) As in Vegas,
 *       {@code limit × (1 − minRtt / rtt)} estimates the requests queued at the server (with {@code rtt} a window's
 *       average less its standard error, or the window before's with its late answers); when that exceeds a
 *       quarter of the limit and {@link #QUEUE_ALLOWED} (so that the noise of a busy machine on a small limit is not
 *       taken for a queue), or {@link #SMALL_QUEUE_SHARE} of what the server serves where that is less, the limit
 *       is scaled Gradient-style: with {@code N} slots and {@code L} in flight a queueing server answers in
 *       {@code L/N} times its latency, so {@code limit × minRtt / rtt} is {@code N}, plus a little headroom. The
 *       window after such a drop does not grow the limit.</li>
 *   <li><b>Refusals</b> (429, 503, as TGI and gateways answer) and <b>timeouts</b>: a refusal sent while {@code k}
 *       others were in flight says the server takes about {@code k}; the limit drops to that (at most by half, at
 *       least by one). A timeout takes a tenth. Only answers to requests sent after the last drop count, so one burst
 *       of refusals is one drop.</li>
 *   <li><b>Which refusals and timeouts are about the load</b>: a full server refuses what is sent with {@code k}
 *       or more others in flight and takes what is sent with fewer; a server that refuses or times out a share of
 *       its requests for reasons of its own (a gateway's stray 429, a long generation) does so at the same share
 *       whatever is in flight. So what came back (answers, refusals, timeouts) is kept per number of others in flight
 *       at sending, halved at each window's end and each drop so that a server whose capacity shrinks is not judged
 *       by its past; a refusal sent with {@code k} others counts only when refusals are more than
 *       {@link #REFUSED_MARGIN} more of what came back from {@code k} or more than of what came back from fewer (a
 *       timeout: {@link #TIMED_OUT_MARGIN}). Each level is credited with {@link #PRIOR_ANSWERS} answers, so that one
 *       stray refusal among the first few at a level never tried is no proof; two refusals are. Without this, 5%
 *       stray 429s cut the limit every twenty requests while it grew by one per hundred: it fell to 1. And what came
 *       back from {@code k} or more must be unlikely by chance, were the server to refuse there at the share it
 *       refused below {@code k} over a longer memory that drops do not clear ({@link #unlikelyByChance}): where one
 *       request in twenty is refused anyway, two refusals among the first two at a level are no proof either; where
 *       none is, they still are.</li>
 *   <li><b>Growth</b>: the limit doubles per window from {@link #INITIAL} until the first drop (slow start), then
 *       grows by one per window, and only when the window used it (a limit nobody fills says nothing). After slow
 *       start a window is at least {@link #MIN_WINDOW} answers so that a server that refuses beyond its slots is
 *       probed about once per hundred requests: the one refusal a probe costs stays near 1% of requests.</li>
 * </ul>
 * Thread-safe.
 */
public final class AdaptiveLimit {
    /**
     * Where every server starts: one alone, so that the first window's latency is the server's own. Started at 4, a
     * server of 1-3 slots that queues showed its queue in that first window, which was then taken for its latency:
     * the limit kept 2-5 times its slots in flight.
     */
    static final int INITIAL = 1;
    /** Answers per window at least after slow start; see the class comment for why a hundred. */
    static final int MIN_WINDOW = 100;
    /**
     * Answers of the first window at least: the server's own latency, the baseline of every later window. Thirty at
     * one in flight take 30 latencies, about the 25 that the first window of a hundred at four took.
     */
    static final int SLOW_START_WINDOW = 30;
    /** Answers of slow start's later windows at least: the limit reaches 32 in as many latencies as it did from 4. */
    static final int LATER_SLOW_START_WINDOW = 20;
    /** Requests queued at the server that are no reason to back off, whatever the limit. */
    static final double QUEUE_ALLOWED = 3;
    /** Of the limit, the share that may queue at the server before the limit backs off. */
    static final double QUEUE_SHARE = 0.25;
    /**
     * Of what the server serves at once, the share that may queue when that is less than {@link #QUEUE_ALLOWED}: a
     * server of one or two slots (llama.cpp's and Ollama's defaults) never saw a queue of three that a limit of three
     * or less cannot hold, and kept five in flight where it served one.
     */
    static final double SMALL_QUEUE_SHARE = 0.4;

    /** Room kept above the capacity the latency says, so that a server that frees a slot finds the next request. */
    static final double HEADROOM = 1.1;
    /**
     * How much larger the share of refusals among what came back from a level of in-flight requests and above must
     * be than below it for a refusal to say the server is full (at 32 slots and a limit of 33 about a fifth of what
     * is sent with 32 others is refused: the rest finds a slot freed meanwhile). Stray refusals up to about this
     * share, the same at every level, are told apart from it.
     */
    static final double REFUSED_MARGIN = 0.15;
    /** As {@link #REFUSED_MARGIN}, for timeouts. */
    static final double TIMED_OUT_MARGIN = 0.3;
    /** Answers each level of in-flight requests is credited with; see the class comment. */
    static final double PRIOR_ANSWERS = 8;
    /**
     * How unlikely what came back from a level and above must be, were it refused (or timed out) at the share seen
     * below it, for it to say the server is full: {@code ln(1/p)} of that chance.
     */
    static final double SURPRISE = Math.log(1_000);
    /** The share of refusals taken as the server's own below a level where none has been seen yet. */
    static final double FLOOR_SHARE = 0.005;
    /** What the long memory keeps of each window: see {@link #seenLong}. */
    static final double LONG_DECAY = 0.9;

    private final int max;
    private double limit;
    private boolean slowStart = true;
    /** The smallest window average so far, in nanoseconds; 0 before the first window. */
    private long noLoadRtt;
    /** Requests sent before this instant (caller's nanoTime) were in flight at the last drop; see {@link #dropped}. */
    private long lastDropAt;
    private boolean dropped;
    /** The last drop was for a queue and no window since has used the limit. */
    private boolean queueHeld;

    /**
     * Per number of others in flight when a request was sent (the last holds that many or more): what came back of
     * requests sent after the last drop, halved at each window's end and each drop.
     */
    private final double[] answeredAt;
    private final double[] refusedAt;
    private final double[] timedOutAt;
    /**
     * The same per level over a longer time, through drops: a drop halves the short counts and starts them afresh
     * for the requests sent after it, which left the levels just under the new limit with nothing to compare with,
     * and two stray refusals among the first few at a level then made a drop, then another (at 5% stray refusals,
     * 15 of 40 modelled runs at a limit of 64 ended between 28 and 58).
     */
    private final double[] seenLong;
    private final double[] refusedLong;
    private final double[] timedOutLong;

    /** When the window began (the caller's nanoTime), once one ended; see {@link #resetWindow}. */
    private long windowStart;
    private boolean windowOpened;
    private int samples;
    private final Latencies window = new Latencies();
    private int maxInFlight;
    /**
     * The window before, still taking the late answers of requests sent under it: a window ends once enough of its
     * requests came back, and those are its quicker ones. Where answers vary in length (a model's do), its slow ones
     * came back after it ended, and counted nowhere: every window's average was low, the smallest of them lower still,
     * and with that as the server's own latency every later window looked like a queue (32 slots at a spread of 0.5:
     * the limit fell to 1 in some runs; BENCHMARKS.md). So the latency taken for the server's own, and a queue's
     * second look, come from the window before once its late answers are in.
     */
    private boolean lastOpen;
    /** The window before was the first: it took whatever was sent before its end. */
    private boolean lastFromTheStart;
    private long lastStart;
    private long lastEnd;
    private final Latencies last = new Latencies();
    /**
     * Slow start's windows that showed the server's own latency, pooled: the baseline while the limit doubles. The
     * smallest of a dozen small windows' means was the luckiest of them: at a spread of 0.8 it was a third low in
     * some runs, every later window looked like a queue, and 64 slots kept a tenth of their capacity (BENCHMARKS.md).
     */
    private final Latencies own = new Latencies();
    private double lastLimit;
    private int lastMaxInFlight;

    /** @param max the limit never goes above this ({@code --max-concurrency}) */
    public AdaptiveLimit(int max) {
        this(max, INITIAL);
    }

    /** @param initial where the limit starts, for tests of what a limit does once it got there */
    AdaptiveLimit(int max, int initial) {
        if (max < 1) {
            throw new IllegalArgumentException("the maximum must be at least 1");
        }
        this.max = max;
        this.limit = Math.max(1, Math.min(initial, max));
        this.answeredAt = new double[max + 1];
        this.refusedAt = new double[max + 1];
        this.timedOutAt = new double[max + 1];
        this.seenLong = new double[max + 1];
        this.refusedLong = new double[max + 1];
        this.timedOutLong = new double[max + 1];
    }

    /** Requests this server should have in flight now: at least 1, at most the maximum. */
    public synchronized int limit() {
        return (int) limit;
    }

    /** What became of one request; the kinds a limit tells apart. */
    public enum Result {
        /** An answer (an error that is the record's own counts too: the server worked). */
        ANSWERED,
        /** 429 or 503: the server is full. */
        REFUSED,
        /** No answer in time. */
        TIMED_OUT,
        /** Says nothing of the server's load (cancelled, no connection): ignored. */
        IGNORED
    }

    /**
     * Learns from one request.
     *
     * @param sentAt     when it was sent (the caller's nanoTime)
     * @param rttNanos   how long until its answer or failure
     * @param othersInFlight other requests in flight at this server when it was sent
     */
    public synchronized void record(long sentAt, long rttNanos, int othersInFlight, Result result) {
        boolean afterLastDrop = !dropped || sentAt - lastDropAt >= 0;
        int level = Math.min(Math.max(0, othersInFlight), max);
        if (result != Result.IGNORED) {
            seenLong[level]++;
        }
        switch (result) {
            case IGNORED -> {
                return;
            }
            case REFUSED -> {
                refusedLong[level]++;
                if (afterLastDrop) {
                    refusedAt[level]++;
                }
                if (afterLastDrop && moreFrom(level, refusedAt, REFUSED_MARGIN)
                        && unlikelyByChance(level, refusedAt, refusedLong)) {
                    double byRefusal = Math.max(othersInFlight, limit / 2);
                    drop(sentAt + rttNanos, Math.min(limit - 1, byRefusal));
                }
                return;
            }
            case TIMED_OUT -> {
                timedOutLong[level]++;
                if (afterLastDrop) {
                    timedOutAt[level]++;
                }
                if (afterLastDrop && moreFrom(level, timedOutAt, TIMED_OUT_MARGIN)
                        && unlikelyByChance(level, timedOutAt, timedOutLong)) {
                    drop(sentAt + rttNanos, limit * 0.9);
                }
                return;
            }
            case ANSWERED -> {
                if (!afterLastDrop) {
                    // Sent under the old limit: its latency tells of a queue that is already gone.
                    return;
                }
                answeredAt[level]++;
                if (lastOpen && (lastFromTheStart || sentAt - lastStart >= 0) && sentAt - lastEnd < 0) {
                    last.add(rttNanos);
                    return;
                }
                if (windowOpened && sentAt - windowStart < 0) {
                    // Sent under the window before: its latency is the last limit's. Counted, a slow start's
                    // window of 20 at a limit doubled to 16 held the 8 answered at 8, which hid a queue of 8.
                    return;
                }
                samples++;
                window.add(rttNanos);
                maxInFlight = Math.max(maxInFlight, othersInFlight + 1);
            }
            default -> throw new IllegalStateException("unknown result " + result);
        }
        if (samples >= Math.max(window(), (int) limit)) {
            endWindow(sentAt + rttNanos);
        }
    }

    /** Whether of what came back at {@code level} and above, {@code kind} is more than {@code margin} over below. */
    private boolean moreFrom(int level, double[] kind, double margin) {
        double from = 0;
        double allFrom = PRIOR_ANSWERS;
        double below = 0;
        double allBelow = 0;
        for (int i = 0; i <= max; i++) {
            double all = answeredAt[i] + refusedAt[i] + timedOutAt[i];
            if (i >= level) {
                from += kind[i];
                allFrom += all;
            } else {
                below += kind[i];
                allBelow += all;
            }
        }
        // A share below is taken over as many as the prior at least: one early refusal among the first few that came
        // back below (a request counted at fewer others than it met, on a busy machine) made it a half or a whole,
        // and a full server then refused two dozen before the limit dropped.
        return from / allFrom > below / Math.max(allBelow, PRIOR_ANSWERS) + margin;
    }

    /**
     * Whether {@code kind} came back from {@code level} and above (since the last drop) more often than chance
     * allows, were the server to refuse there at the share it refused below {@code level} over the long memory (a
     * Chernoff bound on the binomial tail: {@code n × KL(seen share ‖ share below)} beyond {@link #SURPRISE}). Two
     * refusals among the first two at a level are no proof of a full server when one in twenty is refused anyway;
     * where none is refused below, two are.
     */
    private boolean unlikelyByChance(int level, double[] kind, double[] kindLong) {
        double hits = 0;
        double all = 0;
        double hitsBelow = 0;
        double allBelow = 0;
        for (int i = 0; i <= max; i++) {
            if (i >= level) {
                hits += kind[i];
                all += answeredAt[i] + refusedAt[i] + timedOutAt[i];
            } else {
                hitsBelow += kindLong[i];
                allBelow += seenLong[i];
            }
        }
        // Credited with the prior's answers at the floor's share, as each level is: one refusal below, among nothing
        // else, says little of a share (it would make one of one, and nothing at all above it a surprise).
        double expected = Math.max(FLOOR_SHARE, (hitsBelow + FLOOR_SHARE * PRIOR_ANSWERS) / (allBelow + PRIOR_ANSWERS));
        double seen = Math.min(1, hits / Math.max(all, 1e-9));
        return seen > expected && all * divergence(seen, expected) > SURPRISE;
    }

    /** Kullback-Leibler divergence of a coin of bias {@code q} from one of bias {@code p} (0 < p < 1). */
    private static double divergence(double q, double p) {
        double d = q > 0 ? q * Math.log(q / p) : 0;
        return d + (q < 1 ? (1 - q) * Math.log((1 - q) / (1 - p)) : 0);
    }

    /** Answers a window takes at least: see {@link #SLOW_START_WINDOW} and {@link #MIN_WINDOW}. */
    private int window() {
        if (!slowStart) {
            return MIN_WINDOW;
        }
        return noLoadRtt == 0 ? SLOW_START_WINDOW : LATER_SLOW_START_WINDOW;
    }

    private void drop(long now, double to) {
        limit = clamp(to);
        slowStart = false;
        dropped = true;
        lastDropAt = now;
        resetWindow(now, false);
    }

    private void endWindow(long now) {
        // Of the limit as sent by (whole requests): a drop to 1.75 kept 1 in flight, short of 0.8 × 1.75, and a
        // limit that never counted as used never grew again (a server of 2 slots held at 1 for the rest of the run).
        boolean used = maxInFlight >= (int) limit * 0.8;
        if (noLoadRtt == 0) {
            // The first window, at one in flight: its answers came back in the order they were sent, none late.
            noLoadRtt = window.high();
        }
        boolean lastIn = lastOpen && last.count() > 0;
        boolean lastQueued = lastIn && queued(lastLimit, lastMaxInFlight, last.low());
        if (lastIn && slowStart && !lastQueued && last.low() <= noLoadRtt) {
            // Pooled only when no slower than the pool by more than chance: a window of a queue too small to be
            // seen still would raise the baseline, and with it the queue the limit allows from then on.
            own.addAll(last);
            noLoadRtt = own.high();
        } else if (lastIn) {
            noLoadRtt = Math.min(noLoadRtt, last.high());
        }
        double served = -1;
        if (queued(limit, maxInFlight, window.low())) {
            served = served(limit, maxInFlight, window.mean());
        } else if (lastQueued) {
            served = served(lastLimit, lastMaxInFlight, last.mean());
        }
        if (served >= 0) {
            drop(now, Math.min(limit - 1, served * HEADROOM));
            queueHeld = true;
            return;
        } else if (used && queueHeld) {
            // The first window after a queue's drop only confirms the level: probing again at once kept a server of
            // one slot at two in flight half of the time (1.5 times its slots on average).
            queueHeld = false;
        } else if (used) {
            limit = clamp(slowStart ? limit * 2 : limit + 1);
        }
        for (int i = 0; i <= max; i++) {
            seenLong[i] *= LONG_DECAY;
            refusedLong[i] *= LONG_DECAY;
            timedOutLong[i] *= LONG_DECAY;
        }
        resetWindow(now, true);
    }

    /**
     * Whether a window at {@code atLimit} with {@code maxIn} in flight at most and answers of {@code avg} on average
     * shows a queue at the server: as in Vegas, {@code inFlight × (1 − own latency / avg)} estimates it.
     */
    private boolean queued(double atLimit, int maxIn, long avg) {
        double inFlight = Math.min(atLimit, maxIn);
        double queued = inFlight * (1 - noLoadRtt / (double) Math.max(1, avg));
        return queued > Math.max(QUEUE_SHARE * atLimit,
                Math.min(QUEUE_ALLOWED, SMALL_QUEUE_SHARE * served(atLimit, maxIn, avg)));
    }

    /** What the server serves at once: with a queue, about limit × (its own latency / this latency). */
    private double served(double atLimit, int maxIn, long avg) {
        return Math.min(atLimit, maxIn) * noLoadRtt / (double) Math.max(1, avg);
    }

    /**
     * Starts a window at {@code now}: what was sent before it is the last window's, which keeps the late answers
     * of what was sent under it (after a drop none: they were sent under the old limit).
     */
    private void resetWindow(long now, boolean keepLast) {
        lastOpen = keepLast;
        lastFromTheStart = !windowOpened;
        lastStart = windowStart;
        lastEnd = now;
        last.takeFrom(window);
        lastLimit = limit;
        lastMaxInFlight = maxInFlight;
        windowStart = now;
        windowOpened = true;
        for (int i = 0; i <= max; i++) {
            answeredAt[i] /= 2;
            refusedAt[i] /= 2;
            timedOutAt[i] /= 2;
        }
        samples = 0;
        maxInFlight = 0;
    }

    private double clamp(double value) {
        return Math.max(1, Math.min(max, value));
    }

    /** The latency taken for the server's own, in nanoseconds; 0 before the first window (for tests). */
    synchronized long ownLatency() {
        return noLoadRtt;
    }

    /** Whether the limit has dropped since it started (for tests and the curious). */
    synchronized boolean everDropped() {
        return dropped;
    }

    /**
     * The latencies of one window: their mean, and how far it may be off by chance where answers vary in length. Of
     * 20 answers at a spread of 0.5 the mean is a tenth off either way one time in three; the smallest of a dozen
     * such means, taken for the server's own latency, was a fifth low, and every window after it looked like a queue.
     * So the server's own latency is taken from a window's mean plus one standard error, and a queue is judged by
     * the mean less one: answers of one length (a standard error of 0) are judged as before.
     */
    private static final class Latencies {
        private long sum;
        private double squares;
        private int count;

        void add(long nanos) {
            sum += nanos;
            squares += (double) nanos * nanos;
            count++;
        }

        int count() {
            return count;
        }

        long mean() {
            return sum / Math.max(1, count);
        }

        long high() {
            return mean() + standardError();
        }

        long low() {
            return Math.max(1, mean() - standardError());
        }

        private long standardError() {
            if (count < 2) {
                return 0;
            }
            double mean = sum / (double) count;
            return (long) Math.sqrt(Math.max(0, squares / count - mean * mean) / count);
        }

        void addAll(Latencies other) {
            sum += other.sum;
            squares += other.squares;
            count += other.count;
        }

        void takeFrom(Latencies other) {
            sum = other.sum;
            squares = other.squares;
            count = other.count;
            other.sum = 0;
            other.squares = 0;
            other.count = 0;
        }
    }

    @Override
    public synchronized String toString() {
        return "AdaptiveLimit[limit=" + limit() + ", noLoadRtt=" + noLoadRtt / 1_000_000.0
                + "ms, slowStart="
                + slowStart + "]";
    }
}
