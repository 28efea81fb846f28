package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.RUNS;

import dev.stride.core.AnsweredAlone;
import dev.stride.core.AnsweredPair;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Cursor;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Joined;
import dev.stride.core.Json;
import dev.stride.core.Prediction;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.StopReason;
import dev.stride.core.RunWorkers;
import dev.stride.core.ServerLimit;
import dev.stride.core.SyncBrokeOffException;
import dev.stride.core.SyncPreview;
import dev.stride.core.SyncReport;
import dev.stride.core.WorkerInfo;
import dev.stride.db.schema.tables.records.RunsRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record1;
import org.jooq.Record7;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The checkpoint store on a PostgreSQL server: the same tables and the same jOOQ statements as
 * {@link SqliteCheckpointStore}, with what differs by vendor kept here.
 *
 * <ul>
 *   <li>Two sessions, a writer and a reader (autocommit reads never wait for a commit), and a third for the lease's
 *       renewals once this store is a worker, each reconnecting on its own
 *       after the server went away ({@link PostgresSession}); the work that broke is repeated on the new
 *       connection. A sync reads its input once, so a sync that broke midway is not repeated here: it fails
 *       ({@link SyncBrokeOffException}), and the caller reads a file again, or the next start syncs again.</li>
 *   <li>The durability split: the writer's session has {@code synchronous_commit = off}, so an outcome commit does
 *       not wait for the disk (a crash of the server may lose the last outcomes, which are asked again; the unique
 *       key keeps any outcome from being stored twice); every other transaction sets it back on for itself, so a
 *       cursor commit waits for the disk as on SQLite, and with it every outcome before it.</li>
 *   <li>The counters done, failed and truncated live in {@code run_counts}, in slots by server process, so workers
 *       committing at the same time do not queue on one row; they are summed when read ({@code run_totals}).</li>
 * </ul>
 *
 * <p>Several workers, on any number of machines, share a run through claims under a lease ({@link Workforce},
 * {@link Claims}: {@code FOR NO KEY UPDATE SKIP LOCKED}). Leases are judged by one clock for all: every time this store
 * writes is the server's ({@link #serverClock}), so machines whose clocks disagree still agree on who is live.
 */
public final class PostgresCheckpointStore implements CheckpointStore, LooksAtRuns {
    /** How long a run waits for a server that went away before it gives up (a restart takes seconds). */
    public static final Duration DEFAULT_RECONNECT_FOR = Duration.ofMinutes(2);
    /** The system property that sets how many seconds to wait instead (tests). */
    public static final String RECONNECT_PROPERTY = "stride.postgres.reconnectSeconds";
    /** The least time a worker's statement may hear nothing from the server before it is taken for gone. */
    static final Duration SILENCE_FLOOR = Duration.ofSeconds(10);

    /**
     * How long a read of a read-only store (status, export, score, compare, snapshot, copy, the dashboard) may hear
     * nothing from the server before it is taken for gone: as long as a run waits for a server that went away, 2
     * minutes, so that a silent network cut ends such a command with one line (exit 4) instead of never. A long
     * read that is making progress is not cut: the limit is on the silence of one read from the socket, not on a
     * query, so an export streaming rows hears from the server all along; and stride's own read statements are
     * lookups by key and pages in key order (counts in slots, no scan that sorts before its first row), answered in
     * well under a second on runs of millions of records, far below 2 minutes. The outage is counted from the
     * silent statement's start, so the command ends about then, not after a second wait to reconnect.
     */
    static Duration readSilence(Duration reconnectFor) {
        return reconnectFor.compareTo(SILENCE_FLOOR) < 0 ? SILENCE_FLOOR : reconnectFor;
    }
    private static final org.jooq.Table<?> RUN_TOTALS = DSL.table(DSL.name("run_totals"));
    private static final org.jooq.Field<Long> T_RUN_ID = DSL.field(DSL.name("run_totals", "run_id"), SQLDataType.BIGINT);
    private static final org.jooq.Field<Long> T_DONE = DSL.field(DSL.name("run_totals", "done"), SQLDataType.BIGINT);
    private static final org.jooq.Field<Long> T_FAILED = DSL.field(DSL.name("run_totals", "failed"), SQLDataType.BIGINT);
    private static final org.jooq.Field<Long> T_TRUNCATED =
            DSL.field(DSL.name("run_totals", "truncated"), SQLDataType.BIGINT);
    private static final org.jooq.Field<Long> T_TOKENS_IN =
            DSL.field(DSL.name("run_totals", "tokens_in"), SQLDataType.BIGINT);
    private static final org.jooq.Field<Long> T_TOKENS_OUT =
            DSL.field(DSL.name("run_totals", "tokens_out"), SQLDataType.BIGINT);
    private static final org.jooq.Field<Long> T_USAGE_REPORTED =
            DSL.field(DSL.name("run_totals", "usage_reported"), SQLDataType.BIGINT);

    static {
        SqliteCheckpointStore.quietLibraries();
    }

