package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.RUNS;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.selectOne;

import dev.stride.core.AnsweredAlone;
import dev.stride.core.AnsweredPair;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Cursor;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Joined;
import dev.stride.core.Json;
import dev.stride.core.Prediction;
import dev.stride.core.RecordOutcome;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.StopReason;
import dev.stride.core.RunWorkers;
import dev.stride.core.OutcomesPartlySavedException;
import dev.stride.core.SavedOutcomes;
import dev.stride.core.ServerLimit;
import dev.stride.core.Shard;
import dev.stride.core.ShellWords;
import dev.stride.core.ShownState;
import dev.stride.core.SyncPreview;
import dev.stride.core.SyncReport;
import dev.stride.core.UnfoldedLog;
import dev.stride.core.WorkerInfo;
import dev.stride.db.schema.tables.records.RunsRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Record1;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;

/**
 * The checkpoint store on one SQLite file, in WAL mode.
 *
 * <p>Two connections: a writer, guarded by a lock and used only for short IMMEDIATE transactions, and a read-only
 * reader, guarded by its own lock and used only for short autocommit reads. In WAL mode a reader never waits for
 * the writer, so the runner's next page of pending records never queues behind a long sync, and no read transaction
 * stays open between calls (an open one would keep the WAL from being checkpointed).
 */
public final class SqliteCheckpointStore implements CheckpointStore, LooksAtRuns {
    // Without an SLF4J binding jOOQ and Flyway log through java.util.logging to stderr (jOOQ: "Database version is
    // supported by dialect", Flyway: every migration step), interleaved with the CLI's own output. Warnings still
    // show; a level set by the user (logging.properties) is left alone. Held in fields because java.util.logging
    // keeps loggers only weakly.
    private static final Logger JOOQ_LOG = Logger.getLogger("org.jooq");
    private static final Logger FLYWAY_LOG = Logger.getLogger("org.flywaydb");

    static {
        // jOOQ prints a banner and a tip on first use; the CLI's stdout is for results.
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        for (Logger log : new Logger[] {JOOQ_LOG, FLYWAY_LOG}) {
            if (log.getLevel() == null) {
                log.setLevel(Level.WARNING);
            }
        }
    }

    /** Runs the static set-up above (jOOQ's banner off, library logs at WARNING) for the other stores. */
    static void quietLibraries() {
        // Nothing else to do: calling this initialises the class.
    }

    /** The WAL size past which a cursor save restarts the log (see keepWalBounded). */
    private static final long WAL_RESTART_BYTES = 8L << 20;
    /** What {@code passiveCheckpointFolded} says of a WAL folded in whole. */
    private static final long FOLDED_ALL = Long.MAX_VALUE;
    /**
     * The WAL size past which a log that no checkpoint can fold in (a reader pins an old snapshot) is told: four times
     * the bound a checkpoint keeps it under, so a reader that ends within a few cursor saves goes unmentioned.
     */
    static final long WAL_PINNED_TOLD_BYTES = 4 * WAL_RESTART_BYTES;
    /** How long close() waits for another connection to fold the WAL in: it is part of the database, left whole. */
    private static final int CLOSE_WAIT_MS = 1000;
    /** How many SQLite steps a snapshot's VACUUM INTO runs between two looks at its stop: a few ms of work. */
    private static final int PROGRESS_STEPS = 100_000;
    private static final Logger LOG = Logger.getLogger(SqliteCheckpointStore.class.getName());

    private final Path file;
    private final Clock clock;
    private final Connection writer; // null when opened read-only
    private final DSLContext write;
    private final OutcomeWriter outcomes; // null when opened read-only
    private final CursorWriter cursors; // null when opened read-only
    private final PreparedClaims claims; // null when opened read-only
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Connection reader;
    private final DSLContext read;
    private final ReentrantLock readLock = new ReentrantLock();
    private boolean closed; // guarded by both locks
    /** What the close left unfolded beside a reader's old snapshot; null before it, and when it left nothing. */
    private volatile UnfoldedLog unfoldedAtClose;
    /** A run's wait for the file while another connection holds its write lock. */
    private final SqliteLockWait lockWait;
    /** The writer's busy timeout as last set, in ms; guarded by writeLock. */
    private int busyTimeoutMs = SqliteFiles.BUSY_TIMEOUT_MS;
    /** The WAL size last told as pinned (see keepWalBounded), 0 before; guarded by writeLock. */
    private long walPinnedToldAt;
    /**
     * The frames the last PASSIVE checkpoint of keepWalBounded had folded in, or -1 when none was made since the WAL
     * was last emptied; guarded by writeLock.
     */
    private long lastFolded = -1;
    /** This process as a worker of a run, once it joined one. */
    private final Workforce workforce;

    /** The upgrade this open made of a file an older stride wrote; empty when it made none. */
    private Optional<SchemaUpgrade> schemaUpgrade = Optional.empty();
    /** Whether the file at the name is still the one the writer opened; null when opened read-only. */
    private FileRescue watch;
    /** Once the file was found gone and what it held written out: every later write is refused with it (writeLock). */
    private DatabaseGoneException gone;
    /**
     * Where what a gone file held is written when its folder is gone too or has no room: the current folder, then the
     * system's temporary folder (or a test's).
     */
    private static final List<Path> RESCUE_FALLBACKS = List.of(Path.of(""),
            Path.of(System.getProperty("java.io.tmpdir")));
    private static volatile List<Path> rescueFallbacks = RESCUE_FALLBACKS;

