package dev.stride.cli;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Waits for a condition itself, polled often, instead of sleeping for as long as it usually takes: the timeout is
 * only a guard against a test that would hang, so it is generous, and reaching it fails the test with what was awaited.
 */
final class Eventually {
    private Eventually() {
    }

    /** Polls {@code probe} until it gives a value (not null), and returns that value. */
    static <T> T get(String what, Duration max, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            T value = probe.call();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + max);
            }
            Thread.sleep(5);
        }
    }

    /** Polls {@code condition} until it holds. */
    static void until(String what, Duration max, Callable<Boolean> condition) throws Exception {
        get(what, max, () -> condition.call() ? Boolean.TRUE : null);
    }
}
