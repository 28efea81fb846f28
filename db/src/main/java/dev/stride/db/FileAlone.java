package dev.stride.db;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * Whether a database file holds everything by itself, right now: what a copy of the file alone (cp, scp) would
 * carry. It does when there is no WAL beside it, or an empty one: stride folds the WAL into the file and truncates
 * it when it closes the database (done, Ctrl+C, SIGTERM, an error). While a run writes, and after a stride that was
 * stopped before it could close (kill -9, a crash, the OOM killer, a power loss), the last commits are only in the
 * WAL.
 *
 * @param wal              the WAL beside the file ({@code runs.db-wal})
 * @param walBytes         its size; 0 when there is none
 * @param answersOnlyInWal for {@link State#LEFT_BEHIND}: the answers a copy of the file alone would lack (0 when the
 *                         WAL holds other commits only, such as the cursor); empty otherwise (a writer may be at
 *                         work), or when they could not be counted
 */
public record FileAlone(Path file, Path wal, long walBytes, State state, OptionalLong answersOnlyInWal) {

    public enum State {
        /**
         * No WAL beside the file, an empty one, or one that holds no commit (only pages of a transaction that never
         * committed): the file alone holds every commit.
         */
        WHOLE,
        /**
         * A run is writing the file (its cursor was saved recently, and a worker of it is live or none is on record):
         * its latest commits are in the WAL.
         */
        BEING_WRITTEN,
        /**
         * The WAL still holds commits, and a run is stored as running but nothing works on it: every worker of it
         * the file knows is gone, or it has not saved its cursor for a while. Left by a stride stopped before it
         * could fold them in (kill -9, a crash, a power loss, a second Ctrl+C, a full disk: a run stopped by SQLITE_FULL
         * stays stored as running, and the fold needs room).
         */
        LEFT_BEHIND,
        /**
         * The WAL holds commits, but no run is stored as running: every stride that wrote the file ended as it
         * should, and another program writes it or held it open (a read transaction) when stride closed it.
         */
        HELD_ELSEWHERE
    }

    public boolean whole() {
        return state == State.WHOLE;
    }

    /**
     * Looks without writing anything: no SQLite connection at all when there is no WAL, a read-only one otherwise.
     * A run counts as writing as {@code stride status} tells a live run from one whose process died
     * ({@link dev.stride.core.ShownState}): its cursor is {@code running} and was saved within {@code staleAfter} of
     * {@code now}, and the file knows no workers of it or one of them is live. Every worker gone (a process of this
     * machine killed a moment ago) means nobody writes, at once; a run without workers on record is taken for a live
     * one for {@code staleAfter} after its last save. A run stored as running that nobody writes was stopped without
     * closing the file: only then are the answers counted.
     *
     * @throws StoreException when the file cannot be read as a stride database
     */
    public static FileAlone look(Path file, Instant now, Duration staleAfter) {
        Path wal = WalFile.of(file);
        long walBytes = WalFile.bytes(file);
        if (walBytes == 0) {
            return new FileAlone(file, wal, 0, State.WHOLE, OptionalLong.empty());
        }
        SqliteFiles.checkUsable(file, true);
        // The workers' check below is this process's first jOOQ query when a reader (export, sql) looks before it
        // opens its store: without this, jOOQ's "Database version is supported" INFO lines go to stderr.
        SqliteCheckpointStore.quietLibraries();
        try (Connection c = SqliteFiles.connect(SqliteFiles.readerSource(file), file)) {
            Running running = running(c, now, staleAfter);
            if (running.written()) {
                return new FileAlone(file, wal, walBytes, State.BEING_WRITTEN, OptionalLong.empty());
            }
            // No stride writes the file now: a WAL that holds no commit (left by one killed while it read its
            // input, say) leaves nothing out of the file alone.
            if (!WalFile.holdsCommits(file)) {
                return new FileAlone(file, wal, walBytes, State.WHOLE, OptionalLong.empty());
            }
            if (!running.any()) {
                return new FileAlone(file, wal, walBytes, State.HELD_ELSEWHERE, OptionalLong.empty());
            }
            long throughWal = WalFile.answers(c);
            long alone;
            try {
                alone = WalFile.answersInFileAlone(file);
            } catch (SQLException e) {
                // A writer that is no run (stride clear) may be checkpointing under the look: left uncounted.
                return new FileAlone(file, wal, walBytes, State.LEFT_BEHIND, OptionalLong.empty());
            }
            return new FileAlone(file, wal, walBytes, State.LEFT_BEHIND,
                    OptionalLong.of(Math.max(0, throughWal - alone)));
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    /**
     * Whether a stride run writes the file now, as {@link #look} judges it, on an open connection: a store closing
     * beside a live worker leaves the WAL to that worker's close.
     */
    static boolean writtenByARun(Connection c, Instant now, Duration staleAfter) throws SQLException {
        return running(c, now, staleAfter).written();
    }

    /** Whether any run is stored as running, and whether one of those is written now. */
    private record Running(boolean any, boolean written) {
    }

    private static Running running(Connection c, Instant now, Duration staleAfter) throws SQLException {
        Map<Long, Instant> saved = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT run_id, saved_at FROM runs WHERE state = 'running'")) {
            while (rs.next()) {
                saved.put(rs.getLong(1), UtcText.parse(rs.getString(2), "runs.saved_at"));
            }
        } catch (SQLException e) {
            if (noSuchTable(e)) {
                return new Running(false, false); // killed before its schema was committed: no run in it
            }
            throw e;
        }
        boolean written = false;
        for (Map.Entry<Long, Instant> run : saved.entrySet()) {
            Instant lastSave = run.getValue();
            written |= lastSave != null && !lastSave.isBefore(now.minus(staleAfter))
                    && !workersAllGone(c, run.getKey(), now);
        }
        return new Running(!saved.isEmpty(), written);
    }

    /** {@link Workforce#allGone} on this connection: the judgement status makes of the same rows. */
    private static boolean workersAllGone(Connection c, long runId, Instant now) throws SQLException {
        try {
            return Workforce.allGone(DSL.using(c, SQLDialect.SQLITE), runId, UtcText.format(now));
        } catch (DataAccessException e) {
            if (e.getCause() instanceof SQLException cause) {
                if (noSuchTable(cause)) {
                    return false; // a file from before workers were kept: its cursor alone tells
                }
                throw cause;
            }
            throw e;
        }
    }

    private static boolean noSuchTable(SQLException e) {
        return String.valueOf(e.getMessage()).contains("no such table");
    }
}
