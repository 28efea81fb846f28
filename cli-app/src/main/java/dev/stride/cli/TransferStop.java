package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Ctrl+C during copy or merge, listened for before anything is opened: the transfer sees it at its next page, and a
 * write still waiting for a destination another connection holds gives up, the destination as it was; so does a read of
 * a PostgreSQL source waiting for a lock another session holds (it would otherwise try again for as long as that is
 * held, the page it reads never coming back to see the stop).
 */
final class TransferStop {
    private final AtomicBoolean asked = new AtomicBoolean();
    private final List<HeldFileWait> held = new CopyOnWriteArrayList<>();

    /** The signal's handler. */
    void stop() {
        asked.set(true);
        held.forEach(HeldFileWait::stop);
    }

    boolean asked() {
        return asked.get();
    }

    /**
     * Has {@code store}'s writes (a target's) or a PostgreSQL store's reads (a source's) wait for a held file or lock,
     * said on {@code err}; ended at once if a stop came first.
     */
    void waitFor(CheckpointStore store, PrintWriter err, Messages messages) {
        HeldFileWait waiting = HeldFileWait.on(store, err, messages);
        held.add(waiting);
        if (asked.get()) {
            waiting.stop();
        }
    }
}
