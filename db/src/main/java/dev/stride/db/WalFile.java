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

/**
 * The write-ahead log SQLite keeps beside a database ({@code runs.db-wal}), and what the database file lacks without
 * it. Commits go to the WAL first and reach the file at checkpoints; the last connection to close cleanly folds in
 * the rest and deletes the WAL. A process that dies without closing leaves its last commits in the WAL alone.
 */
final class WalFile {
    private WalFile() {
    }

    static Path of(Path file) {
        return file.resolveSibling(file.getFileName() + "-wal");
    }

    static Path shmOf(Path file) {
        return file.resolveSibling(file.getFileName() + "-shm");
    }

    /** The size of the WAL beside {@code file}; 0 when there is none (a folded and truncated WAL is 0 too). */
    static long bytes(Path file) {
        try {
            Path wal = of(file);
            return Files.exists(wal) ? Files.size(wal) : 0;
        } catch (IOException e) {
            throw new StoreException(DbPhrase.of("file.cannotRead", of(file), SqliteFiles.detail(e)), e);
        }
    }

    /** Answers (done predictions) that {@code connection} sees; 0 in a database without stride's tables. */
    static long answers(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions WHERE status = 'done'")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if (String.valueOf(e.getMessage()).contains("no such table")) {
                return 0; // a file killed before its schema reached it: no answer in it
            }
            throw e;
        }
    }

    /**
     * Answers in the database file as it is on disk, without its WAL: what a copy of the file alone would hold.
     * SQLite opens an {@code immutable} file as if it were a temporary one: no locks and no WAL. That is only
     * meaningful while nobody writes the file (no checkpoint under way), which the callers make sure of.
     */
    static long answersInFileAlone(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        SQLiteDataSource source = new SQLiteDataSource(config);
        // A file: URI (spaces, '?' and '#' in the path escaped), as SQLite's URI filenames want it.
        source.setUrl("jdbc:sqlite:" + file.toAbsolutePath().toUri().toASCIIString() + "?immutable=1");
        try (Connection alone = source.getConnection()) {
            return answers(alone);
        }
    }
}
