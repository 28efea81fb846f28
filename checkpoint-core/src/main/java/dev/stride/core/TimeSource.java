package dev.stride.core;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * The runner's time: what it measures durations with, what it stamps outcomes with, and how it waits for a
 * deadline. Every timed decision of the runner (back-off, grace, heartbeat, latency, elapsed time) goes through one of
 * these, so a test can hand it a clock that moves only when the test says so.
 */
public interface TimeSource {

    /** A monotonic reading in nanoseconds, for durations and deadlines only (like {@link System#nanoTime()}). */
    long nanoTime();

    /** The wall clock, for the timestamps that are stored. */
    Clock clock();

    /**
     * Waits until {@code latch} opens or {@link #nanoTime()} reaches {@code deadlineNanos}, whichever comes first.
     *
     * @return true when the latch opened, false when the deadline came first
     */
    boolean await(CountDownLatch latch, long deadlineNanos) throws InterruptedException;

    /** The machine's monotonic time, with timestamps from {@code clock}. */
    static TimeSource system(Clock clock) {
        return new SystemTime(clock);
    }
}
