package dev.stride.db;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;

/** Opens stride's SQLite files with the settings its durability promise rests on. */
final class SqliteFiles {
    /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
    static final int BUSY_TIMEOUT_MS = 10_000;

    /** After a checkpoint the WAL is cut back to this size, so a long run does not leave a huge -wal behind. */
    private static final int JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    private SqliteFiles() {
    }

    /**
     * Settings of the one writing connection: WAL so readers (the status command, the sqlite3 shell) never wait for
     * the writer; synchronous NORMAL, which in WAL mode loses no commit when the process dies (only a power loss can
     * take back the last ones, which is what saveCursor's FULL commit is for); IMMEDIATE transactions, so a writer
     * takes the write lock at BEGIN and waits there (busy timeout) instead of failing with SQLITE_BUSY when it turns
     * a read transaction into a write one.
     */
    static SQLiteDataSource writerSource(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.enforceForeignKeys(true);
        config.setJournalSizeLimit(JOURNAL_SIZE_LIMIT);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        return source(file, config);
    }

    /** Settings of a reading connection: opened read-only, so it can never write (nor set the journal mode). */
    static SQLiteDataSource readerSource(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.enforceForeignKeys(true);
        return source(file, config);
    }

    private static SQLiteDataSource source(Path file, SQLiteConfig config) {
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return source;
    }

    /** Fails with a one-line message unless {@code file} can be (or become) a SQLite database. */
    static void checkUsable(Path file, boolean mustExist) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new StoreException("cannot open " + file + ": folder " + parent + " does not exist");
        }
        if (!Files.exists(file)) {
            if (mustExist) {
                throw new StoreException(file + " does not exist");
            }
            return;
        }
        if (Files.isDirectory(file)) {
            throw new StoreException(file + " is a folder, not a SQLite database");
        }
        // A zero-length file is an empty database to SQLite; anything else must start with SQLite's header.
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(SQLITE_HEADER.length);
            if (head.length > 0 && !Arrays.equals(head, SQLITE_HEADER)) {
                throw notSqlite(file);
            }
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Opens a connection and touches the file, so a broken one fails here with a clear message. */
    static Connection connect(SQLiteDataSource source, Path file) {
        try {
            Connection connection = source.getConnection();
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT count(*) FROM sqlite_master")) {
                rs.next();
            } catch (SQLException | RuntimeException e) {
                connection.close();
                throw e;
            }
            return connection;
        } catch (SQLException e) {
            throw translate(file, e);
        }
    }

    static StoreException translate(Path file, SQLException e) {
        int code = e.getErrorCode() & 0xff;
        if (code == SQLiteErrorCode.SQLITE_NOTADB.code) {
            return notSqlite(file);
        }
        if (code == SQLiteErrorCode.SQLITE_CANTOPEN.code) {
            return new StoreException("cannot open " + file + ": " + e.getMessage(), e);
        }
        return new StoreException("database " + file + ": " + e.getMessage(), e);
    }

    private static StoreException notSqlite(Path file) {
        return new StoreException(file + " is not a SQLite database");
    }
}
