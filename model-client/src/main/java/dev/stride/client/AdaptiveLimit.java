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
 *       worth of requests, at least {@link #MIN_WINDOW}) are averaged; the smallest such average is the server's
 *       latency without a queue. (Not the smallest of recent windows only: the limit keeps a little headroom, so
 *       its windows always hold a small queue, and a baseline that forgets would ratchet up with it.) As in Vegas, {@code limit × (1 − minRtt / rtt)} estimates the requests queued
 *       at the server; when that exceeds {@link #QUEUE_ALLOWED} and a quarter of the limit (so that the noise of a
 *       busy machine on a small limit is not taken for a queue), the limit is scaled Gradient-style: with {@code N}
 *       slots and {@code L} in flight a queueing server answers in {@code L/N} times its latency, so
 *       {@code limit × minRtt / rtt} is {@code N}, plus a little headroom.</li>
 *   <li><b>Refusals</b> (429, 503, as TGI and gateways answer) and <b>timeouts</b>: a refusal sent while {@code k}
 *       others were in flight says the server takes about {@code k}; the limit drops to that (at most by half, at
 *       least by one). A timeout takes a tenth. Only answers to requests sent after the last drop count, so one burst
 *       of refusals is one drop.</li>
 *   <li><b>Growth</b>: the limit doubles per window from {@link #INITIAL} until the first drop (slow start), then
 *       grows by one per window, and only when the window used it (a limit nobody fills says nothing). A window is
 *       at least {@link #MIN_WINDOW} answers so that a server that refuses beyond its slots is probed about once per
 *       hundred requests: the one refusal a probe costs stays near 1% of requests.</li>
 * </ul>
 * Thread-safe.
 */
public final class AdaptiveLimit {
    /** Where every server starts: low enough not to flood a small server, doubled each window. */
    static final int INITIAL = 4;
    /** Answers per window at least; see the class comment for why a hundred. */
    static final int MIN_WINDOW = 100;
    /** Requests queued at the server that are no reason to back off, whatever the limit. */
    static final double QUEUE_ALLOWED = 3;
    /** Of the limit, the share that may queue at the server before the limit backs off. */
    static final double QUEUE_SHARE = 0.25;

    /** Room kept above the capacity the latency says, so that a server that frees a slot finds the next request. */
    static final double HEADROOM = 1.1;

    private final int max;
    private double limit;
    private boolean slowStart = true;
    /** The smallest window average so far, in nanoseconds; 0 before the first window. */
    private long noLoadRtt;
    /** Requests sent before this instant (caller's nanoTime) were in flight at the last drop; see {@link #dropped}. */
    private long lastDropAt;
    private boolean dropped;

    private int samples;
    private long rttSum;
    private int rttCount;
    private int maxInFlight;

    /** @param max the limit never goes above this ({@code --max-concurrency}) */
    public AdaptiveLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the maximum must be at least 1");
        }
        this.max = max;
        this.limit = Math.min(INITIAL, max);
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
        switch (result) {
            case IGNORED -> {
                return;
            }
            case REFUSED -> {
                if (afterLastDrop) {
                    double byRefusal = Math.max(othersInFlight, limit / 2);
                    drop(sentAt + rttNanos, Math.min(limit - 1, byRefusal));
                }
                return;
            }
            case TIMED_OUT -> {
                if (afterLastDrop) {
                    drop(sentAt + rttNanos, limit * 0.9);
                }
                return;
            }
            case ANSWERED -> {
                if (!afterLastDrop) {
                    // Sent under the old limit: its latency tells of a queue that is already gone.
                    return;
                }
                samples++;
                rttSum += rttNanos;
                rttCount++;
                maxInFlight = Math.max(maxInFlight, othersInFlight + 1);
            }
            default -> throw new IllegalStateException("unknown result " + result);
        }
        if (samples >= Math.max(MIN_WINDOW, (int) limit)) {
            endWindow(sentAt + rttNanos);
        }
    }

    private void drop(long now, double to) {
        limit = clamp(to);
        slowStart = false;
        dropped = true;
        lastDropAt = now;
        resetWindow();
    }

    private void endWindow(long now) {
        long avg = rttSum / Math.max(1, rttCount);
        boolean used = maxInFlight >= limit * 0.8;
        if (noLoadRtt == 0 || avg < noLoadRtt) {
            noLoadRtt = avg;
        }
        double inFlight = Math.min(limit, maxInFlight);
        double queued = inFlight * (1 - noLoadRtt / (double) Math.max(1, avg));
        if (queued > Math.max(QUEUE_ALLOWED, QUEUE_SHARE * limit)) {
            // A queue at the server: what it serves at once is about limit × (its own latency / this latency).
            double served = inFlight * noLoadRtt / (double) avg;
            drop(now, Math.min(limit - 1, served * HEADROOM));
            return;
        } else if (used) {
            limit = clamp(slowStart ? limit * 2 : limit + 1);
        }
        resetWindow();
    }

    private void resetWindow() {
        samples = 0;
        rttSum = 0;
        rttCount = 0;
        maxInFlight = 0;
    }

    private double clamp(double value) {
        return Math.max(1, Math.min(max, value));
    }

    /** Whether the limit has dropped since it started (for tests and the curious). */
    synchronized boolean everDropped() {
        return dropped;
    }

    @Override
    public synchronized String toString() {
        return "AdaptiveLimit[limit=" + limit() + ", noLoadRtt=" + noLoadRtt / 1_000_000.0
                + "ms, slowStart="
                + slowStart + "]";
    }
}
