package dev.stride.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link TimeSource} that stands still until the test moves it. A wait ends when its latch opens or when
 * {@link #advance} carries the time to its deadline; every wait asked for is kept, so a test can see how long the
 * runner meant to wait and move the time by exactly that.
 */
final class ManualTime implements TimeSource {
    private static final Instant START = Instant.parse("2030-01-02T03:04:05Z");
    /** Not zero, so that code which took a reading of zero for "never" would show. */
    private static final long START_NANOS = 1_000_000_000_000L;
    /** How often a waiting thread looks at its latch: a latch cannot wake a monitor, advance() can. */
    private static final long LATCH_LOOK_MS = 2;

    private final Clock clock = new ManualClock();
    private final List<Duration> waitsAsked = new ArrayList<>();
    private long nanos = START_NANOS;
    private int waiting;

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    synchronized Instant now() {
        return START.plusNanos(nanos - START_NANOS);
    }

    synchronized void advance(Duration by) {
        nanos += by.toNanos();
        notifyAll();
    }

    @Override
    public synchronized boolean await(CountDownLatch latch, long deadlineNanos) throws InterruptedException {
        waitsAsked.add(Duration.ofNanos(deadlineNanos - nanos));
        waiting++;
        notifyAll();
        try {
            while (latch.getCount() > 0 && nanos < deadlineNanos) {
                wait(LATCH_LOOK_MS);
            }
            return latch.getCount() == 0;
        } finally {
            waiting--;
            notifyAll();
        }
    }

    /** Every wait asked for so far, in order: how far each deadline lay ahead when the wait began. */
    synchronized List<Duration> waitsAsked() {
        return List.copyOf(waitsAsked);
    }

    /** Threads inside {@link #await} right now. */
    synchronized int waiting() {
        return waiting;
    }

    /** Waits until the runner has asked for at least {@code count} waits; returns them all, in the order asked. */
    synchronized List<Duration> awaitWaitsAsked(int count) throws InterruptedException {
        Guard.await(this, () -> waitsAsked.size() >= count, count + " waits asked, got " + waitsAsked);
        return List.copyOf(waitsAsked);
    }

    /** Waits until {@code count} threads are inside {@link #await} at once. */
    synchronized void awaitWaiting(int count) throws InterruptedException {
        Guard.await(this, () -> waiting >= count, count + " threads waiting, got " + waiting);
    }

    /** The manual time as a {@link Clock} in any zone: the instant is the same, only how it is shown differs. */
    private final class ManualClock extends Clock {
        private final ZoneId zone;

        ManualClock() {
            this(ZoneOffset.UTC);
        }

        private ManualClock(ZoneId zone) {
            this.zone = zone;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId other) {
            return new ManualClock(other);
        }

        @Override
        public Instant instant() {
            return now();
        }
    }
}
