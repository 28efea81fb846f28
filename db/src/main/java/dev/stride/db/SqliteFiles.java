package dev.stride.db;

import dev.stride.core.ShellWords;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteOpenMode;

/** Opens stride's SQLite files with the settings its durability promise rests on. */
final class SqliteFiles {
    /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
    static final int BUSY_TIMEOUT_MS = 10_000;

    /** After a checkpoint the WAL is cut back to this size, so a long run does not leave a huge -wal behind. */
    private static final int JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

    /**
     * A writer refuses to start with less free space than this on the database's disk: a run appends to the WAL up
     * to about 4 MB between checkpoints (1000 pages), so with less it would fail with SQLITE_FULL after its first
     * requests instead of before them.
     */
    static final long MIN_FREE_BYTES = 8L * 1024 * 1024;

    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    /**
     * The database files (by file key, else by absolute path) that this process has opened through SQLite or whose
     * header it has read already. SQLite's locks are POSIX advisory locks, which belong to the process, and closing
     * any descriptor of a file drops every one the process holds on it: a header read through a stream of its own,
     * once a connection is open, left the connection unlocked. Another process then found the file unused, folded
     * its WAL and removed the -shm index under the live connection (WalFold), and the two wrote pages through two
     * indexes: the file was damaged (two workers on one file, the second joining while the first was at work). So the
     * header is read at most once per file, before SQLite opens it, and never after.
     */
    private static final Set<Object> KNOWN = new HashSet<>();

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
        // Else sqlite-jdbc asks for last_insert_rowid() after every INSERT, for getGeneratedKeys(), which nothing
        // here calls (jOOQ's RETURNING is SQL of its own): a query per outcome written, on the writer's thread.
        config.setGetGeneratedKeys(false);
        return source(file, config);
    }

    /** Settings of a reading connection: opened read-only, so it can never write (nor set the journal mode). */
    static SQLiteDataSource readerSource(Path file) {
        return readerSource(file, readerConfig());
    }

    /**
     * A connection that gets the file to itself or nothing: in EXCLUSIVE locking mode its first read takes the file's
     * exclusive lock, and fails at once (SQLITE_BUSY, no busy wait) while any other connection, of this process or
     * another, has the file open. Held until it closes, so nothing can open the file between a look and what follows
     * it (folding a WAL in, ending a copied file's leases, removing a reader's -shm). It never creates the file.
     */
    static SQLiteDataSource aloneSource(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(0);
        config.setLockingMode(SQLiteConfig.LockingMode.EXCLUSIVE);
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return source;
    }

    /**
     * A reading connection that leaves nothing beside the file: opened as immutable, SQLite creates no -wal or -shm
     * (a reader of a WAL database otherwise does, and cannot remove them). It reads the file alone, so the caller
     * makes sure no WAL beside it holds commits.
     */
    static SQLiteDataSource traceless(Path file) {
        SQLiteDataSource source = new SQLiteDataSource(readerConfig());
        source.setUrl("jdbc:sqlite:file:" + file.toAbsolutePath() + "?immutable=1");
        return source;
    }

    /**
     * A reading connection for SQL that stride did not write ({@code stride sql}), shut in by SQLite itself. Opened
     * read-only, SQLite refuses any write to the file, but such a connection may still attach other files (ATTACH
     * creates a missing one with the connection's flags, VACUUM INTO writes a new one), load an extension, and keep
     * temporary tables and large sorts in temporary files. Here it may attach no database at all (ATTACH, and VACUUM
     * in both forms, which attach their target, fail before any file is opened), load no extension, and keeps
     * everything temporary in memory. {@link SqlQuery} adds {@code PRAGMA query_only}, which sqlite-jdbc cannot set
     * from a configuration, so that a temporary table cannot be written either.
     */
    static SQLiteDataSource lockedReaderSource(Path file) {
        SQLiteConfig config = readerConfig();
        config.setPragma(SQLiteConfig.Pragma.LIMIT_ATTACHED, "0");
        config.enableLoadExtension(false);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        return readerSource(file, config);
    }

    private static SQLiteConfig readerConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.enforceForeignKeys(true);
        return config;
    }

    private static SQLiteDataSource readerSource(Path file, SQLiteConfig config) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && Files.exists(file) && !Files.isWritable(parent)) {
            // On a read-only disk SQLite cannot create the -shm index a WAL database is read through. Nothing can
            // write there either, so the file is opened as immutable (no locks, no index) — unless a WAL left by a
            // crash still holds commits, which immutable would skip.
            Path wal = WalFile.of(file);
            try {
                if (Files.exists(wal) && Files.size(wal) > 0) {
                    throw new StoreException(DbPhrase.of("file.walNeedsWritableFolder", file, wal.getFileName()));
                }
            } catch (IOException e) {
                throw new StoreException(DbPhrase.of("file.cannotRead", wal, detail(e)), e);
            }
            SQLiteDataSource source = new SQLiteDataSource(config);
            source.setUrl("jdbc:sqlite:file:" + file.toAbsolutePath() + "?immutable=1");
            return source;
        }
        ReadTraces.beforeReading(file);
        return source(file, config);
    }

    private static SQLiteDataSource source(Path file, SQLiteConfig config) {
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return source;
    }

    /**
     * Fails with a one-line message (the file, the cause, what to do) unless {@code file} can be (or become) a SQLite
     * database that this process may use. A writer also needs the file and its folder writable (SQLite creates the
     * {@code -wal} and {@code -shm} files beside the database) and a local file system.
     */
    /** A regular file of no bytes: a database no one has written yet (false when it cannot be looked at). */
    static boolean isEmptyFile(Path file) {
        try {
            return Files.isRegularFile(file) && Files.size(file) == 0;
        } catch (IOException e) {
            return false; // the open that follows says what is wrong with it
        }
    }

    static void checkUsable(Path file, boolean mustExist) {
        checkUsable(file, mustExist, false, MountTable.system());
    }

    static void checkWritable(Path file) {
        checkUsable(file, false, true, MountTable.system());
    }

    static void checkUsable(Path file, boolean mustExist, boolean forWriting, MountTable mounts) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            // A '~' quoted in a script reaches stride as it is: the shell that expands it never did.
            throw new StoreException(file.toString().startsWith("~") ? DbPhrase.of("file.noFolderTilde", file, parent)
                    : DbPhrase.of("file.noFolder", file, parent));
        }
        if (!Files.exists(file)) {
            if (mustExist) {
                throw new StoreException(DbPhrase.of("file.missing", file));
            }
        } else {
            if (Files.isDirectory(file)) {
                throw new StoreException(DbPhrase.of("file.isFolder", file));
            }
            if (!Files.isRegularFile(file)) {
                // /dev/null or a pipe: SQLite would fail later with a disk error (IOERR_FSYNC), or read it as empty.
                throw new StoreException(DbPhrase.of("file.notRegular", file));
            }
            checkHeaderOnce(file);
        }
        mounts.networkMountOf(file).ifPresent(m -> {
            throw new StoreException(DbPhrase.of("file.networkFs", file, m.type(), m.mountPoint()));
        });
        if (!forWriting) {
            return;
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new StoreException(DbPhrase.of("file.readOnly", file));
        }
        refuseReadOnlySideFile(file);
        if (parent != null && !Files.isWritable(parent)) {
            // A database not made yet has no copy to move to a writable folder: another name is what to choose.
            throw new StoreException(Files.exists(file) ? DbPhrase.of("file.folderReadOnly", parent, file.getFileName())
                    : DbPhrase.of("file.folderReadOnlyNew", file, parent));
        }
        if (parent != null) {
            long free;
            try {
                free = Files.getFileStore(parent).getUsableSpace();
            } catch (IOException e) {
                return; // Unknown: SQLITE_FULL will say so if it comes to that.
            }
            if (free < MIN_FREE_BYTES) {
                throw new StoreException(DbPhrase.of("file.diskLow", file, free / 1024,
                        MIN_FREE_BYTES / (1024 * 1024)));
            }
        }
    }

    /**
     * Fails when the {@code -wal} or {@code -shm} beside {@code file} is there and cannot be written: SQLite then
     * refuses every write to the file with a plain SQLITE_READONLY, and "make it and its folder writable" sent the
     * user to a file and a folder that were writable. Left so by a stride of another user (root) that was killed:
     * they belong to that user.
     */
    static void refuseReadOnlySideFile(Path file) {
        for (Path side : List.of(WalFile.of(file), WalFile.shmOf(file))) {
            if (Files.exists(side) && !Files.isWritable(side)) {
                throw new StoreException(DbPhrase.of("file.sideReadOnly", file, side));
            }
        }
    }

    /**
     * A zero-length file is an empty database to SQLite; anything else must start with SQLite's header. Read only
     * while no connection of this process can be open on the file ({@link #KNOWN}); later, SQLite's own SQLITE_NOTADB
     * says the same ({@link #translate}).
     */
    private static void checkHeaderOnce(Path file) {
        synchronized (KNOWN) {
            if (KNOWN.contains(identity(file))) {
                return;
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] head = in.readNBytes(SQLITE_HEADER.length);
                if (head.length > 0 && !Arrays.equals(head, SQLITE_HEADER)) {
                    throw notSqlite(file);
                }
            } catch (IOException e) {
                throw new StoreException(DbPhrase.of("file.cannotReadCheckPermissions", file, detail(e)), e);
            }
            KNOWN.add(identity(file));
        }
    }

    /**
     * Notes that SQLite opens {@code file} in this process from now on, before it does: no header is read past this
     * point ({@link #KNOWN}). A file not made yet is noted once SQLite has made it.
     */
    static void openedBySqlite(Path file) {
        synchronized (KNOWN) {
            KNOWN.add(identity(file));
        }
    }

    private static Object identity(Path file) {
        Object key = fileKey(file);
        return key != null ? key : file.toAbsolutePath().normalize();
    }

    /**
     * Syncs a folder, so that a name just made in it (a link, a rename) survives a power loss. Best effort: not every
     * system can open a folder to sync it, and the file under the name is synced already.
     */
    static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Nothing more to do: the file itself is synced.
        }
    }

    /** Opens a connection and touches the file, so a broken one fails here with a clear message. */
    static Connection connect(SQLiteDataSource source, Path file) {
        openedBySqlite(file);
        try {
            Connection connection = openWaitingWhileBusy(source);
            openedBySqlite(file); // a file SQLite just made has its key only now
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

    /**
     * Opens a connection, trying again while the file is busy, up to the busy timeout. The settings a connection applies
     * as it opens (the journal mode first) can meet SQLITE_BUSY without SQLite's busy handler ever waiting: another
     * stride that has just made the file and holds it while it writes the schema, when workers start together on a
     * new file. Such a wait ends in a moment; a file held for the whole timeout is reported as busy, as ever.
     */
    private static Connection openWaitingWhileBusy(SQLiteDataSource source) throws SQLException {
        long deadline = System.nanoTime() + BUSY_TIMEOUT_MS * 1_000_000L;
        while (true) {
            try {
                return source.getConnection();
            } catch (SQLException e) {
                int code = e.getErrorCode() & 0xff;
                boolean busy = code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code;
                if (!busy || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * The file SQLite opens for {@code file}: a symbolic link followed to its target, beside which SQLite keeps the
     * {@code -wal} and {@code -shm}; {@code file} itself when no link is on its way or it cannot be resolved.
     */
    static Path linkFollowed(Path file) {
        try {
            Path real = file.toRealPath();
            return real.equals(file.toAbsolutePath().normalize()) ? file : real;
        } catch (IOException e) {
            return file;
        }
    }

    /** The file's identity on its disk (device and inode), to tell it from a file given its name later; null if none. */
    static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Fails when {@code file} no longer names the file that had the key {@code before} (or, with no key before, no
     * longer exists): another command removed it while this one opened it (UnusedDatabase), and what this one wrote
     * would be in a file no one can see. Without keys from the file system (null both times) there is nothing to tell.
     */
    static void checkStillNamed(Path file, Object before) {
        Object now = fileKey(file);
        boolean gone = !Files.exists(file) || before != null && !before.equals(now);
        if (gone) {
            throw new StoreException(DbPhrase.of("file.removedWhileOpening", file));
        }
    }

    /** Whether {@code e} is another connection's lock that the busy timeout waited out. */
    static boolean isBusy(SQLException e) {
        int code = e.getErrorCode() & 0xff;
        return code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code;
    }

    /** A failed statement as one line for the person running stride: the file, the cause, what to do. */
    static StoreException translate(Path file, SQLException e) {
        int code = e.getErrorCode() & 0xff;
        String why = detail(e);
        if (e.getErrorCode() == SQLiteErrorCode.SQLITE_READONLY_DBMOVED.code) {
            // Not a read-only file: it was unlinked or replaced under this connection. SQLite says so only of a
            // rollback-journal database, not of a WAL one (hence UnusedDatabase never removes a file that is open).
            return new StoreException(DbPhrase.of("sqlite.moved", file, why), e);
        }
        if (code == SQLiteErrorCode.SQLITE_NOTADB.code) {
            return notSqlite(file);
        }
        if (code == SQLiteErrorCode.SQLITE_CANTOPEN.code) {
            return new StoreException(DbPhrase.of("sqlite.cantOpen", file, why), e);
        }
        if (code == SQLiteErrorCode.SQLITE_FULL.code) {
            return new StoreException(DbPhrase.of("sqlite.full", file, why), e);
        }
        if (code == SQLiteErrorCode.SQLITE_READONLY.code) {
            try {
                refuseReadOnlySideFile(file);
            } catch (StoreException side) {
                return new StoreException(side.phrase(), e);
            }
            return new StoreException(DbPhrase.of("sqlite.readOnly", file, why), e);
        }
        if (code == SQLiteErrorCode.SQLITE_CORRUPT.code) {
            return corrupt(file, e.getMessage(), e);
        }
        if (code == SQLiteErrorCode.SQLITE_IOERR.code) {
            return new StoreException(DbPhrase.of("sqlite.ioErr", file, why), e);
        }
        if (code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code) {
            return new StoreException(DbPhrase.of("sqlite.busy", file, BUSY_TIMEOUT_MS / 1000, why), e);
        }
        return new StoreException(DbPhrase.of("sqlite.failed", file, why), e);
    }

    /** The first SQLException among the causes of {@code e} (Flyway and jOOQ wrap them), or null. */
    static SQLException sqlCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    /**
     * Fails unless SQLite's {@code quick_check} finds the file sound: the b-trees and their pages (not the indexes'
     * agreement with the tables, which integrity_check adds). Run when a writer opens, so a damaged file stops the
     * run before any request instead of halfway through it.
     */
    static void checkNotCorrupt(Connection connection, Path file) {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("PRAGMA quick_check(3)")) {
            StringBuilder problems = new StringBuilder();
            while (rs.next()) {
                String line = rs.getString(1);
                if (!"ok".equals(line)) {
                    problems.append(problems.length() == 0 ? "" : "; ").append(line);
                }
            }
            if (problems.length() > 0) {
                throw corrupt(file, problems.toString(), null);
            }
        } catch (SQLException e) {
            throw translate(file, e);
        }
    }

    static StoreException corrupt(Path file, String detail, Throwable cause) {
        return new StoreException(DbPhrase.of("file.damaged", file, detail.replace('\n', ' '),
                ShellWords.quoted(file)), cause);
    }

    private static StoreException notSqlite(Path file) {
        return new StoreException(DbPhrase.of("file.notSqlite", file));
    }

    /**
     * A library's or the system's own words about a failure, shown as they wrote them (also "null", as string
     * concatenation showed a missing message before these were phrases).
     */
    static String detail(Throwable e) {
        return String.valueOf(e.getMessage());
    }
}
