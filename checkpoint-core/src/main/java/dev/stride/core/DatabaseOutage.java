package dev.stride.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A time during which the database could not be written, as the store saw it: a PostgreSQL server that did not answer
 * (restarting, a network cut), or a SQLite file whose write lock another connection held (a sqlite3 shell after
 * BEGIN). The run waits for it, and its counts stand still meanwhile, so whoever watches is told why.
 *
 * @param server    the server as the user named it, {@code HOST:PORT}; for a locked file, the file's name
 * @param lasted    how long it has lasted so far (or in all, once it is over)
 * @param waitLimit how long the store waits for the server before the run stops; a locked file is waited for as
 *                  long as it is held (only a stop ends that wait), and this is zero
 * @param reason    the last failure to reach it, in the driver's words; null once it is over
 * @param locked    a file held by another connection, not a server away
 * @param folding   a locked file whose holder is checkpointing its WAL (another stride worker of the file folding its
 *                  log in, which waits for busy readers), not a program holding a write transaction
 * @param onServer  locked: a lock on a PostgreSQL server's table or rows that another session holds (LOCK TABLE,
 *                  VACUUM FULL, a long transaction), {@code server} its {@code HOST:PORT}, not a SQLite file
 * @param holders   onServer: the sessions seen holding the lock ("pid 1234 (psql, idle in transaction)"), for the
 *                  user to find and end; null when none was seen (they let go, or the look was not allowed)
 */
public record DatabaseOutage(String server, Duration lasted, Duration waitLimit, String reason, boolean locked,
                             boolean folding, boolean onServer, String holders) {

    public DatabaseOutage {
        Objects.requireNonNull(lasted, "lasted");
        Objects.requireNonNull(waitLimit, "waitLimit");
    }

    /** A database server away. */
    public DatabaseOutage(String server, Duration lasted, Duration waitLimit, String reason) {
        this(server, lasted, waitLimit, reason, false, false, false, null);
    }

    /** The SQLite file {@code file} (as shown to the user) held by another connection's write for {@code lasted}. */
    public static DatabaseOutage fileLocked(String file, Duration lasted, String reason) {
        return new DatabaseOutage(file, lasted, Duration.ZERO, reason, true, false, false, null);
    }

    /** The SQLite file {@code file} held for {@code lasted} by another connection's checkpoint of its WAL. */
    public static DatabaseOutage fileFolding(String file, Duration lasted, String reason) {
        return new DatabaseOutage(file, lasted, Duration.ZERO, reason, true, true, false, null);
    }

    /**
     * A statement on the PostgreSQL server {@code server} ({@code HOST:PORT}) kept waiting {@code lasted} for a lock
     * that another session holds ({@code holders}, null when unknown); waited for as long as it is held, as a held
     * file is.
     */
    public static DatabaseOutage serverLocked(String server, Duration lasted, String reason, String holders) {
        return new DatabaseOutage(server, lasted, Duration.ZERO, reason, true, false, true, holders);
    }

    /** As {@link #serverLocked(String, Duration, String, String)}, its holders unknown. */
    public static DatabaseOutage serverLocked(String server, Duration lasted, String reason) {
        return serverLocked(server, lasted, reason, null);
    }
}
