package dev.stride.client;

import java.util.concurrent.TimeUnit;

/**
 * A request rate learnt from a server's 429s alone, for a server that refuses beyond a budget it never states (no
 * rate-limit headers) to a run given none ({@code --rpm}, {@code --tpm}) at a fixed concurrency: a gateway, or an API
 * whose limits are on its web page only. Without it such a run sent most of its requests to be refused (three in four,
 * 32 in flight against a budget of four a second).
 *
 * <p>It counts answers and refusals in windows of at least {@value #MIN_WINDOW_EVENTS} of them over {@value
 * #MIN_WINDOW_MS} ms (a window ends at most {@value #MAX_WINDOW_MS} ms after it began, with what it holds).
 * <ul>
 *   <li><b>Before it paces</b>, a window begins at a refusal. When at least a quarter of its requests were refused,
 *       the server refuses because of the rate: the pace starts at the rate that passed in that window. A smaller
 *       share (a 429 now and then, whatever the rate) starts nothing: those requests are the caller's to send again.
 *       </li>
 *   <li><b>Pacing</b>, a window in which more than {@value #QUIET_SHARE} of the requests were refused sets the rate to
 *       the rate that passed in it and a little more ({@value #OVER_WHAT_PASSED}×: the probe that finds a budget that
 *       grew), falling to a quarter of the rate before at most; a window with fewer raises it by a tenth (no more than
 *       {@value #OVER_UNPACED}× what passed, when the pace was not what held the run back).</li>
 * </ul>
 * Not thread-safe: {@link RateGate} holds its lock around every call.
 */
final class RefusalPace {
    static final int MIN_WINDOW_EVENTS = 8;
    static final long MIN_WINDOW_MS = 1000;
    static final long MAX_WINDOW_MS = 5000;
    /** The share of refusals that starts the pace: a server refusing this much refuses because of the rate. */
    static final double START_SHARE = 0.25;
    static final double QUIET_SHARE = 0.02;
    static final double OVER_WHAT_PASSED = 1.05;
    static final double RAISE = 1.1;
    static final double OVER_UNPACED = 1.25;
    static final double FALL_AT_MOST = 0.25;
    /** The slowest first pace, when a window let nothing through: a budget that refills soon is not left at a crawl. */
    static final double SLOWEST_START_PER_SECOND = 1;
    /** The slowest pace: one request in ten seconds, so that a server refusing everything is still asked now and then. */
    static final double SLOWEST_PER_SECOND = 0.1;
    private static final double SECOND = TimeUnit.SECONDS.toNanos(1);

    /** Requests per second; 0 while it does not pace. */
    private double rate;
    private boolean windowOpen;
    private long windowStart;
    private long answers;
    private long refusals;
    /** Before it paces: the caller's count of answers when the window began. */
    private long answeredBefore;

    /** Whether it paces: the gate then paces at {@link #requestNanos()}. */
    boolean pacing() {
        return rate > 0;
    }

    /**
     * A refusal before it paces, the caller having had {@code answeredSoFar} answers in all.
     *
     * @return whether this refusal ended a window that starts the pace
     */
    boolean refusedUnpaced(long now, long answeredSoFar) {
        if (!windowOpen) {
            startWindow(now);
            answeredBefore = answeredSoFar;
        }
        refusals++;
        answers = answeredSoFar - answeredBefore;
        if (!due(now)) {
            return false;
        }
        boolean starts = refusals >= START_SHARE * (answers + refusals);
        if (starts) {
            rate = Math.max(SLOWEST_START_PER_SECOND, passed(now) * OVER_WHAT_PASSED);
        }
        windowOpen = false;
        if (starts) {
            startWindow(now);
        }
        return starts;
    }

    /** An answer to a request it paced. */
    void answered(long now) {
        answers++;
        adjustIfDue(now);
    }

    /** A refusal once it paces. */
    void refused(long now) {
        refusals++;
        adjustIfDue(now);
    }

    /** Nanoseconds between two requests at the learnt rate; 0 while it does not pace. */
    double requestNanos() {
        return rate > 0 ? SECOND / rate : 0;
    }

    /** Requests per second; 0 while it does not pace. */
    double perSecond() {
        return rate;
    }

    private void adjustIfDue(long now) {
        if (!due(now)) {
            return;
        }
        double passed = passed(now);
        double next = refusals > QUIET_SHARE * (answers + refusals)
                ? Math.max(passed * OVER_WHAT_PASSED, rate * FALL_AT_MOST)
                : Math.min(rate, passed * OVER_UNPACED) * RAISE;
        rate = Math.max(SLOWEST_PER_SECOND, next);
        startWindow(now);
    }

    private boolean due(long now) {
        long span = now - windowStart;
        return span >= TimeUnit.MILLISECONDS.toNanos(MAX_WINDOW_MS) || answers + refusals >= MIN_WINDOW_EVENTS
                && span >= TimeUnit.MILLISECONDS.toNanos(MIN_WINDOW_MS);
    }

    /** Answers a second in the window so far. */
    private double passed(long now) {
        return answers / ((now - windowStart) / SECOND);
    }

    private void startWindow(long now) {
        windowOpen = true;
        windowStart = now;
        answers = 0;
        refusals = 0;
    }
}
