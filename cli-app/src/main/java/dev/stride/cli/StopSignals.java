package dev.stride.cli;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a stop signal (SIGINT, SIGTERM) means, by when it comes: the first asks for a graceful stop; one within
 * {@value #SAME_STOP_MS} ms of the first is that stop delivered twice, not a person asking again. {@code timeout(1)}
 * sends its signal to stride and then to its own process group, stride included, and a parent that passes Ctrl+C on
 * to its child (an init such as tini, a task runner) adds its copy to the terminal's; nobody presses Ctrl+C twice
 * that fast. A later one asks to quit at once. Thread-safe: the JVM runs each signal's handler on a thread of its own.
 */
final class StopSignals {
    /** How soon after the first a second stop signal is taken as the same one delivered again. */
    static final long SAME_STOP_MS = 250;
    private static final long NOT_YET = Long.MIN_VALUE;

    enum Meaning { STOP, SAME_STOP, QUIT }

    // When the first stop signal came (nanoTime), or NOT_YET: set in one step, so that a copy handled at the same
    // moment on another thread reads the time, never an unset field.
    private final AtomicLong firstAt = new AtomicLong(NOT_YET);

    /** What a stop signal that came at {@code nanoTime} asks for. */
    Meaning on(long nanoTime) {
        if (firstAt.compareAndSet(NOT_YET, nanoTime)) {
            return Meaning.STOP;
        }
        return nanoTime - firstAt.get() < TimeUnit.MILLISECONDS.toNanos(SAME_STOP_MS) ? Meaning.SAME_STOP
                : Meaning.QUIT;
    }

    /** A signal that only ever stops (SIGHUP): the first of any kind stops, and it never quits. */
    boolean stopOnly(long nanoTime) {
        return firstAt.compareAndSet(NOT_YET, nanoTime);
    }
}
