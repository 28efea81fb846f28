package dev.stride.core;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@link TimeSource#system}: {@link System#nanoTime()}, the given {@link Clock}, and the latch's own timed wait. */
record SystemTime(Clock clock) implements TimeSource {

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public boolean await(CountDownLatch latch, long deadlineNanos) throws InterruptedException {
        return latch.await(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }
}