    private final PostgresLocation location;
    private final Clock clock;
    private final Workforce workforce;
    private final PostgresSession writer; // null when read-only
    private final PostgresSession reader;
    /**
     * The renewals' own connection, opened at the first: on the writer's, a renewal queued behind claims and outcomes
     * (gaps of 3.6 s between renewals measured against a 5 s lease under load), and a live worker lost its lease.
     */
    private PostgresSession leases; // guarded by leasesLock
    private boolean leasesClosed; // guarded by leasesLock
    private final Object leasesLock = new Object();
    /** A worker's bound on a silent server ({@link PostgresSession#limitSilence}); null until it joins a run. */
    private volatile Duration workerSilence;
    /** {@link #SILENCE_FLOOR}, but in tests of a silent server ({@link #lowerSilenceFloor}). */
    private volatile Duration silenceFloor = SILENCE_FLOOR;
    /** Told the run's name when a sync waits for another command's sync of the same run ({@link #tellLoadWaitsTo}). */
    private volatile Consumer<String> loadWaits = run -> { };
    private volatile boolean blank; // read-only on a new database without tables yet: it holds no runs
    private final PostgresOutage outage;
    private OutcomeWriter outcomes; // the writer's, remade with each new connection; guarded by the writer's lock
    /**
     * The outcomes committed without waiting for the disk since the writer's last commit that waited (a cursor's):
     * a crash of the server (pg_ctl stop -m immediate, a power cut) takes them, while this worker counts them stored
     * and never asks them again. A run lost 4 answers of 400 so, and ended "interrupted" with their claims restored
     * under its own name. The writer's next connection writes them again first; the upsert keeps an answer that is
     * there. Guarded by the writer's lock; at most the outcomes between two cursors.
     */
    private final List<Unsynced> unsynced = new ArrayList<>();
    private Optional<SchemaUpgrade> schemaUpgrade = Optional.empty(); // the one this open made, if any

