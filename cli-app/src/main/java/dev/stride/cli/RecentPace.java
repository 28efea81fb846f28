package dev.stride.cli;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Outcomes per second over about the last {@code window}, or the last half of the session while that is shorter, and
 * over as much more as it takes to hold {@link #MIN_OUTCOMES} outcomes: the pace an ETA is worth giving. The whole session's average lags behind a pace that changed (a server whose rate budget
 * ran out answered 5/s while a session's average still said 25/s, and the ETA was off by 16 s of 18); half the session
 * follows such a change in a run of seconds too, and stays long enough to hold several outcomes.
 *
 * <p>Keeps a count every second or so, the oldest one at or before the window's start (which only moves on): a few
 * dozen at most.
 *
 * <p>Time the run spent waiting for its database is taken out ({@link #leaveOut}): counts are kept only as outcomes
 * come, so the count before a wait of minutes began the window after it, and the pace was that of the wait (an ETA
 * three times too long for half a minute after a lock of 8 s).
 */
final class RecentPace {
    /** How far apart the kept counts are at least. */
    private static final long STEP = Duration.ofSeconds(1).toNanos();
    /**
     * The fewest outcomes the window holds, reaching back past its length (to the session's start at most) while it
     * holds fewer: with an answer every 12 s a window of 30 s held two or three, and each answer in or out of it moved
     * the ETA by half (10m41s, 21m19s, 10m41s between three lines).
     */
    static final long MIN_OUTCOMES = 20;

    /** The session's start, moved on by the time left out before it. */
    private long started;
    private final long window;
    /** The end of the last time left out: what is told again (the same wait from two sides) is left out once. */
    private long leftOutTo = Long.MIN_VALUE;
    /** (nanos, outcomes) pairs, oldest first; never empty. */
    private final ArrayDeque<long[]> counts = new ArrayDeque<>();
    private volatile long lastAt;

    /** @param started the session's start, when it had no outcomes */
    RecentPace(long started, Duration window) {
        this.started = started;
        this.window = window.toNanos();
        counts.add(new long[] {started, 0});
        lastAt = started;
    }

    /** Keeps {@code outcomes} as of {@code now} when a step has passed since the last kept; cheap otherwise. */
    void record(long now, long outcomes) {
        if (now - lastAt < STEP) {
            return;
        }
        synchronized (this) {
            if (now - lastAt < STEP) {
                return;
            }
            lastAt = now;
            counts.addLast(new long[] {now, outcomes});
            dropBefore(now, outcomes);
        }
    }

    /** Outcomes per second from the oldest count kept to {@code outcomes} now; 0 when none came in that time. */
    synchronized double perSecond(long now, long outcomes) {
        dropBefore(now, outcomes);
        long[] from = counts.peekFirst();
        long nanos = now - from[0];
        return nanos <= 0 ? 0 : (outcomes - from[1]) * 1e9 / nanos;
    }

    /**
     * Takes the time from {@code from} to {@code to} out of the pace, as if it had not passed: the counts kept before
     * it move on by its length, those within it to its end. Time left out already is not left out again.
     */
    synchronized void leaveOut(long from, long to) {
        long start = Math.max(from, leftOutTo);
        if (to <= start) {
            return;
        }
        long length = to - start;
        for (long[] count : counts) {
            if (count[0] < to) {
                count[0] = Math.min(count[0] + length, to);
            }
        }
        if (started < to) {
            started = Math.min(started + length, to);
        }
        leftOutTo = to;
    }

    /**
     * Drops counts while the next one is old enough to start the window itself, and leaves at least
     * {@link #MIN_OUTCOMES} of the {@code outcomes} so far after it.
     */
    private void dropBefore(long now, long outcomes) {
        long from = Math.max(now - window, started + (now - started) / 2);
        while (counts.size() > 1) {
            long[] first = counts.pollFirst();
            long[] next = counts.peekFirst();
            if (next[0] > from || outcomes - next[1] < MIN_OUTCOMES) {
                counts.addFirst(first);
                return;
            }
        }
    }
}