    private SqliteCheckpointStore(Path file, Clock clock, Connection writer, Connection reader) {
        this.file = file;
        this.clock = clock;
        this.workforce = new Workforce(clock);
        this.lockWait = new SqliteLockWait(file.toString());
        this.writer = writer;
        this.write = writer == null ? null : DSL.using(writer, SQLDialect.SQLITE);
        try {
            this.outcomes = writer == null ? null : new OutcomeWriter(writer);
            this.cursors = writer == null ? null : new CursorWriter(writer);
            this.claims = writer == null ? null : new PreparedClaims(writer);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
        this.reader = reader;
        this.read = DSL.using(reader, SQLDialect.SQLITE);
    }

    /**
     * Opens (creating it if needed) a checkpoint database for reading and writing, upgrading its schema to this
     * build's. Commits that a stride stopped before it could close the file left in its WAL are folded into the file
     * first ({@link WalFold#ifLeftBehind}), unless another process has it open.
     *
     * @throws StoreException when the folder is missing, the file or folder is read-only, the file is on a network
     *                        file system, is not SQLite or not stride's, is damaged, or was written by a newer
     *                        stride, or is older and an older stride is at work on it (left as it is); each says so
     *                        in one line with what to do
     */
    public static SqliteCheckpointStore open(Path file) {
        return open(file, Clock.systemUTC());
    }

    static SqliteCheckpointStore open(Path file, Clock clock) {
        SqliteFiles.checkWritable(file);
        // Commits a killed stride left in the WAL go into the file first, so the file alone is whole again from here
        // (the caller may already have done this to tell the user; then there is nothing left to fold).
        WalFold.ifLeftBehind(file);
        boolean fromTemplate = EmptyDatabaseTemplate.placeIfAbsent(file);
        if (!fromTemplate) {
            Schema.refuseForeign(file);
        }
        Object opened = SqliteFiles.fileKey(file);
        SQLiteDataSource writerSource = SqliteFiles.writerSource(file);
        Connection writer = SqliteFiles.connect(writerSource, file);
        try {
            SqliteFiles.checkNotCorrupt(writer, file);
            // Now that this connection holds the shared lock every open one holds, nobody removes the file (see
            // UnusedDatabase); it may have gone just before, while this was opening it: SQLite would not tell.
            SqliteFiles.checkStillNamed(file, opened);
            if (fromTemplate) {
                EmptyDatabaseTemplate.stampInstalledNow(writer, file);
            }
            Optional<Object> upgradedFrom = Schema.migrate(writer, file);
            Connection reader = SqliteFiles.connect(SqliteFiles.readerSource(file), file);
            SqliteCheckpointStore store = new SqliteCheckpointStore(file, clock, writer, reader);
            store.schemaUpgrade = SchemaUpgrade.of(file, upgradedFrom);
            store.watch = FileRescue.watching(SqliteFiles.linkFollowed(file), rescueFallbacks);
            return store;
        } catch (RuntimeException e) {
            closeQuietly(writer);
            throw e;
        }
    }

    /**
     * The upgrade this open made of an existing file an older stride wrote, for the caller to say: empty when the file
     * was at this build's schema, was new, or another stride upgraded it first (each open waits for the other's).
     */
    public Optional<SchemaUpgrade> schemaUpgrade() {
        return schemaUpgrade;
    }

    /**
     * Brings an existing file that an older stride wrote up to this build's schema, so that a command which only
     * reads it can go on and open it read-only: the upgrade {@link #open} makes for a run, through open itself (the
     * same checks, WAL fold, and the one IMMEDIATE transaction that makes strides wait for each other), on a file
     * it finds older. A file already at this build's schema is only read, so a live run of this stride on it is never
     * disturbed; one of a newer stride or of another program is left as it is for the read-only open to refuse.
     *
     * @param beforeUpgrade called once the file is known to need an upgrade, before anything is written: the caller
     *                      folds in, and says, what a stopped stride left in its WAL, which open would fold silently
     * @return the upgrade made, or empty when the file needed none
     * @throws StoreException when the file is older and cannot be written here (a read-only file or folder): one
     *                        line with its version and the command that upgrades it where it can be written; when it
     *                        is older and a worker of it is at work (an older stride, which the upgrade would lock
     *                        out of its own file): one line naming the worker; or as
     *                        {@link #open} and {@link #openReadOnly} throw
     */
    public static Optional<SchemaUpgrade> upgradeIfOlder(Path file, Runnable beforeUpgrade) {
        SqliteFiles.checkUsable(file, true);
        if (SqliteFiles.isEmptyFile(file)) {
            return Optional.empty(); // no schema at all: each command says what an empty file is to it
        }
        Optional<Object> older;
        SQLiteDataSource source = SqliteFiles.readerSource(file);
        // Opened as openReadOnly opens it, so a file SQLite cannot read is said in the same words.
        try (Connection opened = SqliteFiles.connect(source, file)) {
            older = Schema.olderVersion(source, file);
            if (older.isEmpty()) {
                return Optional.empty();
            }
            // Said before the fold and the open below, which the upgrade's own refusal would come after.
            Workforce.refuseUpgradeWhileAtWork(opened, Workforce.SQLITE_NOW, file, older.get());
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
        if (!Files.isWritable(file) || !Files.isWritable(file.toAbsolutePath().getParent())) {
            boolean fileReadOnly = !Files.isWritable(file);
            throw new StoreException(DbPhrase.of("schema.olderReadOnly", file, older.get(), fileReadOnly ? 0 : 1,
                    ShellWords.quoted(file)));
        }
        beforeUpgrade.run();
        try (SqliteCheckpointStore store = open(file)) {
            return store.schemaUpgrade(); // none when another stride upgraded it since the look above
        }
    }

    /**
     * Opens an existing checkpoint database for reading only (status, export): nothing is written, not even a
     * schema upgrade, so it is safe while a run is writing the same file.
     *
     * @throws StoreException when the file does not exist, is not stride's, or its schema is not this build's
     */
    /** Whether the file is empty: no run in it, and nothing for a look to create tables for (as Postgres's). */
    public static boolean isBlank(Path file) {
        return SqliteFiles.isEmptyFile(file);
    }

    /**
     * How big {@code file} is on disk and how much of it is free pages (what a clear or a deleted run left, which
     * SQLite keeps for later writes rather than giving back); null when that cannot be read.
     */
    public static FileSpace space(Path file) {
        try (Connection c = SqliteFiles.connect(SqliteFiles.readerSource(file), file);
             var st = c.createStatement()) {
            long pageSize;
            long free;
            try (ResultSet rs = st.executeQuery("PRAGMA page_size")) {
                pageSize = rs.next() ? rs.getLong(1) : 0;
            }
            try (ResultSet rs = st.executeQuery("PRAGMA freelist_count")) {
                free = rs.next() ? rs.getLong(1) : 0;
            }
            return new FileSpace(Files.size(file), free * pageSize);
        } catch (SQLException | IOException | RuntimeException e) {
            return null;
        }
    }

    /** A database file's size and the bytes of it that are free pages. */
    public record FileSpace(long bytes, long freeBytes) {
    }

    public static SqliteCheckpointStore openReadOnly(Path file) {
        SqliteFiles.checkUsable(file, true);
        SQLiteDataSource source = SqliteFiles.readerSource(file);
        Connection reader = SqliteFiles.connect(source, file);
        try {
            Schema.checkCurrent(source, file);
            return new SqliteCheckpointStore(file, Clock.systemUTC(), null, reader);
        } catch (RuntimeException e) {
            closeQuietly(reader);
            throw e;
        }
    }

    /**
     * The runs {@code file} holds, read without leaving anything beside it (a command that fails must leave a
     * database as it found it): for a hint in an error. Empty when the file is not a database of this build, cannot
     * be read, or has a WAL beside it that holds commits the file alone lacks.
     */
    public static List<RunInfo> peekRuns(Path file) {
        Path wal = WalFile.of(file);
        try {
            if (!Files.isRegularFile(file) || Files.exists(wal) && Files.size(wal) > 0) {
                return List.of();
            }
            SQLiteDataSource source = SqliteFiles.traceless(file);
            Connection reader = SqliteFiles.connect(source, file);
            try (SqliteCheckpointStore store = new SqliteCheckpointStore(file, Clock.systemUTC(), null, reader)) {
                Schema.checkCurrent(source, file);
                return store.listRuns();
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * Writes a consistent copy of a checkpoint database to {@code target}, also while a run is writing it: SQLite's
     * {@code VACUUM INTO} on a read-only connection reads one snapshot (every commit up to its start, nothing half
     * done) and writes it as a single compact file without a WAL. The copy is written beside {@code target} under a
     * temporary name, synced, checked and then renamed, so {@code target} is either absent or whole, even after a
     * crash or a power loss. Another machine resumes from it with {@code stride run --db target}. Nobody works on the
     * copy: it holds no workers or claims, and a run that was going is interrupted there ({@link #nobodyAtWork}).
     *
     * <p>{@code stopRequested} is asked while the copy is written and once more before it is named: when it says
     * stop (Ctrl+C, SIGTERM), the copy is given up and nothing is left behind.
     *
     * @return the runs the copy holds
     * @throws StoreException            when the source cannot be read, or {@code target}'s folder is missing
     * @throws UncheckedIOException      when the copy cannot be written there (permissions, a read-only or full file
     *                                   system), with the operating system's reason; nothing is left behind
     * @throws TransferStoppedException when a stop was asked for before the copy was named; nothing is left behind
     */
    public static List<RunInfo> snapshot(Path file, Path target, BooleanSupplier stopRequested) {
        SqliteFiles.checkUsable(file, true);
        Path folder = target.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new StoreException(DbPhrase.of("snapshot.noFolder", target, String.valueOf(folder)));
        }
        if (Files.exists(target)) {
            throw new StoreException(DbPhrase.of("snapshot.exists", target));
        }
        // Written as NAME.partial-PID, removed on any failure or stop (and by the shutdown hook on a signal), named
        // only when whole; what a kill -9 of an earlier snapshot or copy of it left goes first.
        try (StagedDatabase staged = StagedDatabase.beside(target)) {
            Path partial = staged.file();
            try {
                // Made here, empty (VACUUM INTO takes an empty file), so that a folder nobody may write to is told
                // in the operating system's words and of target, not as SQLite's "cannot open" of the source.
                Files.createFile(partial);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SQLiteDataSource source = SqliteFiles.readerSource(file);
            try (Connection connection = SqliteFiles.connect(source, file)) {
                Schema.checkStride(source, file);
                // VACUUM INTO is one statement, minutes long on a big file: SQLite asks the handler every so many
                // steps, and a non-zero answer interrupts it (SQLITE_INTERRUPT).
                ProgressHandler.setHandler(connection, PROGRESS_STEPS, new ProgressHandler() {
                    @Override
                    protected int progress() {
                        return stopRequested.getAsBoolean() ? 1 : 0;
                    }
                });
                try (var statement = connection.prepareStatement("VACUUM INTO ?")) {
                    statement.setString(1, partial.toString());
                    statement.execute();
                } catch (SQLException e) {
                    if (stopRequested.getAsBoolean()) {
                        throw new TransferStoppedException();
                    }
                    // The source is only read: a full disk is the copy's, not the source's (whose line would send
                    // the user to free space beside a database that has room, exit 4).
                    if ((e.getErrorCode() & 0xff) == SQLiteErrorCode.SQLITE_FULL.code) {
                        throw new UncheckedIOException(new FileSystemException(target.toString(), null,
                                "No space left on device"));
                    }
                    throw e;
                }
            } catch (SQLException e) {
                throw SqliteFiles.translate(file, e);
            }
            nobodyAtWork(partial);
            List<RunInfo> runs = runsOfCopy(partial);
            if (stopRequested.getAsBoolean()) {
                // Asked after the copy was written, before its name: it goes, as a stop asks.
                throw new TransferStoppedException();
            }
            // VACUUM INTO does not sync what it wrote (sqlite.org/lang_vacuum.html): putInPlace syncs the copy, then
            // its name.
            putInPlace(staged, target);
            return runs;
        }
    }

    /**
     * The runs a snapshot holds. A copy of a file an older stride wrote keeps its schema (it is the file as it was,
     * for a machine whose stride may be that older one), which this build's store does not read: its runs are read
     * from the columns every schema version has, enough for the lines that name them.
     */
    static List<RunInfo> runsOfCopy(Path copy) {
        SQLiteDataSource source = SqliteFiles.readerSource(copy);
        try (Connection connection = SqliteFiles.connect(source, copy)) {
            if (Schema.isCurrent(connection)) {
                try (SqliteCheckpointStore store = new SqliteCheckpointStore(copy, Clock.systemUTC(), null,
                        SqliteFiles.connect(source, copy))) {
                    return store.listRuns();
                }
            }
            List<RunInfo> runs = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                 var rs = statement.executeQuery("SELECT run_id, name, model, template, params, total, done, failed,"
                         + " low_watermark, elapsed_ms, saved_at, state, created_at FROM runs ORDER BY run_id")) {
                while (rs.next()) {
                    runs.add(new RunInfo(rs.getLong(1), rs.getString(2), rs.getString(3), List.of(), rs.getString(4),
                            rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9),
                            rs.getLong(10), UtcText.parse(rs.getString(11), "runs.saved_at"), RunState.fromLabel(rs.getString(12)),
                            UtcText.parse(rs.getString(13), "runs.created_at"), 0));
                }
            }
            return runs;
        } catch (SQLException e) {
            throw SqliteFiles.translate(copy, e);
        }
    }

    /**
     * Names a whole snapshot; a file made at its name meanwhile (another snapshot or copy of it) is never replaced, as
     * the command promises, and the snapshot is refused as one whose name was taken from the start.
     */
    static void putInPlace(StagedDatabase staged, Path target) {
        try {
            staged.putInPlace();
        } catch (TransferRefusedException e) {
            throw new StoreException(DbPhrase.of("snapshot.exists", target));
        }
    }

    /**
     * Makes a snapshot not yet renamed into place a file nobody works on: without the source's workers and their
     * claims (those processes never write the copy; copied, a worker would count as live there until its lease ran
     * out, and its claims would hold records back from whoever resumes the copy), and a run that was going stored as
     * interrupted, as a stop would leave it, instead of running with a rate and an ETA for its first 20 s. Opened as
     * a plain connection, which leaves the file's journal mode as it is. A copy of a file an older stride wrote keeps
     * its schema, which may predate workers and claims (version 8): only the tables it has are emptied.
     */
    static void nobodyAtWork(Path copy) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + copy.toAbsolutePath());
             Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            for (String table : List.of("claims", "workers")) {
                if (hasTable(connection, table)) {
                    statement.executeUpdate("DELETE FROM " + table);
                }
            }
            statement.executeUpdate("UPDATE runs SET state = '" + RunState.RUNNING.withNobodyAtWork().label()
                    + "' WHERE state = '" + RunState.RUNNING.label() + "'");
            connection.commit();
        } catch (SQLException e) {
            throw SqliteFiles.translate(copy, e);
        }
    }

    private static boolean hasTable(Connection connection, String table) throws SQLException {
        try (var statement = connection.prepareStatement(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
            statement.setString(1, table);
            try (var rs = statement.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Where a gone file's rescue goes when its folder is gone too or full, in this order, for tests; none given: the
     * current folder, then the system's temporary folder.
     */
    static void rescueFallbacksTo(Path... folders) {
        rescueFallbacks = folders.length == 0 ? RESCUE_FALLBACKS : List.of(folders);
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Optional<RunInfo> findRun(String name) {
        return reading(dsl -> dsl.selectFrom(RUNS).where(RUNS.NAME.eq(name)).fetchOptional(SqliteCheckpointStore::runInfo));
    }

    @Override
    public List<RunInfo> listRuns() {
        return reading(dsl -> dsl.selectFrom(RUNS).orderBy(RUNS.RUN_ID).fetch(SqliteCheckpointStore::runInfo));
    }

    /**
     * Whether the file has pages on its free list: rows were deleted from it (a cleared run, a rerun's dropped
     * answers), which no file does that only ever had its tables made. A run too small to fill a page of its own
     * leaves none when cleared.
     */
    public boolean hasFreedPages() {
        return reading(dsl -> dsl.fetchValue("PRAGMA freelist_count") instanceof Number n && n.longValue() > 0);
    }

    @Override
    public Optional<String> inputDigest(String run) {
        // A NULL digest (a run read from a pipe) maps to empty, as no run does.
        return reading(dsl -> dsl.select(RUNS.INPUT_DIGEST).from(RUNS).where(RUNS.NAME.eq(run)).fetchOptional()
                .map(Record1::value1));
    }

    @Override
    public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> inputDigest,
                              boolean dropAnswers) {
        return writing(dsl -> sync(dsl, spec, input, inputDigest, dropAnswers, null));
    }

    @Override
    public SyncReport syncRunAsWorker(RunSpec spec, Iterator<InputRecord> input,
                                      Supplier<Optional<String>> inputDigest, boolean dropAnswers, Duration lease) {
        return writing(dsl -> sync(dsl, spec, input, inputDigest, dropAnswers, Objects.requireNonNull(lease)));
    }

    /**
     * The same sync in the same kind of transaction, always rolled back: the report is exactly what
     * {@link #syncRun} would say, and the file is left as it was (SQLite's rollback undoes the run's creation, the
     * records' changes and the counters alike).
     */
    @Override
    public SyncPreview previewSync(RunSpec spec, Iterator<InputRecord> input, boolean includeFailed) {
        return withWriter(() -> inTransaction(dsl -> new SyncPreview(
                sync(dsl, spec, input, Optional::empty, true, null),
                RunRows.firstToSend(dsl, spec, includeFailed)), false));
    }

    /**
     * Without reading the input: when the run's remembered digest is {@code inputDigest}, its records are already
     * that input's, so what is left of a sync is what {@link #sync} does after the records (base URL, counters, low
     * watermark, heartbeat), in the same kind of transaction. A new run, another digest or none: nothing is written.
     */
    @Override
    public Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest) {
        return syncUnchanged(spec, inputDigest, null);
    }

    @Override
    public Optional<Joined> enlistedAs(long runId) {
        return workforce.enlisted(runId);
    }

    @Override
    public Optional<SyncReport> syncUnchangedAsWorker(RunSpec spec, String inputDigest, Duration lease) {
        return syncUnchanged(spec, inputDigest, Objects.requireNonNull(lease));
    }

    /** With a {@code lease}, this process becomes a worker of the run found, in the same transaction. */
    private Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest, Duration lease) {
        if (inputDigest == null) {
            return Optional.empty();
        }
        return writing(dsl -> {
            Long runId = dsl.select(RUNS.RUN_ID).from(RUNS)
                    .where(RUNS.NAME.eq(spec.name()))
                    .and(RUNS.INPUT_DIGEST.eq(inputDigest))
                    .fetchOne(RUNS.RUN_ID);
            if (runId == null) {
                return Optional.empty();
            }
            dsl.update(RUNS).set(RUNS.BASE_URLS, Json.strings(spec.baseUrls())).where(RUNS.RUN_ID.eq(runId)).execute();
            RunsRecord counted = settle(dsl, runId, now());
            if (lease != null) {
                workforce.enlist(dsl, runId, lease);
            }
            // runs.total is what the last sync counted in this same input, so it is what a sync would count again.
            return Optional.of(new SyncReport(false, counted.getTotal(), 0, 0, 0)
                    .withOutcomes(counted.getDone(), counted.getFailed()));
        });
    }

    /** With a {@code lease}, this process becomes a worker of the run in the same transaction (none for a preview). */
    private SyncReport sync(DSLContext dsl, RunSpec spec, Iterator<InputRecord> input,
                            Supplier<Optional<String>> inputDigest, boolean dropAnswers, Duration lease) {
        String now = now();
        RunRows.Found found = RunRows.findOrCreate(dsl, spec, now);
        boolean created = found.created();
        long runId = found.runId();
        SyncReport report = new InputSync(dsl, spec.template()).sync(runId, created, input, dropAnswers);
        workforce.refuseUnderLiveWorkers(dsl, spec.name(), runId, report, file);
        // The input has been read to its end: its digest (if the caller knows it) says which input the records are
        // now, in the transaction that made them so; no other writer can slip between the two. (A preview rolls
        // this back with the rest.)
        dsl.update(RUNS)
                .set(RUNS.INPUT_DIGEST, inputDigest.get().orElse(null))
                .where(RUNS.RUN_ID.eq(runId))
                .execute();
        RunsRecord counted = settle(dsl, runId, now);
        if (lease != null) {
            // Last, after the refusal above: a refused sync makes no worker, and this one's own row never refuses it.
            workforce.enlist(dsl, runId, lease);
        }
        return report.withOutcomes(counted.getDone(), counted.getFailed());
    }

    /**
     * The end of every sync, once the run's records are its input's: recounts done and failed, recomputes the low
     * watermark from the start, records a sign of life, and returns the run's row as it now is.
     */
    private static RunsRecord settle(DSLContext dsl, long runId, String now) {
        // The triggers keep the counters exact; recounting once per sync costs a pass over the run's outcomes
        // (next to reading the input, little), and repairs counters that a hand edit in the shell (triggers off)
        // could have skewed. The walk from seq 0 is this method's largest cost on a run with many outcomes.
        dsl.update(RUNS)
                .set(RUNS.DONE, DSL.field(dsl.select(count()).from(PREDICTIONS)
                        .where(PREDICTIONS.RUN_ID.eq(runId)).and(PREDICTIONS.STATUS.eq(RecordStatus.DONE)))
                        .coerce(Long.class))
                .set(RUNS.FAILED, DSL.field(dsl.select(count()).from(PREDICTIONS)
                        .where(PREDICTIONS.RUN_ID.eq(runId)).and(PREDICTIONS.STATUS.eq(RecordStatus.FAILED)))
                        .coerce(Long.class))
                .set(RUNS.TOKENS_IN, DSL.field(dsl.select(DSL.coalesce(DSL.sum(PREDICTIONS.PROMPT_TOKENS), 0))
                        .from(PREDICTIONS).where(PREDICTIONS.RUN_ID.eq(runId))).coerce(Long.class))
                .set(RUNS.TOKENS_OUT, DSL.field(dsl.select(DSL.coalesce(DSL.sum(PREDICTIONS.COMPLETION_TOKENS), 0))
                        .from(PREDICTIONS).where(PREDICTIONS.RUN_ID.eq(runId))).coerce(Long.class))
                .set(RUNS.USAGE_REPORTED, DSL.field(dsl.select(count()).from(PREDICTIONS)
                        .where(PREDICTIONS.RUN_ID.eq(runId))
                        .and(PREDICTIONS.PROMPT_TOKENS.isNotNull().or(PREDICTIONS.COMPLETION_TOKENS.isNotNull())))
                        .coerce(Long.class))
                .set(RUNS.LOW_WATERMARK, lowWatermark(dsl, runId, 0))
                .set(RUNS.HEARTBEAT_AT, now)
                .where(RUNS.RUN_ID.eq(runId))
                .execute();
        recountScores(dsl, runId);
        return dsl.selectFrom(RUNS).where(RUNS.RUN_ID.eq(runId)).fetchOne();
    }

    /**
     * Counts the run's current scores anew (score_counts, which the scoreboard reads), as settle counts done and
     * failed: the triggers keep them exact, and this repairs what a hand edit with the triggers off skewed. On
     * PostgreSQL the workers' counts wait meanwhile (its settle locks the counts).
     */
    static void recountScores(DSLContext dsl, long runId) {
        dsl.execute("DELETE FROM score_counts WHERE run_id = ?", runId);
        dsl.execute("INSERT INTO score_counts (run_id, metric, label_field, slot, scored, correct, unparsed, scored_at)"
                + " SELECT run_id, metric, label_field, 0, count(*), sum(correct), count(*) - sum(parsed),"
                + " max(scored_at) FROM current_scores WHERE run_id = ? GROUP BY run_id, metric, label_field", runId);
    }

    /** The records without an outcome after {@code afterSeq}, in input order, whoever holds them; no claim is made. */
    public List<InputRecord> pendingRecords(long runId, long afterSeq, int limit, boolean includeFailed) {
        return reading(dsl -> RunRows.openRecords(dsl, runId, afterSeq, limit, includeFailed));
    }

    @Override
    public Joined join(long runId, Duration lease) {
        return writing(dsl -> {
            RunRows.forgetStopReason(dsl, runId); // a new session: an earlier one's stop is no longer why it stands
            return workforce.join(dsl, runId, lease);
        });
    }

    @Override
    public List<InputRecord> claim(long runId, long afterSeq, int limit, boolean includeFailed) {
        List<InputRecord> got = writing(dsl -> {
            try {
                return workforce.claim(dsl, claims, runId, afterSeq, limit, includeFailed);
            } catch (SQLException e) {
                throw SqliteFiles.translate(file, e);
            }
        });
        workforce.claimed(got);
        return got;
    }

    @Override
    public void reportInFlight(long runId, int limit, boolean auto, List<ServerLimit> servers) {
        workforce.reportInFlight(limit, auto, servers);
    }

    @Override
    public void reportRequestsOut(long runId, int requests) {
        workforce.reportRequestsOut(requests);
    }

    @Override
    public void reportRequestsWaiting(long runId, int forRateLimit, int toSendAgain) {
        workforce.reportRequestsWaiting(forRateLimit, toSendAgain);
    }

    @Override
    public void reportServerWait(long runId, Instant since) {
        workforce.reportServerWait(since);
    }

    @Override
    public void storeInFlight(long runId) {
        if (workforce.figuresDue(runId)) {
            // One writer at a time on SQLite: at most one claim's short transaction to wait for.
            writing(dsl -> {
                workforce.writeFigures(dsl, runId);
                return null;
            });
        }
    }

    @Override
    public boolean renewLease(long runId) {
        // One writer at a time on SQLite: the renewal waits for a claim's short transaction, never for the runner.
        return writing(dsl -> workforce.renewHeld(dsl, runId));
    }

    @Override
    public boolean stillClaimed(long runId, String recordId) {
        return workforce.stillClaimed(recordId);
    }

    @Override
    public boolean othersAtWork(long runId) {
        if (!reading(dsl -> workforce.othersAtWork(dsl, runId))) {
            return false;
        }
        // Before waiting out a lease: a worker of this machine whose process is gone needs no waiting for.
        if (writing(dsl -> workforce.dropDeadOnThisHost(dsl, runId)) == 0) {
            return true;
        }
        return reading(dsl -> workforce.othersAtWork(dsl, runId));
    }

    @Override
    public boolean leftToOthers(long runId, boolean includeFailed) {
        return reading(dsl -> workforce.leftToOthers(dsl, runId, includeFailed));
    }

    @Override
    public List<WorkerInfo> liveWorkers(long runId) {
        return reading(dsl -> workforce.liveWorkers(dsl, runId));
    }

    @Override
    public Optional<WorkerInfo> lastWorker(long runId) {
        return reading(dsl -> workforce.lastWorker(dsl, runId));
    }

    @Override
    public boolean workersAllGone(long runId) {
        return reading(dsl -> workforce.allGone(dsl, runId));
    }

    @Override
    public Map<Long, RunWorkers> workersOfRuns(List<RunInfo> runs) {
        return reading(dsl -> workforce.workersOfRuns(dsl, runs.stream().map(RunInfo::id).toList()));
    }

    /** Every run with its workers and totals, from one snapshot ({@link RunsLook}). */
    @Override
    public RunsLook lookAtRuns(Instant now, Duration window) {
        return readingOneSnapshot(dsl -> {
            List<RunInfo> runs = dsl.selectFrom(RUNS).orderBy(RUNS.RUN_ID).fetch(SqliteCheckpointStore::runInfo);
            return new RunsLook(runs, workforce.workersOfRuns(dsl, runs.stream().map(RunInfo::id).toList()),
                    window == null ? Map.of()
                            : dsl.connectionResult(c -> RunTotals.of(c, now, window, false)));
        });
    }

    /** The run with its workers, totals and report, from one snapshot ({@link RunLook}); empty when there is none. */
    @Override
    public Optional<RunLook> lookAtRun(String name, Instant now, Duration window) {
        return readingOneSnapshot(dsl -> dsl.selectFrom(RUNS).where(RUNS.NAME.eq(name))
                .fetchOptional(SqliteCheckpointStore::runInfo)
                .map(info -> new RunLook(info, new RunWorkers(workforce.liveWorkers(dsl, info.id()),
                        workforce.allGone(dsl, info.id())),
                        dsl.connectionResult(c -> RunTotals.of(c, now, window, false)).getOrDefault(name,
                                RunTotals.NONE),
                        RunReport.of(dsl, name).orElseThrow())));
    }

    @Override
    public void leave(long runId) {
        if (workforce.joinedRun(runId)) {
            writing(dsl -> {
                workforce.leave(dsl, runId);
                return null;
            });
        }
    }

    @Override
    public boolean savePrediction(long runId, InputRecord record, Prediction p) {
        return writeOutcome(runId, record, OutcomeColumns.done(p, clock), true);
    }

    @Override
    public boolean saveFailure(long runId, InputRecord record, FailedPrediction f) {
        return writeOutcome(runId, record, OutcomeColumns.failed(f, clock), false);
    }

    /**
     * All of them in one IMMEDIATE transaction, each written as {@link #writeOutcome} writes one: a commit (the WAL
     * pages it touches, its locks) costs more than an outcome's rows, so outcomes that queued up behind a commit share
     * the next one. They survive a killed process together once it returns, or none does.
     */
    @Override
    public boolean[] saveOutcomes(long runId, List<RecordOutcome> all) {
        return withWriter(() -> inTransaction(dsl -> writeOutcomes(runId, all)));
    }

    /**
     * The outcomes and the cursor in one IMMEDIATE transaction, committed at FULL as {@link #saveCursor} commits: the
     * outcomes that complete a save interval share the cursor's commit and its fsync instead of a commit of their
     * own (its locks, its WAL pages) just before it. The cursor counts them; all survive a power loss together.
     */
    @Override
    public SavedOutcomes saveOutcomesWithCursor(long runId, List<RecordOutcome> all, long elapsedMs, RunState state) {
        return withWriter(() -> {
            SavedOutcomes saved = synced(() -> inTransaction(dsl -> {
                boolean[] written = writeOutcomes(runId, all);
                return new SavedOutcomes(written, writeCursor(runId, elapsedMs, state));
            }));
            try {
                return stillNamed(runId, saved);
            } catch (DatabaseGoneException e) {
                // Committed, and written out with the rest: counted as saved, and the run stops.
                throw new OutcomesPartlySavedException(saved.written(), e);
            }
        });
    }

    private boolean[] writeOutcomes(long runId, List<RecordOutcome> all) {
        boolean[] written = new boolean[all.size()];
        try {
            for (int i = 0; i < written.length; i++) {
                RecordOutcome o = all.get(i);
                OutcomeWriter.Row row = o.isDone()
                        ? OutcomeColumns.done(o.prediction(), clock)
                        : OutcomeColumns.failed(o.failure(), clock);
                row.set(PREDICTIONS.RUN_ID, runId).set(PREDICTIONS.RECORD_ID, o.record().id());
                written[i] = outcomes.write(row, runId, o.record().id(), workforce.myId(), o.isDone(),
                        workforce.dropsClaimOf(o.isDone()));
                workforce.settled(o.record().id(), o.isDone());
            }
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
        return written;
    }

    /**
     * One transaction: the outcome (a done row is never overwritten, a failed one is replaced whole), its record's
     * claim dropped, and the worker's count of outcomes.
     */
    private boolean writeOutcome(long runId, InputRecord record, OutcomeWriter.Row row, boolean done) {
        row.set(PREDICTIONS.RUN_ID, runId).set(PREDICTIONS.RECORD_ID, record.id());
        return withWriter(() -> inTransaction(dsl -> {
            try {
                boolean written = outcomes.write(row, runId, record.id(), workforce.myId(), done,
                        workforce.dropsClaimOf(done));
                workforce.settled(record.id(), done);
                return written;
            } catch (SQLException e) {
                throw SqliteFiles.translate(file, e);
            }
        }));
    }

    @Override
    public Cursor saveCursor(long runId, long elapsedMs, RunState state) {
        return withWriter(() -> stillNamed(runId,
                synced(() -> inTransaction(dsl -> writeCursor(runId, elapsedMs, state)))));
    }

    /** Also looked at before a run reports its end: a file gone after the last cursor must not end as done. */
    @Override
    public Cursor saveLastCursor(long runId, long elapsedMs, RunState state, StopReason why) {
        return withWriter(() -> stillNamed(runId, synced(() -> inTransaction(dsl -> {
            Cursor saved = writeCursor(runId, elapsedMs, state);
            RunRows.keepStopReason(dsl, runId, saved.state(), why);
            return saved;
        }))));
    }

    /**
     * {@code saved}, once the file at the name is seen to be still the one written (a stat, at each cursor: the
     * commits a gone file took since the last look are all still in it). When it is not, what it holds is written
     * out (with {@code saved}) and the store takes no more writes ({@link FileRescue}).
     *
     * @throws DatabaseGoneException saying where it is written and how to go on
     */
    private <T> T stillNamed(long runId, T saved) {
        if (watch != null && watch.moved()) {
            gone = watch.rescue(writer, runId);
            throw gone;
        }
        return saved;
    }

    /**
     * Runs {@code work} (one transaction on the writer) committed at FULL: the commit fsyncs the WAL, and with it
     * every NORMAL commit before it, so that what it wrote survives a power loss while the per-prediction commits
     * stay cheap.
     */
    private <T> T synced(Supplier<T> work) {
        // Executed afresh each time, never kept prepared: SQLite applies a PRAGMA synchronous as the statement is
        // compiled, so stepping a kept statement again changes nothing (CommitSyncLevelTest goes red).
        pragma("synchronous = FULL");
        try {
            return work.get();
        } finally {
            pragma("synchronous = NORMAL");
            keepWalBounded();
        }
    }

    private Cursor writeCursor(long runId, long elapsedMs, RunState state) {
        try {
            Long old = cursors.oldWatermark(runId);
            if (old == null) {
                throw new StoreException(DbPhrase.of("store.noRun", runId, file));
            }
            String now = now();
            RunState stored = Workforce.storedState(state, () -> cursors.othersLive(runId, workforce.myId(), now));
            long watermark = cursors.lowWatermark(runId, old);
            Cursor saved = cursors.save(runId, watermark, elapsedMs, now, stored);
            RunState settled = Workforce.settledState(state, stored, saved.failed(),
                    () -> cursors.noneOpen(runId, watermark));
            return settled == stored ? saved : cursors.save(runId, watermark, elapsedMs, now, settled);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    /**
     * SQLite's automatic checkpoints never block, so readers that query the views back to back can keep the WAL
     * from ever starting over, and it grows with the run. Past a bound, a TRUNCATE checkpoint waits (within the busy
     * timeout) for the readers of the moment to finish, so the next commits write the WAL from its start again, and
     * empties the file. Emptied, not only restarted: the file's size is what tells that the bound was passed, and a
     * restarted WAL keeps its size (journal_size_limit trims only past 64 MB), so after the first 8 MB every cursor
     * save checkpointed again, with an fsync of the database file: measured, a quarter of the writer's CPU in a run
     * of 50,000 records.
     *
     * <p>A reader that keeps a transaction open (a sqlite3 shell left after {@code BEGIN; SELECT ...}) holds its
     * snapshot, and no checkpoint can empty the WAL past it until it ends: the TRUNCATE would wait out the whole busy
     * timeout at every cursor save, on the writer's thread, and the run all but stalled (10 answers per 10 s). A
     * PASSIVE checkpoint first, which never waits, tells such a reader apart: it folds in every frame but those past
     * the oldest snapshot a reader holds, so its count stands still only while one reader keeps the same snapshot.
     * Skipping the TRUNCATE whenever the PASSIVE left any frame out, as a first mend did, skipped it nearly always
     * beside readers that merely come and go, and the WAL grew past 45 MB under load (ReadersWritersIT).
     */
    private void keepWalBounded() {
        try {
            Path wal = WalFile.of(file);
            long size = Files.size(wal);
            if (size > WAL_RESTART_BYTES) {
                long folded = passiveCheckpointFolded();
                // Readers that come and go (a shell or a dashboard polling the views) let each checkpoint fold in
                // more than the last; one that keeps an old snapshot holds the count where its snapshot ends. The
                // first look past the bound has nothing to compare with: the next, a save interval later, tells.
                boolean readersMove = lastFolded >= 0 && folded != lastFolded;
                lastFolded = folded;
                if (folded == FOLDED_ALL || readersMove) {
                    // With the whole busy timeout, not a run's first try at a write lock (3 s): readers in tight
                    // loops each hold the WAL for a moment, and the TRUNCATE waits for a gap between them
                    // (ReadersWritersIT's WAL grew to 45 MB with 3 s).
                    int resting = busyTimeoutMs;
                    busyTimeout(SqliteFiles.BUSY_TIMEOUT_MS);
                    try {
                        if (truncated()) {
                            lastFolded = -1;
                        }
                    } finally {
                        busyTimeout(resting);
                    }
                } else if (size >= WAL_PINNED_TOLD_BYTES && size >= 2 * walPinnedToldAt) {
                    // Past a bound that a checkpoint keeps the log under, and it could not: someone should know,
                    // once, and again only as it doubles (the log grows with every answer, without bound).
                    walPinnedToldAt = size;
                    lockWait.logPinned(wal.toString(), size);
                }
            }
        } catch (NoSuchFileException e) {
            // No WAL (yet): nothing to bound.
        } catch (IOException | StoreException e) {
            // A busy or failed checkpoint is retried at the next cursor save; nothing is lost by waiting.
            LOG.log(Level.FINE, "WAL checkpoint deferred", e);
        }
    }

    /**
     * The first seq at or after {@code from} whose record has no outcome (a failure counts as an outcome), or the
     * end of the input when there is none. Walks the (run_id, seq) index from {@code from} and stops at the first
     * hit, so a cursor save costs what the run moved since the last one, not the size of the run.
     */
    static long lowWatermark(DSLContext dsl, long runId, long from) {
        Long first = dsl.select(RECORDS.SEQ).from(RECORDS)
                .where(RECORDS.RUN_ID.eq(runId))
                .and(RECORDS.SEQ.ge(from))
                .and(notExists(selectOne().from(PREDICTIONS)
                        .where(PREDICTIONS.RUN_ID.eq(RECORDS.RUN_ID))
                        .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID))))
                .orderBy(RECORDS.SEQ)
                .limit(1)
                .fetchOne(RECORDS.SEQ);
        if (first != null) {
            return first;
        }
        Long last = dsl.select(DSL.max(RECORDS.SEQ)).from(RECORDS).where(RECORDS.RUN_ID.eq(runId)).fetchOne().value1();
        return last == null ? 0 : last + 1;
    }

    /** Records a sign of life of the process working on a run, for status to tell a live run from a dead one. */
    public void heartbeat(long runId) {
        writing(dsl -> dsl.update(RUNS).set(RUNS.HEARTBEAT_AT, now()).where(RUNS.RUN_ID.eq(runId)).execute());
    }

    @Override
    public void updateBaseUrls(long runId, List<String> baseUrls) {
        writing(dsl -> RunRows.updateBaseUrls(dsl, runId, baseUrls));
    }

    @Override
    public void keepOutputRules(long runId, String outputRulesJson) {
        writing(dsl -> RunRows.keepOutputRules(dsl, runId, outputRulesJson));
    }

    @Override
    public boolean clearRun(String name) {
        return writing(dsl -> RunRows.clearRun(dsl, name, clock.instant(), file));
    }

    @Override
    public int clearAll() {
        return writing(dsl -> RunRows.clearAll(dsl, clock.instant(), file));
    }

    /**
     * For {@code stride merge}, of a shard: the run to merge ({@code runName}, or every run of the file when none is
     * named) has no live worker. A shard still being written would leave its latest answers out of the merge, and the
     * merged run would ask them again; another run that a worker writes in the same file is none of the merge's.
     *
     * @param runName the run {@code --run} names, or null for the one run the file holds
     * @throws dev.stride.core.LiveWorkersException naming the runs, their workers and when the last lease runs out
     */
    public void requireNoLiveWorkersToMerge(String runName) {
        reading(dsl -> {
            RunRows.refuseLive(dsl, runName == null ? DSL.trueCondition() : RUNS.NAME.eq(runName), clock.instant(),
                    file, RunRows.LiveRefusal.MERGE);
            return null;
        });
    }

    @Override
    public void requireNoLiveWorkers(List<String> runNames) {
        reading(dsl -> {
            RunRows.refuseLive(dsl, RUNS.NAME.in(runNames), clock.instant(), file);
            return null;
        });
    }

    @Override
    public void forEachResult(long runId, Consumer<ResultRow> sink) {
        RunRows.forEachResult(this::reading, runId, sink);
    }

    @Override
    public void forEachAnsweredByBoth(long runA, long runB, Consumer<AnsweredPair> sink) {
        RunRows.forEachAnsweredByBoth(this::reading, runA, runB, sink);
    }

    @Override
    public AnsweredAlone answeredAlone(long runId, long other, int examples) {
        return reading(dsl -> RunRows.answeredAlone(dsl, runId, other, examples));
    }

    /**
     * Closes both connections. The WAL is checkpointed into the database file and truncated first, so the .db file
     * alone holds every commit (it can be copied or mailed as it is); unless another connection keeps a read
     * transaction open on an older snapshot, which {@link #unfoldedAtClose} then says.
     */
    @Override
    public void close() {
        workforce.leaveOnClose(this::leave);
        writeLock.lock();
        readLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(reader);
            if (outcomes != null) {
                try {
                    outcomes.close();
                    cursors.close();
                    claims.close();
                } catch (SQLException ignored) {
                    // The statement dies with its connection, closed next.
                }
            }
            if (writer != null) {
                try (var statement = writer.createStatement()) {
                    // Not the busy timeout's 10 s of silence at the exit: a reader that pins an old snapshot keeps
                    // the log from being emptied however long this waits, and a write another connection holds ends
                    // when it will. The WAL is part of the database and stays whole beside it; whoever opens the
                    // file next (or this run's next start) folds it in.
                    statement.execute("PRAGMA busy_timeout = " + CLOSE_WAIT_MS);
                    switch (closingFold(statement)) {
                        case ALL -> statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                        // A clean end said nothing of it, and the file alone was copied as if whole (a user walk:
                        // no progress row in the copy of an 8,000-record run beside a shell's BEGIN; SELECT).
                        case PINNED -> unfoldedAtClose = unfoldedBesideAReader();
                        case BUSY -> {
                            // Another connection is checkpointing right now: it folds in what it can.
                        }
                    }
                } catch (SQLException e) {
                    // Every commit is already in the WAL: only folding it in failed. Said as the plain disk-full
                    // line, a finished 'stride copy' read as not done, and its rerun was refused ("already has").
                    if ((e.getErrorCode() & 0xff) == SQLiteErrorCode.SQLITE_FULL.code) {
                        throw new StoreException(DbPhrase.of("sqlite.fullOnClose", file, SqliteFiles.detail(e)), e);
                    }
                    throw SqliteFiles.translate(file, e);
                } finally {
                    closeQuietly(writer);
                }
            }
        } finally {
            readLock.unlock();
            writeLock.unlock();
        }
    }

    @Override
    public Optional<UnfoldedLog> unfoldedAtClose() {
        return Optional.ofNullable(unfoldedAtClose);
    }

    /**
     * The WAL as a close leaves it beside a reader's old snapshot; null when another stride writes the file (a
     * worker of the same run, or of another): its own close folds the log in, or says it could not.
     */
    private UnfoldedLog unfoldedBesideAReader() {
        try {
            if (FileAlone.writtenByARun(writer, clock.instant(), ShownState.STALE_AFTER)) {
                return null;
            }
        } catch (SQLException | DataAccessException | StoreException e) {
            // Said all the same: whoever keeps it, the file alone lacks the log's last commits.
            LOG.log(Level.FINE, "could not tell whether a run still writes " + file, e);
        }
        return new UnfoldedLog(file, WalFile.of(file), WalFile.bytes(file));
    }

    // --- connections and transactions ---

    /**
     * Runs {@code work} on the reader inside one read transaction: every query it makes sees the same snapshot, also
     * while a run writes the file. For {@link RunTransfer}, which reads a run in many pages.
     */
    <T> T readingOneSnapshot(Function<DSLContext, T> work) {
        return reading(dsl -> {
            try {
                reader.setAutoCommit(false);
                try {
                    return work.apply(dsl);
                } finally {
                    reader.rollback();
                    reader.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw SqliteFiles.translate(file, e);
            }
        });
    }

    @Override
    public void tellOutagesTo(RunListener listener) {
        lockWait.tellTo(listener == RunListener.NONE ? null : listener);
    }

    @Override
    public void waitForServerAtMost(Duration within) {
        lockWait.cut(within);
    }

    /** Runs {@code work} in one IMMEDIATE transaction on the writer: all of it is committed, or none. */
    <T> T writingOneTransaction(Function<DSLContext, T> work) {
        return writing(work);
    }

    private <T> T reading(Function<DSLContext, T> work) {
        readLock.lock();
        try {
            checkOpen();
            return work.apply(read);
        } catch (DataAccessException e) {
            throw translate(e);
        } finally {
            readLock.unlock();
        }
    }

    /** Runs {@code work} in its own IMMEDIATE transaction on the writer. */
    private <T> T writing(Function<DSLContext, T> work) {
        return withWriter(() -> inTransaction(work));
    }

    private <T> T withWriter(Supplier<T> work) {
        if (writer == null) {
            throw new StoreException(DbPhrase.of("store.readOnly", file));
        }
        writeLock.lock();
        try {
            checkOpen();
            if (gone != null) {
                throw gone.again();
            }
            return work.get();
        } finally {
            writeLock.unlock();
        }
    }

    /*
     * sqlite-jdbc issues BEGIN IMMEDIATE when autocommit is turned off (transaction mode of the data source), so the
     * write lock is taken up front. Any exception rolls back; exceptions other than database errors, such as the
     * input iterator's, reach the caller unchanged.
     */
    private <T> T inTransaction(Function<DSLContext, T> work) {
        return inTransaction(work, true);
    }

    /** With {@code commit} false the work is always rolled back: a preview that writes nothing. */
    private <T> T inTransaction(Function<DSLContext, T> work, boolean commit) {
        begin();
        boolean committed = false;
        try {
            T result = work.apply(write);
            if (commit) {
                // Back to autocommit is the commit itself (one COMMIT). sqlite-jdbc's commit() begins the next
                // transaction at once, and leaving it then commits that empty one: three statements, each compiled
                // anew, and the write lock taken once more for nothing, on every outcome's commit.
                writer.setAutoCommit(true);
                committed = true;
            }
            return result;
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        } catch (DataAccessException e) {
            throw translate(e);
        } finally {
            if (!committed) {
                rollBack();
            }
        }
    }

    /**
     * BEGIN IMMEDIATE, which takes the write lock. During a run, a file that another connection keeps locked past the
     * busy timeout is waited for (see {@link SqliteLockWait}), a try a second, told at each, until it is let go or
     * a stop's grace runs out; the answers that arrive meanwhile stay in memory, and the request threads wait for
     * the writer as they do for a slow disk.
     */
    private void begin() {
        long began = System.nanoTime();
        int resting = lockWait.waits() ? SqliteLockWait.FIRST_TRY_MS : SqliteFiles.BUSY_TIMEOUT_MS;
        // The first try waits its whole time even once a stop's grace is over: another worker's commit or checkpoint
        // holds the lock for a moment, and a stopping run's last saves (its answers, its cursor, its leaving) must
        // not fail on that. Only a file found held is waited for no longer than the grace, and once one such write
        // found it held, the stop's later ones try once each, for a moment.
        busyTimeout(lockWait.triesOnce() ? SqliteLockWait.STOPPED_TRY_MS : resting);
        boolean held = false;
        try {
            while (true) {
                try {
                    writer.setAutoCommit(false);
                    break;
                } catch (SQLException e) {
                    forgetFailedBegin();
                    boolean busy = SqliteFiles.isBusy(e);
                    Duration lasted = Duration.ofNanos(System.nanoTime() - began);
                    if (busy && lockWait.stopped()) {
                        lockWait.heldPastStop();
                        throw new StoreException(DbPhrase.of("sqlite.stoppedWaiting", file, lasted.toSeconds(),
                                SqliteFiles.detail(e)), e);
                    }
                    if (!busy || !lockWait.waits()) {
                        throw SqliteFiles.translate(file, e);
                    }
                    held = true;
                    lockWait.held(lasted, SqliteFiles.detail(e), anotherCheckpoints());
                    busyTimeout(lockWait.tryMs());
                }
            }
        } finally {
            busyTimeout(resting);
        }
        lockWait.letGo();
        if (held) {
            lockWait.back(Duration.ofNanos(System.nanoTime() - began));
        }
    }

    /**
     * sqlite-jdbc marks the connection as out of autocommit before it runs the BEGIN, and leaves it so when the BEGIN
     * fails: the next setAutoCommit(false) then did nothing, and that transaction's statements ran each in its own
     * (no IMMEDIATE lock, no atomic save). Back to autocommit runs a COMMIT that fails (no transaction is open), but
     * the mark is reset first.
     */
    private void forgetFailedBegin() {
        try {
            writer.setAutoCommit(true);
        } catch (SQLException expected) {
            // "cannot commit - no transaction is active": the mark is reset all the same.
        }
    }

    /** Sets the writer's busy timeout, when it changes (a statement of its own). */
    private void busyTimeout(int ms) {
        if (ms != busyTimeoutMs) {
            pragma("busy_timeout = " + ms);
            busyTimeoutMs = ms;
        }
    }

    /** Ends the writer's transaction without its changes, whatever state a failure left it in. */
    private void rollBack() {
        try {
            if (writer.getAutoCommit()) {
                // A failed COMMIT: sqlite-jdbc is back in autocommit, but SQLite may still hold the transaction.
                try (var statement = writer.createStatement()) {
                    statement.execute("ROLLBACK");
                }
            } else {
                writer.rollback();
                writer.setAutoCommit(true);
            }
        } catch (SQLException e) {
            // The original failure is the one worth reporting; a failed rollback leaves SQLite to roll back (a
            // ROLLBACK with no transaction open fails here too: nothing was left to undo).
        }
    }

    /**
     * The frames of the WAL that a checkpoint which waits for no reader has folded into the file, {@link #FOLDED_ALL}
     * when it folded every one.
     */
    private long passiveCheckpointFolded() {
        try (var statement = writer.createStatement();
             ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            // Columns: busy, frames in the WAL, frames folded in (-1 and -1 when not in WAL mode).
            if (!rs.next()) {
                return 0;
            }
            return rs.getInt(1) == 0 && rs.getLong(2) == rs.getLong(3) ? FOLDED_ALL : rs.getLong(3);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    /**
     * Whether another connection is checkpointing the WAL: a sibling worker's TRUNCATE ({@code keepWalBounded}) holds
     * the write lock for up to the busy timeout while busy readers finish, which a waiting writer must not blame on a
     * program's write transaction. A PASSIVE checkpoint never waits for the checkpoint lock: it is busy only while
     * another connection holds it. (A write transaction holds the write lock alone, and the PASSIVE then folds in
     * what it can: the work the next checkpoint would have done.)
     */
    private boolean anotherCheckpoints() {
        try (var statement = writer.createStatement();
             ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            return rs.next() && rs.getInt(1) == 1;
        } catch (SQLException e) {
            LOG.log(Level.FINE, "checkpoint look while waiting for the write lock failed", e);
            return false;
        }
    }

    /** A TRUNCATE checkpoint, within the busy timeout: whether it emptied the WAL. */
    private boolean truncated() {
        try (var statement = writer.createStatement();
             ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            return rs.next() && rs.getInt(1) == 0;
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    /** What a close's checkpoint, which waits for no reader, could fold into the file. */
    private enum ClosingFold {
        /** Every frame: the WAL can be emptied. */
        ALL,
        /** Not the frames past the old snapshot another connection's read transaction keeps. */
        PINNED,
        /** Nothing: another connection holds the checkpoint lock. */
        BUSY
    }

    private static ClosingFold closingFold(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            // Columns: busy, frames in the WAL, frames folded in (-1 and -1 when not in WAL mode).
            if (!rs.next() || rs.getInt(1) != 0) {
                return ClosingFold.BUSY;
            }
            return rs.getLong(2) == rs.getLong(3) ? ClosingFold.ALL : ClosingFold.PINNED;
        }
    }

    private void pragma(String pragma) {
        try (var statement = writer.createStatement()) {
            statement.execute("PRAGMA " + pragma);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException(DbPhrase.of("store.closed", file));
        }
    }

    private StoreException translate(DataAccessException e) {
        Throwable cause = e.getCause();
        while (cause != null && !(cause instanceof SQLException)) {
            cause = cause.getCause();
        }
        return cause instanceof SQLException sql
                ? SqliteFiles.translate(file, sql)
                : new StoreException(DbPhrase.of("sqlite.failed", file, SqliteFiles.detail(e)), e);
    }

    private String now() {
        return UtcText.format(clock.instant());
    }

    /** A record with its outcome, read by column: the prediction or failure as it was saved. */
    static ResultRow resultRow(Record r) {
        long seq = r.get(RECORDS.SEQ);
        String id = r.get(RECORDS.RECORD_ID);
        String input = r.get(RECORDS.PAYLOAD);
        RecordStatus status = r.get(PREDICTIONS.STATUS);
        if (status == null) {
            return ResultRow.pending(seq, id, input);
        }
        return switch (status) {
            case DONE -> new ResultRow(seq, id, input, status, OutcomeColumns.prediction(r), null);
            case FAILED -> new ResultRow(seq, id, input, status, null, OutcomeColumns.failure(r));
            case PENDING -> throw new IllegalStateException("predictions.status is never pending");
        };
    }

    static RunInfo runInfo(RunsRecord r) {
        List<String> baseUrls = Json.readStrings(r.getBaseUrls(), DbPhrase.of("json.storedBaseUrls", r.getName()));
        return new RunInfo(r.getRunId(), r.getName(), r.getModel(), baseUrls, r.getTemplate(), r.getParams(),
                r.getTotal(), r.getDone(), r.getFailed(), r.getLowWatermark(), r.getElapsedMs(),
                UtcText.parse(r.getSavedAt(), "runs.saved_at"), r.getState(),
                UtcText.parse(r.getCreatedAt(), "runs.created_at"),
                r.getTruncated(), r.getShard() == null ? null : Shard.parse(r.getShard()), r.getOutputRules(),
                // Kept only while the run is stored stopped; a state that another write changed says no stop's reason.
                r.getState() == RunState.STOPPED ? StopReason.stored(r.getStopReason(), r.getStopPhrase()) : null);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Closing is best effort: nothing is left to save on this connection.
        }
    }
}
