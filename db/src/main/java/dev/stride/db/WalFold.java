package dev.stride.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Commits that a stride stopped before it could fold them in (kill -9, a crash, a power loss, a full disk) left in the
 * WAL, folded into the database file by the next writer before it starts, so that the file alone holds everything
 * again.
 *
 * @param wal      the WAL the commits were in
 * @param walBytes its size before the fold
 * @param answers  the answers that were only in the WAL (a copy of the file alone would have lacked them); empty
 *                 when they could not be counted
 */
public record WalFold(Path file, Path wal, long walBytes, OptionalLong answers) {
    private static final Logger LOG = Logger.getLogger(WalFold.class.getName());

    /**
     * Folds the WAL beside {@code file} into it, when the WAL holds commits and no other connection, in this process
     * or another, has the file open. Whether one has is SQLite's to say: a connection in EXCLUSIVE locking mode
     * gets the file's exclusive lock only when no other connection holds its shared one, which every open connection
     * to a WAL database does. It asks once, without waiting, so a live run (or a reader) is never held up: then
     * nothing is folded here, and that run folds everything when it closes.
     *
     * <p>Never throws: a file that cannot be folded is left as it is, for the caller's own opening to report on.
     *
     * @return what was folded; empty when there was nothing to fold, the file is in use, or it is not stride's
     */
    public static Optional<WalFold> ifLeftBehind(Path file) {
        long walBytes;
        try {
            if (!Files.isRegularFile(file) || (walBytes = WalFile.bytes(file)) == 0) {
                return Optional.empty();
            }
            SqliteFiles.checkWritable(file);
        } catch (StoreException e) {
            return Optional.empty();
        }
        // Whose file it is, asked on a read-only connection: the exclusive one below folds the WAL when it closes,
        // whatever it did before.
        try (Connection look = SqliteFiles.connect(SqliteFiles.readerSource(file), file)) {
            if (!isStrides(look)) {
                return Optional.empty(); // stride never writes a file that is not its own
            }
        } catch (SQLException | StoreException e) {
            return Optional.empty();
        }
        try (Connection alone = SqliteFiles.aloneSource(file).getConnection()) {
            // The first read takes the exclusive lock, or fails with SQLITE_BUSY when another connection is open.
            long throughWal = WalFile.answers(alone);
            OptionalLong answers;
            try {
                answers = OptionalLong.of(Math.max(0, throughWal - WalFile.answersInFileAlone(file)));
            } catch (SQLException e) {
                answers = OptionalLong.empty();
            }
            try (Statement st = alone.createStatement();
                 ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                if (!rs.next() || rs.getInt(1) != 0) {
                    return Optional.empty();
                }
            }
            // Still holding the exclusive lock, so no other connection can be using the index: the -shm of the
            // stopped writer goes too, and the file is left alone as a clean close leaves it.
            try {
                Files.deleteIfExists(WalFile.shmOf(file));
            } catch (IOException e) {
                // Harmless: the next connection finds no WAL and starts the index afresh.
            }
            return Optional.of(new WalFold(file, WalFile.of(file), walBytes, answers));
        } catch (SQLException e) {
            LOG.log(Level.FINE, "WAL of " + file + " not folded", e);
            return Optional.empty();
        }
    }

    static boolean isStrides(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                     + " AND name IN ('flyway_schema_history', 'runs', 'predictions')")) {
            rs.next();
            return rs.getInt(1) == 3;
        }
    }
}