    private PostgresCheckpointStore(PostgresLocation location, Duration reconnectFor, boolean writable) {
        this.location = location;
        this.outage = new PostgresOutage(location.hostAndPort(), reconnectFor);
        PostgresSession w = null;
        if (writable) {
            w = PostgresSession.open(location, c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SET synchronous_commit = off");
                }
                outcomes = new OutcomeWriter(c, SQLDialect.POSTGRES);
                rewriteUnsynced();
            }, outage);
        }
        this.writer = w;
        try {
            if (writable) {
                schemaUpgrade = SchemaUpgrade.of(location, writer.run(c -> PostgresSchema.migrate(location, c)));
            }
            this.reader = PostgresSession.open(location, c -> {
                if (!writable) {
                    // Nothing this session runs can write, whatever the statement (stride sql relies on it too).
                    try (Statement st = c.createStatement()) {
                        st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
                    }
                }
            }, outage);
            if (!writable) {
                outage.forReading();
                reader.limitSilence(readSilence(reconnectFor));
            }
            this.blank = !writable && reader.run(c -> PostgresSchema.checkCurrent(location, c));
            this.clock = serverClock(reader);
        } catch (RuntimeException e) {
            if (writer != null) {
                writer.close();
            }
            throw e;
        }

        this.workforce = new Workforce(clock);
    }

    /**
     * This machine's clock set to the server's: the offset is measured once, at open. Workers on machines whose
     * clocks disagree by minutes would otherwise take each other's live leases for dead ones.
     */
    private static Clock serverClock(PostgresSession session) {
        Clock local = Clock.systemUTC();
        Duration offset = session.run(c -> {
            try (Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
                Instant before = local.instant();
                rs.next();
                Instant server = rs.getTimestamp(1).toInstant();
                Instant after = local.instant();
                return Duration.between(before.plus(Duration.between(before, after).dividedBy(2)), server);
            }
        });
        return Clock.offset(local, offset);
    }

    /**
     * Opens the database for reading and writing, creating or upgrading stride's schema in it; an older one that an
     * older stride is at work on is refused and left as it is.
     */
    public static PostgresCheckpointStore open(PostgresLocation location) {
        return open(location, reconnectFor());
    }

    /**
     * {@link #DEFAULT_RECONNECT_FOR}, or the seconds of the system property {@value #RECONNECT_PROPERTY}: tests of a
     * server that stays away set it to seconds rather than wait two minutes per case.
     */
    static Duration reconnectFor() {
        String seconds = System.getProperty(RECONNECT_PROPERTY);
        try {
            return seconds == null ? DEFAULT_RECONNECT_FOR : Duration.ofSeconds(Long.parseLong(seconds.strip()));
        } catch (NumberFormatException e) {
            return DEFAULT_RECONNECT_FOR;
        }
    }

    public static PostgresCheckpointStore open(PostgresLocation location, Duration reconnectFor) {
        return new PostgresCheckpointStore(location, reconnectFor, true);
    }

    /**
     * Brings a database an older stride wrote up to this build's schema, as {@link #open} does for a run (the same
     * migration, under the same lock), so that a command which only reads it can go on and open it read-only. One
     * with this build's schema, or without tables yet, is only read; one of a newer stride or another program is
     * refused as the read-only open refuses it. A user without the right to alter the tables gets the server's refusal
     * of the upgrade in one line. While an older stride is at work on it, it is refused as it is (see
     * {@link SqliteCheckpointStore#upgradeIfOlder}).
     *
     * @return the upgrade made, or empty when the database needed none or another stride upgraded it meanwhile
     */
    public static Optional<SchemaUpgrade> upgradeIfOlder(PostgresLocation location) {
        Optional<Integer> older;
        try (PostgresSession session = PostgresSession.open(location, c -> { },
                new PostgresOutage(location.hostAndPort(), Duration.ZERO))) {
            older = session.run(c -> PostgresSchema.olderVersion(location, c));
            if (older.isEmpty()) {
                return Optional.empty();
            }
            session.run(c -> {
                Workforce.refuseUpgradeWhileAtWork(c, Workforce.POSTGRES_NOW, location, older.get());
                return null;
            });
        }
        try (PostgresCheckpointStore store = open(location)) {
            return store.schemaUpgrade(); // none when another stride upgraded it since the look above
        }
    }

    /**
     * The upgrade this open made of a database an older stride wrote, for the caller to say: empty when it was at
     * this build's schema, was new, or another stride upgraded it first (under the same lock).
     */
    public Optional<SchemaUpgrade> schemaUpgrade() {
        return schemaUpgrade;
    }

    /** This build's schema version, the one {@link #upgradeIfOlder} brings a database to. */
    public static int schemaVersion() {
        return Schema.LATEST;
    }

    /** Opens the database for reading only: every session is read-only, and the schema must be this build's. */
    public static PostgresCheckpointStore openReadOnly(PostgresLocation location) {
        return openReadOnly(location, reconnectFor());
    }

    /**
     * As {@link #openReadOnly(PostgresLocation)}, waiting {@code reconnectFor} for a server that went away before a
     * read fails (zero: at once, saying the server cannot be reached).
     */
    public static PostgresCheckpointStore openReadOnly(PostgresLocation location, Duration reconnectFor) {
        return new PostgresCheckpointStore(location, reconnectFor, false);
    }

    public PostgresLocation location() {
        return location;
    }

    /**
     * A new database this read-only store found without tables, until a run has made them: from then on they are
     * read (a dashboard opened before the first run shows it). While they are being made, still none.
     */
    private boolean blank() {
        if (blank) {
            blank = !reader.run(PostgresSchema::isCurrent);
        }
        return blank;
    }

    /**
     * Whether the database holds no tables at all, neither stride's nor another program's: a new one nothing was
     * written to. A read-only store opens it and finds no runs; only a run creates stride's tables.
     */
    public static boolean isBlank(PostgresLocation location) {
        try (PostgresSession session = PostgresSession.open(location, c -> { },
                new PostgresOutage(location.hostAndPort(), Duration.ZERO))) {
            return session.run(PostgresSchema::isBlank);
        }
    }

    @Override
    public void waitForServerAtMost(Duration within) {
        outage.cut(within);
    }

    /**
     * Cancels now, on the server, this store's statements that wait for a lock another session holds, their
     * transactions rolled back: for a command about to end its process at once (clear's Ctrl+C), so that no backend
     * of it stays waiting for the lock after it ended. Returns once done (the server away: at its login timeout).
     */
    public void endLockWaitsNow() {
        outage.cancels().cancelNow();
    }

    @Override
    public void tellOutagesTo(RunListener listener) {
        outage.tellTo(listener);
    }

    /**
     * A statement kept waiting for a lock another session holds names the holders in the wait told
     * ({@link dev.stride.core.DatabaseOutage#holders()}), looked at from a connection of its own while it waits: for a command whose
     * user has to find the holder and end it (clear, copy, merge), not a worker's statements.
     */
    public void nameLockHolders() {
        outage.nameHolders();
    }

    /**
     * Where a line goes each time a transaction the server ended for a deadlock or a serialization failure is run
     * again ({@code -v}): otherwise nothing says that it happened.
     */
    public void traceTo(Consumer<String> log) {
        outage.traceTo(Objects.requireNonNull(log));
    }

    /** The server's clock: outcomes stamped on it compare with the leases and reruns the store writes on it. */
    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Optional<RunInfo> findRun(String name) {
        if (blank()) {
            return Optional.empty();
        }
        return reading(dsl -> withTotals(dsl, dsl.selectFrom(RUNS).where(RUNS.NAME.eq(name)).fetch()).stream()
                .findFirst());
    }

    @Override
    public List<RunInfo> listRuns() {
        if (blank()) {
            return List.of();
        }
        return reading(dsl -> withTotals(dsl, dsl.selectFrom(RUNS).orderBy(RUNS.RUN_ID).fetch()));
    }

    @Override
    public Optional<String> inputDigest(String run) {
        if (blank()) {
            return Optional.empty();
        }
        return reading(dsl -> dsl.select(RUNS.INPUT_DIGEST).from(RUNS).where(RUNS.NAME.eq(run)).fetchOptional()
                .map(Record1::value1));
    }

    /** The runs' rows with their counters summed from the slots, as {@link RunInfo}s. */
    private static List<RunInfo> withTotals(DSLContext dsl, List<RunsRecord> runs) {
        return fillTotals(dsl, runs).stream().map(SqliteCheckpointStore::runInfo).toList();
    }

    /**
     * Sets each row's counters (done, failed, truncated, tokens: always 0 in the runs table here) to their sums over
     * the slots, so the rows say what SQLite's rows say.
     *
     * @return {@code runs}
     */
    static List<RunsRecord> fillTotals(DSLContext dsl, List<RunsRecord> runs) {
        if (runs.isEmpty()) {
            return runs;
        }
        Map<Long, Record7<Long, Long, Long, Long, Long, Long, Long>> totals = new HashMap<>();
        dsl.select(T_RUN_ID, T_DONE, T_FAILED, T_TRUNCATED, T_TOKENS_IN, T_TOKENS_OUT, T_USAGE_REPORTED)
                .from(RUN_TOTALS)
                .where(T_RUN_ID.in(runs.stream().map(RunsRecord::getRunId).toList()))
                .forEach(t -> totals.put(t.value1(), t));
        for (RunsRecord r : runs) {
            Record7<Long, Long, Long, Long, Long, Long, Long> t = totals.get(r.getRunId());
            if (t != null) {
                r.setDone(t.value2());
                r.setFailed(t.value3());
                r.setTruncated(t.value4());
                r.setTokensIn(t.value5());
                r.setTokensOut(t.value6());
                r.setUsageReported(t.value7());
            }
        }
        return runs;
    }

    @Override
    public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> inputDigest,
                              boolean dropAnswers) {
        return syncRun(spec, input, inputDigest, dropAnswers, null);
    }

    @Override
    public SyncReport syncRunAsWorker(RunSpec spec, Iterator<InputRecord> input,
                                      Supplier<Optional<String>> inputDigest, boolean dropAnswers, Duration lease) {
        return syncRun(spec, input, inputDigest, dropAnswers, Objects.requireNonNull(lease));
    }

    /** With a {@code lease}, this process becomes a worker of the run in the sync's transaction. */
    private SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> inputDigest,
                               boolean dropAnswers, Duration lease) {
        SyncReport report = writingOnce(dsl -> sync(dsl, spec, input, inputDigest, dropAnswers, lease), true);
        if (report.added() > 0) {
            // The planner's picture of the tables, taken now rather than by autovacuum a minute later: with records
            // thought nearly empty, a claim scanned every outcome for every record (measured: 360 ms a claim at
            // 2,400 outcomes, and a run at half its rate), where the index plan takes 0.15 ms.
            writingLeases(dsl -> dsl.execute("ANALYZE records, predictions, claims"));
        }
        return report;
    }

    @Override
    public SyncPreview previewSync(RunSpec spec, Iterator<InputRecord> input, boolean includeFailed) {
        return writingOnce(dsl -> new SyncPreview(sync(dsl, spec, input, Optional::empty, true, null),
                RunRows.firstToSend(dsl, spec, includeFailed)), false);
    }

    @Override
    public Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest) {
        return syncUnchanged(spec, inputDigest, null);
    }

    @Override
    public void tellLoadWaitsTo(Consumer<String> waiting) {
        loadWaits = Objects.requireNonNull(waiting);
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
        return writing(dsl -> unchanged(dsl, spec, inputDigest, lease));
    }

    /**
     * {@link #syncUnchanged} in the caller's transaction: the run named by {@code spec} whose stored input digest is
     * {@code inputDigest}, its base URLs updated and its counts settled, and this process a worker of it with a
     * {@code lease}; empty, with nothing written, when there is no such run.
     */
    private Optional<SyncReport> unchanged(DSLContext dsl, RunSpec spec, String inputDigest, Duration lease) {
        // Locked as the UPDATE below would lock it, and before the digest is trusted: a sync of another input
        // in progress holds the row, and once it commits the digest is compared again with what it stored
        // (without the lock, this one read the old digest and then took the other's records for its input).
        Long runId = dsl.select(RUNS.RUN_ID).from(RUNS)
                .where(RUNS.NAME.eq(spec.name())).and(RUNS.INPUT_DIGEST.eq(inputDigest))
                .forNoKeyUpdate()
                .fetchOne(RUNS.RUN_ID);
        if (runId == null) {
            return Optional.empty();
        }
        dsl.update(RUNS).set(RUNS.BASE_URLS, Json.strings(spec.baseUrls())).where(RUNS.RUN_ID.eq(runId)).execute();
        RunInfo counted = settle(dsl, runId, now());
        if (lease != null) {
            workforce.enlist(dsl, runId, lease);
        }
        return Optional.of(new SyncReport(false, counted.total(), 0, 0, 0)
                .withOutcomes(counted.done(), counted.failed()));
    }

    private SyncReport sync(DSLContext dsl, RunSpec spec, Iterator<InputRecord> input,
                            Supplier<Optional<String>> inputDigest, boolean dropAnswers, Duration lease) {
        String now = now();
        boolean madeBefore = dsl.fetchExists(RUNS, RUNS.NAME.eq(spec.name()));
        // Two commands making the same new run: each looks, finds none, and inserts; under READ COMMITTED the second
        // insert waited for the first and then failed on the unique name. Held to the transaction's end, this lock
        // makes the second look only once the first has committed, and be decided as a command started later is.
        String lock = "stride run " + spec.name();
        if (!dsl.fetchValue("SELECT pg_try_advisory_xact_lock(hashtext(?))", lock).equals(Boolean.TRUE)) {
            if (!madeBefore) {
                loadWaits.accept(spec.name()); // another command is making it: its load is what this one waits for
            }
            dsl.execute("SELECT pg_advisory_xact_lock(hashtext(?))", lock);
        }
        RunRows.Found found = RunRows.findOrCreate(dsl, spec, now);
        if (!madeBefore && !found.created() && lease != null) {
            // Made while this command waited, with its settings: workers started together on a new run, the other
            // loading the same input. Read and compared record by record here, it held the run's row as long (52 s
            // for 20,000 records under load), and the worker that made the run could save nothing meanwhile. The
            // same input as the run's (its digest, taken without reading it) joins the run as a later command does.
            Optional<String> digest = inputDigest.get();
            if (digest.isPresent()) {
                Optional<SyncReport> same = unchanged(dsl, spec, digest.get(), lease);
                if (same.isPresent()) {
                    return same.get();
                }
            }
        }
        boolean created = found.created();
        long runId = found.runId();
        SyncReport report = new InputSync(dsl, spec.template()).sync(runId, created, input, dropAnswers);
        workforce.refuseUnderLiveWorkers(dsl, spec.name(), runId, report, location);
        dsl.update(RUNS).set(RUNS.INPUT_DIGEST, inputDigest.get().orElse(null)).where(RUNS.RUN_ID.eq(runId)).execute();
        RunInfo counted = settle(dsl, runId, now);
        if (lease != null) {
            // As SQLite's: after the refusal above, so a refused sync makes no worker.
            workforce.enlist(dsl, runId, lease);
        }
        return report.withOutcomes(counted.done(), counted.failed());
    }

    /** As SQLite's settle: recounts the run into one slot, recomputes the low watermark, records a sign of life. */
    private static RunInfo settle(DSLContext dsl, long runId, String now) {
        // The workers' counts wait while the slots are recounted into one: a delete waits only for the slot rows it
        // sees, and a worker's first count after the last recount makes a new one it does not, which, committed
        // before the recount's insert, was counted twice (a reviewer's two sessions). The sync commits right after.
        dsl.execute("LOCK TABLE run_counts, score_counts IN SHARE ROW EXCLUSIVE MODE");
        dsl.execute("DELETE FROM run_counts WHERE run_id = ?", runId);
        dsl.execute("INSERT INTO run_counts (run_id, slot, done, failed, truncated, tokens_in, tokens_out,"
                + " usage_reported)"
                + " SELECT ?, 0, count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'failed'),"
                + " count(*) FILTER (WHERE status = 'done' AND finish_reason = 'length'),"
                + " coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),"
                + " count(*) FILTER (WHERE prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)"
                + " FROM predictions WHERE run_id = ?"
                + " ON CONFLICT (run_id, slot) DO UPDATE SET done = EXCLUDED.done, failed = EXCLUDED.failed,"
                + " truncated = EXCLUDED.truncated, tokens_in = EXCLUDED.tokens_in, tokens_out = EXCLUDED.tokens_out,"
                + " usage_reported = EXCLUDED.usage_reported", runId, runId);
        SqliteCheckpointStore.recountScores(dsl, runId);
        dsl.update(RUNS)
                .set(RUNS.LOW_WATERMARK, SqliteCheckpointStore.lowWatermark(dsl, runId, 0))
                .set(RUNS.HEARTBEAT_AT, now)
                .where(RUNS.RUN_ID.eq(runId))
                .execute();
        return withTotals(dsl, List.of(dsl.selectFrom(RUNS).where(RUNS.RUN_ID.eq(runId)).fetchOne())).get(0);
    }

    /**
     * Lets a worker's statement hear nothing for only {@code floor} under a short lease, before it {@link #join}s:
     * tests of a silent server, which would otherwise wait out {@link #SILENCE_FLOOR} for every silence they make.
     * Nothing else calls it.
     */
    void lowerSilenceFloor(Duration floor) {
        silenceFloor = floor;
    }

    @Override
    public Joined join(long runId, Duration lease) {
        // A worker's statements take milliseconds; one silent for a whole lease has lost the lease anyway. The floor
        // keeps a slow disk's commit under a short --lease from being taken for a lost server.
        Duration silence = lease.compareTo(silenceFloor) < 0 ? silenceFloor : lease;
        workerSilence = silence;
        requireWriter().limitSilence(silence);
        reader.limitSilence(silence);
        synchronized (leasesLock) {
            if (leases != null) {
                leases.limitSilence(silence);
            }
        }
        return writingLeases(dsl -> {
            RunRows.forgetStopReason(dsl, runId); // a new session: an earlier one's stop is no longer why it stands
            return workforce.join(dsl, runId, lease);
        });
    }

    @Override
    public List<InputRecord> claim(long runId, long afterSeq, int limit, boolean includeFailed) {
        List<InputRecord> got = writingLeases(dsl -> workforce.claim(dsl, runId, afterSeq, limit, includeFailed));
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
            // On the renewals' connection: this worker's row alone, so it waits for no claim, outcome or cursor.
            leaseSession().run(c -> inTransaction(c, dsl -> {
                workforce.writeFigures(dsl, runId);
                return null;
            }, true, false));
        }
    }

    @Override
    public boolean renewLease(long runId) {
        // Its own short transaction on its own connection: it touches this worker's row (and, after a lapse, its own
        // claims), so it waits for no claim, outcome or cursor of this worker; without the disk, as claims.
        return leaseSession().run(c -> inTransaction(c, dsl -> workforce.renewHeld(dsl, runId), true, false));
    }

    @Override
    public boolean stillClaimed(long runId, String recordId) {
        return workforce.stillClaimed(recordId);
    }

    private PostgresSession leaseSession() {
        requireWriter();
        synchronized (leasesLock) {
            if (leasesClosed) {
                throw new StoreException(DbPhrase.of("store.closed", location));
            }
            if (leases == null) {
                leases = PostgresSession.open(location, c -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("SET synchronous_commit = off");
                    }
                }, outage);
                Duration silence = workerSilence;
                if (silence != null) {
                    leases.limitSilence(silence);
                }
            }
            return leases;
        }
    }

    @Override
    public boolean othersAtWork(long runId) {
        if (!reading(dsl -> workforce.othersAtWork(dsl, runId))) {
            return false;
        }
        // Before waiting out a lease: a worker of this machine whose process is gone needs no waiting for.
        return writingLeases(dsl -> workforce.dropDeadOnThisHost(dsl, runId)) == 0
                || reading(dsl -> workforce.othersAtWork(dsl, runId));
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
        if (blank()) {
            return new RunsLook(List.of(), Map.of(), Map.of());
        }
        return readingOneSnapshot(dsl -> {
            List<RunInfo> runs = withTotals(dsl, dsl.selectFrom(RUNS).orderBy(RUNS.RUN_ID).fetch());
            return new RunsLook(runs, workforce.workersOfRuns(dsl, runs.stream().map(RunInfo::id).toList()),
                    window == null ? Map.of()
                            : dsl.connectionResult(c -> RunTotals.of(c, now, window, true)));
        });
    }

    /** The run with its workers, totals and report, from one snapshot ({@link RunLook}); empty when there is none. */
    @Override
    public Optional<RunLook> lookAtRun(String name, Instant now, Duration window) {
        if (blank()) {
            return Optional.empty();
        }
        return readingOneSnapshot(dsl -> withTotals(dsl, dsl.selectFrom(RUNS).where(RUNS.NAME.eq(name)).fetch())
                .stream().findFirst()
                .map(info -> new RunLook(info, new RunWorkers(workforce.liveWorkers(dsl, info.id()),
                        workforce.allGone(dsl, info.id())),
                        dsl.connectionResult(c -> RunTotals.of(c, now, window, true)).getOrDefault(name,
                                RunTotals.NONE),
                        RunReport.of(dsl, name).orElseThrow())));
    }

    @Override
    public void leave(long runId) {
        if (workforce.joinedRun(runId)) {
            writingLeases(dsl -> {
                workforce.leave(dsl, runId);
                return null;
            });
        }
    }

    /** The records without an outcome after {@code afterSeq}, in input order, whoever holds them; no claim is made. */
    public List<InputRecord> pendingRecords(long runId, long afterSeq, int limit, boolean includeFailed) {
        return reading(dsl -> RunRows.openRecords(dsl, runId, afterSeq, limit, includeFailed));
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
     * One statement in autocommit, with the session's asynchronous commit: the outcome (a done row is never
     * overwritten), its record's claim dropped and the worker's count ({@link OutcomeWriter}). Repeated after a
     * reconnect when the first try broke: if its commit had gone through (a statement a silent network held and
     * delivered late), the repeat finds the done row and writes nothing. That row is this outcome, stored by this
     * worker, not another's answer: the repeat says it was written, or the summary called its request redundant,
     * "answered by another worker meanwhile", with no other worker there. A repeat looks first: a failure written
     * again over its own row would add its attempts to themselves.
     */
    private boolean writeOutcome(long runId, InputRecord record, OutcomeWriter.Row row, boolean done) {
        row.set(PREDICTIONS.RUN_ID, runId).set(PREDICTIONS.RECORD_ID, record.id());
        int[] tries = {0};
        boolean written = requireWriter().run(c -> {
            tries[0]++;
            boolean wrote = tries[0] > 1 && outcomes.holds(row, runId, record.id())
                    || outcomes.write(row, runId, record.id(), workforce.myId(), done, workforce.dropsClaimOf(done));
            if (wrote) {
                unsynced.add(new Unsynced(runId, record.id(), row, done));
            }
            return wrote;
        });
        workforce.settled(record.id(), done);
        return written;
    }

    @Override
    public Cursor saveCursor(long runId, long elapsedMs, RunState state) {
        return writing(dsl -> writeCursor(dsl, runId, elapsedMs, state));
    }

    @Override
    public Cursor saveLastCursor(long runId, long elapsedMs, RunState state, StopReason why) {
        return writing(dsl -> {
            Cursor saved = writeCursor(dsl, runId, elapsedMs, state);
            RunRows.keepStopReason(dsl, runId, saved.state(), why);
            return saved;
        });
    }

    private Cursor writeCursor(DSLContext dsl, long runId, long elapsedMs, RunState state) {
        // The run's row locked first, as the UPDATE below would lock it: two workers' last saves then run one after
        // the other, and the second reads the outcomes the first's worker stored. (Locked only at the UPDATE, a
        // stop that read "records still open" before the other's done waited there, and wrote running over it.)
        Long old = dsl.select(RUNS.LOW_WATERMARK).from(RUNS).where(RUNS.RUN_ID.eq(runId)).forNoKeyUpdate()
                .fetchOne(RUNS.LOW_WATERMARK);
        if (old == null) {
            throw new StoreException(DbPhrase.of("store.noRun", runId, location));
        }
        String now = now();
        long watermark = SqliteCheckpointStore.lowWatermark(dsl, runId, old);
        RunState stored = workforce.storedState(dsl, runId, state);
        dsl.update(RUNS)
                .set(RUNS.LOW_WATERMARK, watermark)
                // As on SQLite: the largest elapsed time any worker reports is the run's wall time.
                .set(RUNS.ELAPSED_MS, DSL.greatest(RUNS.ELAPSED_MS, DSL.val(elapsedMs)))
                .set(RUNS.SAVED_AT, now)
                .set(RUNS.STATE, stored)
                .set(RUNS.HEARTBEAT_AT, now)
                .where(RUNS.RUN_ID.eq(runId))
                .execute();
        RunInfo run = withTotals(dsl, List.of(dsl.selectFrom(RUNS).where(RUNS.RUN_ID.eq(runId)).fetchOne()))
                .get(0);
        // As on SQLite: a stop that finds every record answered (another worker ended the run) stores it done.
        RunState settled = Workforce.settledState(state, stored, run.failed(), () -> {
            Long last = dsl.select(DSL.max(RECORDS.SEQ)).from(RECORDS).where(RECORDS.RUN_ID.eq(runId))
                    .fetchOne(0, Long.class);
            return last == null || watermark > last;
        });
        if (settled != stored) {
            dsl.update(RUNS).set(RUNS.STATE, settled).where(RUNS.RUN_ID.eq(runId)).execute();
        }
        return new Cursor(run.lowWatermark(), run.done(), run.failed(), run.elapsedMs(), run.savedAt(),
                settled == stored ? run.state() : settled);
    }

    /** Records a sign of life of the process working on a run. */
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
        return writing(dsl -> RunRows.clearRun(dsl, name, clock.instant(), location));
    }

    @Override
    public int clearAll() {
        return writing(dsl -> RunRows.clearAll(dsl, clock.instant(), location));
    }

    @Override
    public void requireNoLiveWorkers(List<String> runNames) {
        reading(dsl -> {
            RunRows.refuseLive(dsl, RUNS.NAME.in(runNames), clock.instant(), location);
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

    /** What {@link RunTotals#of(java.nio.file.Path, Instant, Duration)} reads from a SQLite file. */
    public Map<String, RunTotals> runTotals(Instant now, Duration window) {
        if (blank()) {
            return Map.of();
        }
        return reader.run(c -> RunTotals.of(c, now, window, true));
    }

    /** What {@link RunReport#of(java.nio.file.Path, String)} reads from a SQLite file. */
    public Optional<RunReport> runReport(String run) {
        if (blank()) {
            return Optional.empty();
        }
        return reading(dsl -> RunReport.of(dsl, run));
    }

    @Override
    public void close() {
        workforce.leaveOnClose(this::leave);
        synchronized (leasesLock) {
            leasesClosed = true;
            if (leases != null) {
                leases.close();
            }
        }
        reader.close();
        if (writer != null) {
            writer.close();
        }
        outage.close();
    }

    // --- sessions and transactions ---

    /**
     * Runs {@code work} in one REPEATABLE READ, READ ONLY transaction on the reader: every statement sees the
     * database as it was at the first, whatever workers commit meanwhile. For {@link RunTransfer}, which reads a run
     * in many pages. The tables it reads are locked for reading first, before the snapshot: a lock another session
     * holds on one (LOCK TABLE, VACUUM FULL) is then waited for here, told and tried again by the session, where a
     * page read meeting it inside the destination's transaction failed the copy with the destination's words
     * ("writing DEST failed (... lock timeout)").
     */
    <T> T readingOneSnapshot(Function<DSLContext, T> work) {
        return reader.run(c -> {
            c.setAutoCommit(false);
            try {
                try (Statement st = c.createStatement()) {
                    st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                    // What the reads take anyway (ACCESS SHARE: only an exclusive lock conflicts), taken up front.
                    st.execute("LOCK TABLE runs, run_counts, records, predictions, scores IN ACCESS SHARE MODE");
                }
                return work.apply(DSL.using(c, SQLDialect.POSTGRES));
            } finally {
                rollbackQuietly(c);
                restoreAutoCommit(c);
            }
        });
    }

    /** Runs {@code work} in one transaction on the writer that waits for the disk at commit: all of it, or none. */
    <T> T writingOneTransaction(Function<DSLContext, T> work) {
        return writing(work);
    }

    private <T> T reading(Function<DSLContext, T> work) {
        return reader.run(c -> work.apply(DSL.using(c, SQLDialect.POSTGRES)));
    }

    /** {@code work} in one transaction that waits for the disk at commit; repeated whole after a reconnect. */
    private <T> T writing(Function<DSLContext, T> work) {
        return requireWriter().run(c -> {
            T result = inTransaction(c, work, true, true);
            // The commit waited for the WAL up to itself, and so for every outcome committed before it.
            unsynced.clear();
            return result;
        });
    }

    /** An outcome committed without waiting for the disk ({@link #unsynced}). */
    private record Unsynced(long runId, String recordId, OutcomeWriter.Row row, boolean done) {
    }

    /**
     * On a new connection of the writer, before any work: the outcomes a crash may have taken, written again in
     * order. A record that has a row keeps it, this worker's or a newer one, and nothing is counted again: a new
     * connection after a mere reset (no crash) counted every failure of the list a second time.
     */
    private void rewriteUnsynced() throws SQLException {
        for (Unsynced u : unsynced) {
            outcomes.restore(u.row(), u.runId(), u.recordId(), this.workforce.myId(), u.done(),
                    this.workforce.dropsClaimOf(u.done()));
        }
    }

    /**
     * As {@link #writing}, without waiting for the disk: claims and leases need not survive a crash of the server (a
     * lost claim is a record free again, a lost renewal is renewed again), and a claim is made for nearly every
     * request, so waiting for the disk each time would pace the whole run.
     */
    private <T> T writingLeases(Function<DSLContext, T> work) {
        return requireWriter().run(c -> inTransaction(c, work, true, false));
    }

    /**
     * As {@link #writing}, but never repeated: the work reads an input that cannot be read twice (a pipe is read
     * once), so a try that broke (the server lost, restarted, or ending the transaction for a deadlock) cannot be made
     * again here. Its transaction was rolled back whole, and the server is answering again when this is said: a
     * caller that can read the input again syncs again ({@link SyncBrokeOffException}), and the line says to run the
     * same command again to one that cannot.
     */
    private <T> T writingOnce(Function<DSLContext, T> work, boolean commit) {
        Exception[] broke = {null};
        return requireWriter().run(c -> {
            if (broke[0] != null) {
                SQLException sql = PostgresErrors.sqlCause(broke[0]); // jOOQ's own message starts with the SQL
                throw new SyncBrokeOffException(new StoreException(DbPhrase.of("pg.syncBroke",
                        location.hostAndPort(), PostgresErrors.detail(sql != null ? sql : broke[0])), broke[0]));
            }
            try {
                return inTransaction(c, work, commit, true);
            } catch (SQLException | org.jooq.exception.DataAccessException e) {
                broke[0] = e;
                throw e;
            }
        });
    }

    private static <T> T inTransaction(Connection c, Function<DSLContext, T> work, boolean commit, boolean durable)
            throws SQLException {
        c.setAutoCommit(false);
        boolean committed = false;
        try {
            if (durable) { // the writer session's default is off (outcomes), see the constructor
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL synchronous_commit = on");
                }
            }
            T result = work.apply(DSL.using(c, SQLDialect.POSTGRES));
            if (commit) {
                c.commit();
                committed = true;
            }
            return result;
        } finally {
            if (!committed) {
                rollbackQuietly(c);
            }
            restoreAutoCommit(c);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException e) {
            // The connection broke: the server rolled the transaction back; the session reconnects.
        }
    }

    private static void restoreAutoCommit(Connection c) {
        try {
            if (!c.isClosed()) {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            // As above: a broken connection is replaced whole by the session.
        }
    }

    private PostgresSession requireWriter() {
        if (writer == null) {
            throw new StoreException(DbPhrase.of("store.readOnly", location));
        }
        return writer;
    }

    private String now() {
        return UtcText.format(clock.instant());
    }
}
