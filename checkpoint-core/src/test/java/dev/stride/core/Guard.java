package dev.stride.core;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How the runner's tests wait for something to happen: on the condition itself, with a generous bound that only a
 * broken runner reaches. The bound is there so that a failure reads as a failure rather than a hung build.
 */
final class Guard {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Guard() {
    }

    /**
     * Waits on {@code monitor} (held by the caller; whoever changes the condition calls {@code notifyAll}) until the
     * condition holds.
     */
    static void await(Object monitor, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not within " + TIMEOUT.toSeconds() + " s: " + what);
            }
            monitor.wait(Math.max(1, left / 1_000_000));
        }
    }

    /**
     * Waits until a condition that nobody signals holds (a flag of the runner), looking at it every millisecond.
     */
    static void until(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + TIMEOUT.toSeconds() + " s: " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
