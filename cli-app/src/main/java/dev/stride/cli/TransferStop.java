package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Ctrl+C during copy or merge, listened for before anything is opened: the transfer sees it at its next page, and a
 * write still waiting for a destination another connection holds gives up, the destination as it was.
 */
final class TransferStop {
    private final AtomicBoolean asked = new AtomicBoolean();
    private final AtomicReference<HeldFileWait> held = new AtomicReference<>();

    /** The signal's handler. */
    void stop() {
        asked.set(true);
        HeldFileWait waiting = held.get();
        if (waiting != null) {
            waiting.stop();
        }
    }

    boolean asked() {
        return asked.get();
    }

    /** Has {@code target}'s writes wait for a held file, said on {@code err}; ended at once if a stop came first. */
    void waitFor(CheckpointStore target, PrintWriter err, Messages messages) {
        HeldFileWait waiting = HeldFileWait.on(target, err, messages);
        held.set(waiting);
        if (asked.get()) {
            waiting.stop();
        }
    }
}
