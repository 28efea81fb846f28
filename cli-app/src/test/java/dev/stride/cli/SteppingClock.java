package dev.stride.cli;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A test's nanosecond clock that moves a fixed step each time it is read: no run depends on the machine's speed. */
final class SteppingClock {
    private SteppingClock() {
    }

    /** A clock that moves {@code stepNanos} each time it is read. */
    static LongSupplier stepping(long stepNanos) {
        AtomicLong now = new AtomicLong();
        return () -> now.addAndGet(stepNanos);
    }
}
