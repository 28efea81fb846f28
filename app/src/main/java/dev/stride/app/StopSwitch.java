package dev.stride.app;

import dev.stride.core.BatchRunner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Carries a stop request (Ctrl+C, SIGTERM, a program's call) to whatever is working when it comes: reading the input
 * (which then gives up, writing nothing), or a runner (which then stops gracefully). A request that comes before a
 * runner exists keeps it from starting.
 */
public final class StopSwitch {
    private final AtomicBoolean requested = new AtomicBoolean();
    private final AtomicReference<BatchRunner> runner = new AtomicReference<>();

    /** Asks for a stop as Ctrl+C would; safe from any thread, and more than once. */
    public void requestStop() {
        requested.set(true);
        BatchRunner r = runner.get();
        if (r != null) {
            r.requestStop();
        }
    }

    /** Whether a stop was asked for. */
    public boolean requested() {
        return requested.get();
    }

    /** Routes stop requests to {@code r} from now on, and passes on one that already came. */
    void attach(BatchRunner r) {
        runner.set(r);
        if (requested.get()) {
            r.requestStop();
        }
    }

    void detach() {
        runner.set(null);
    }
}
