package dev.stride.db;

import dev.stride.core.DatabaseOutage;
import dev.stride.core.RunListener;
import java.time.Duration;

/**
 * Who hears of a run's SQLite file (the run's listener, while it runs), and the run's wait for that file while another connection holds the write lock (a sqlite3 shell after
 * {@code BEGIN IMMEDIATE}, a backup tool). Giving up after the busy timeout stopped the run and threw away the
 * answers received meanwhile, which were then asked (and paid for) again; a run promises never to start over, so it
 * waits as long as the file is held, says so through the path a PostgreSQL outage takes ({@link PostgresOutage}), and
 * only a stop (Ctrl+C, SIGTERM) bounds the wait, to its grace. Outside a run (nobody told) a write gives up after the
 * busy timeout, as ever.
 */
final class SqliteLockWait {
    /**
     * How long each try to take the lock again waits in SQLite's busy handler: a stop is heard within it, and the
     * progress learns how long the wait has lasted at that pace.
     */
    static final int TRY_MS = 1000;

    /**
     * During a run, how long a write waits for the lock before the wait is told: a commit of another worker on the
     * same file takes milliseconds, so past this the file is held, and the progress says so rather than an ETA that
     * grows. (The busy timeout's 10 s, a run was silent that long.)
     */
    static final int FIRST_TRY_MS = 3000;

    /**
     * Once a stop's write found the file held, how long each later write of the stop tries: long enough for another
     * worker's commit (milliseconds), not for the holder, who is waited for no more (PostgreSQL's stopping lock try).
     */
    static final int STOPPED_TRY_MS = 250;

    private final String shown;
    private volatile RunListener told;
    private volatile long cutAt; // nanoTime past which a stopping run waits no more, once cut
    private volatile boolean cut;
    /**
     * A write after the stop's grace found the file held, and no write got the lock since: the stop's later writes
     * then try briefly, once each.
     */
    private volatile boolean heldPastStop;

    /** @param shown the file as the user named it */
    SqliteLockWait(String shown) {
        this.shown = shown;
    }

    /** A run began (its listener) or ended ({@code null}): only a run waits, and a new one is not stopped yet. */
    synchronized void tellTo(RunListener listener) {
        if (listener != null) {
            cut = false;
            heldPastStop = false;
        }
        told = listener;
    }

    /** Whether a write that found the file held waits for it rather than failing after the busy timeout. */
    boolean waits() {
        return told != null;
    }

    /** From now on, wait at most {@code within} more (a stop); a shorter cut already made stays. */
    synchronized void cut(Duration within) {
        long at = System.nanoTime() + within.toNanos();
        if (!cut || at - cutAt < 0) {
            cutAt = at;
            cut = true;
        }
    }

    /**
     * A write after the stop's grace found the file held past its first try: not another writer's moment. The stop's
     * writes after it (the cursor, the leave, the store's close) each waited their whole first try again, 3 s in a
     * run and SQLite's 10 s busy timeout after it: a {@code --grace 6s} stop took 37 s to exit.
     */
    void heldPastStop() {
        heldPastStop = true;
    }

    /** A write got the lock: the file is held no more, and the stop's next writes try as the first did. */
    void letGo() {
        if (heldPastStop) {
            heldPastStop = false;
        }
    }

    /** Whether a write tries the lock once, briefly: the stop's grace is over, and the file was found held. */
    boolean triesOnce() {
        return heldPastStop && stopped();
    }

    /** Whether a stop ended the wait. */
    boolean stopped() {
        return cut && System.nanoTime() - cutAt > 0;
    }

    /** The busy timeout of the next try: {@link #TRY_MS}, or what is left of a stop's grace. */
    int tryMs() {
        if (!cut) {
            return TRY_MS;
        }
        long left = (cutAt - System.nanoTime()) / 1_000_000;
        return (int) Math.max(0, Math.min(TRY_MS, left));
    }

    /**
     * The file is still held after {@code lasted}, for {@code reason} (SQLite's words); {@code folding} when the holder
     * is checkpointing the WAL rather than writing.
     */
    void held(Duration lasted, String reason, boolean folding) {
        RunListener listener = told;
        if (listener != null) {
            listener.databaseUnreachable(folding ? DatabaseOutage.fileFolding(shown, lasted, reason)
                    : DatabaseOutage.fileLocked(shown, lasted, reason));
        }
    }

    /** The WAL {@code wal} grew to {@code bytes}, pinned by another connection's read transaction. */
    void logPinned(String wal, long bytes) {
        RunListener listener = told;
        if (listener != null) {
            listener.databaseLogPinned(wal, bytes);
        }
    }

    /** The write lock was taken after the file had been held for {@code lasted}. */
    void back(Duration lasted) {
        RunListener listener = told;
        if (listener != null) {
            listener.databaseBack(DatabaseOutage.fileLocked(shown, lasted, null));
        }
    }
}
