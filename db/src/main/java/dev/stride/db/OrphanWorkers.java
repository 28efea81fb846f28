package dev.stride.db;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteDataSource;

/**
 * Workers that a SQLite file names as at work but that have it open no more: a file copied while its run was going
 * ({@code cp}, {@code sqlite3 .backup}, {@code scp} to another machine) keeps the worker rows of the run it was copied
 * from, with their leases still running. A worker of another machine can only be judged by its lease, so a run started
 * on the copy joined them and waited up to a whole lease, its progress standing still, for records that no one would
 * ever answer in this file. But every worker at work on a SQLite file holds it open for its whole session (and a file
 * on a network file system, the only way two machines could share one, is refused), so a file that no connection has
 * open has no worker at work: each lease still running in it is ended, and the run takes their records at once.
 */
public final class OrphanWorkers {
    private OrphanWorkers() {
    }

    /**
     * Ends the running leases of {@code file}'s workers when no other connection, in this process or another, has the
     * file open; asks once, without waiting, so a live run or a reader is never held up (its workers are then left to
     * their leases, as before).
     *
     * <p>Never throws: a file that cannot be looked at is left as it is, for the caller's own opening to report on.
     *
     * @return the number of leases ended; 0 when there were none, the file is in use, or it is not stride's
     */
    public static int endIfFileAlone(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) == 0) {
                return 0;
            }
            SqliteFiles.checkWritable(file);
        } catch (java.io.IOException | StoreException e) {
            return 0;
        }
        SQLiteDataSource reader = SqliteFiles.readerSource(file);
        try (Connection look = SqliteFiles.connect(reader, file)) {
            if (!WalFold.isStrides(look) || !running(look)) {
                return 0; // stride never writes a file that is not its own, nor one with nothing to end
            }
            if (Schema.olderVersion(reader, file).isPresent()) {
                return 0; // an older stride's workers: the upgrade's own look decides about them, writing nothing
            }
        } catch (SQLException | StoreException e) {
            return 0;
        }
        try (Connection alone = SqliteFiles.aloneSource(file).getConnection(); Statement st = alone.createStatement()) {
            // The first read takes the exclusive lock, or fails with SQLITE_BUSY when another connection is open;
            // held until the close, so no worker can join between this look and the update.
            if (!running(alone)) {
                return 0;
            }
            return st.executeUpdate("UPDATE workers SET lease_until = " + Workforce.SQLITE_NOW
                    + " WHERE lease_until > " + Workforce.SQLITE_NOW);
        } catch (SQLException e) {
            return 0;
        }
    }

    /** Whether a worker's lease is still running (false for a schema older than the workers table). */
    private static boolean running(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                     + " AND name = 'workers'")) {
            rs.next();
            if (rs.getInt(1) == 0) {
                return false;
            }
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM workers WHERE lease_until > "
                     + Workforce.SQLITE_NOW + ")")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }
}
