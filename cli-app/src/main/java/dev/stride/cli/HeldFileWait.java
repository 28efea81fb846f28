package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.DatabaseOutage;
import dev.stride.core.RunListener;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.SqliteCheckpointStore;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A command outside a run (clear, copy, merge) writing a SQLite file whose write lock another connection holds: it
 * waits as a run does (the store's lock wait, told through the listener a run's progress is), instead of giving up
 * after the busy timeout; it says once what it waits for, and a stop (Ctrl+C) ends the wait, the file as it was (the
 * write never began). A PostgreSQL store's statement kept waiting for a lock that another session holds (LOCK TABLE,
 * VACUUM FULL, a long transaction) is told and ended the same way: the stop cancels it on the server, whose
 * transaction rolls back, so that no backend is left waiting for the lock after the command ended.
 */
final class HeldFileWait implements RunListener {
    private final CheckpointStore store;
    private final PrintWriter err;
    private final Messages messages;
    private final AtomicBoolean said = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean waiting;

    private HeldFileWait(CheckpointStore store, PrintWriter err, Messages messages) {
        this.store = store;
        this.err = err;
        this.messages = messages;
    }

    /** Has {@code store}'s writes (and a PostgreSQL store's reads) wait for a held file or lock, said on {@code err}. */
    static HeldFileWait on(CheckpointStore store, PrintWriter err, Messages messages) {
        HeldFileWait wait = new HeldFileWait(store, err, messages);
        if (store instanceof SqliteCheckpointStore || store instanceof PostgresCheckpointStore) {
            store.tellOutagesTo(wait);
        }
        if (store instanceof PostgresCheckpointStore pg) {
            pg.nameLockHolders(); // "another session" alone sent the user to pg_stat_activity to find which
        }
        return wait;
    }

    /** Ctrl+C: a write waiting for the file gives up (after its first try at most), the file as it was. */
    void stop() {
        stopped.set(true);
        store.waitForServerAtMost(Duration.ZERO);
    }

    /** Whether a stop came: a store failure then is the ended wait, and the command says it was interrupted. */
    boolean stopped() {
        return stopped.get();
    }

    /** Whether a write waits for the file now, said so (after its first try): a stop then ends the wait. */
    boolean waiting() {
        return waiting;
    }

    @Override
    public void databaseBack(DatabaseOutage outage) {
        waiting = false;
    }

    @Override
    public void databaseUnreachable(DatabaseOutage outage) {
        if (outage.locked()) {
            waiting = true;
        }
        if (outage.locked() && said.compareAndSet(false, true)) {
            String lasted = Durations.human(outage.lasted().toMillis());
            err.println(!outage.onServer() ? messages.get("msg.db.waitingForLock", outage.server(), lasted)
                    : outage.holders() == null ? messages.get("msg.db.waitingForServerLock", outage.server(), lasted)
                    : messages.get("msg.db.waitingForServerLockHeld", outage.server(), outage.holders(), lasted));
            err.flush();
        }
    }
}
