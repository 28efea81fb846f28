package dev.stride.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteOpenMode;

/**
 * Removes a database file that a command made and then stored nothing in, but only while it holds no run and no
 * other connection has it open.
 *
 * <p>Why: "this command made the file" is known only from a look before it opened it, and two commands started at the
 * same moment on a missing file both see no file there. The one that fails or is refused must not remove the file the
 * other has filled, nor one the other has open and is about to fill: in WAL mode SQLite does not tell a connection
 * that its file was unlinked (SQLITE_READONLY_DBMOVED is for rollback journals), so that one would go on writing
 * answers into a file no one can see. Whether another connection has the file open is SQLite's to say, as for
 * {@link WalFold}: in EXCLUSIVE locking mode the first read gets the file's exclusive lock only when no other
 * connection holds the shared one that every open connection to a WAL database holds. Holding it, this looks for a
 * run and removes the file; one that opens the file meanwhile checks, once it holds its lock, that the file it
 * opened still has its name ({@link SqliteCheckpointStore#open}).
 */
public final class UnusedDatabase {
    private static final String[] SIDE_FILES = {"-wal", "-journal", "-shm"};

    private UnusedDatabase() {
    }

    /**
     * Removes {@code file} with its -wal, -journal and -shm when no other connection has it open and it holds no run
     * (or no table at all). Anything else, or any doubt (a file that is not SQLite), keeps the file, without waiting:
     * an empty database left behind is harmless, the next run uses it.
     *
     * @return whether the file was removed
     */
    public static boolean removeIfNoRun(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(0);
        config.setLockingMode(SQLiteConfig.LockingMode.EXCLUSIVE);
        config.resetOpenMode(SQLiteOpenMode.CREATE); // a file removed meanwhile is not made again here
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        SqliteFiles.openedBySqlite(file);
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            // The first read takes the exclusive lock, or fails with SQLITE_BUSY while another connection is open.
            if (!holdsNoRun(statement)) {
                return false;
            }
            // Out of WAL mode first, under the lock: SQLite folds and removes the WAL itself now, and closing this
            // connection later touches no -wal by name (which, by then, could be a new run's live one).
            statement.execute("PRAGMA journal_mode = DELETE");
            // The database first, then the files beside it, all while the lock is held.
            Files.delete(file);
            for (String suffix : SIDE_FILES) {
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            }
            return true;
        } catch (SQLException | IOException e) {
            return false;
        }
    }

    /** Whether the database holds no run: stride's schema with an empty runs table, or no table at all. */
    private static boolean holdsNoRun(Statement statement) throws SQLException {
        boolean stride;
        try (ResultSet rs = statement.executeQuery(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'")) {
            stride = rs.next() && rs.getInt(1) == 1;
        }
        String query = stride ? "SELECT NOT EXISTS (SELECT 1 FROM runs)"
                : "SELECT NOT EXISTS (SELECT 1 FROM sqlite_master)";
        try (ResultSet rs = statement.executeQuery(query)) {
            return rs.next() && rs.getBoolean(1);
        }
    }
}
