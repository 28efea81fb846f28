package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.RUNS;
import static dev.stride.db.schema.Tables.SCORES;
import static org.jooq.impl.DSL.max;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.row;
import static org.jooq.impl.DSL.selectOne;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Json;
import dev.stride.core.KnownRuns;
import dev.stride.core.RecordStatus;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.Shard;
import dev.stride.core.ShellWords;
import dev.stride.db.schema.tables.records.RunsRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.InsertValuesStepN;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.Row3;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;

/**
 * Moves runs between checkpoint stores: {@link #copy} one run or all of them as they are, {@link #merge} the runs
 * of {@code --shard} files into one run over the whole input.
 *
 * <p>Everything goes through jOOQ's vendor-neutral API on a {@link DSLContext} per store, so the same code serves any
 * pair of stores jOOQ speaks to. The source is read in pages of {@link #PAGE} rows from one read snapshot, so
 * memory stays bounded whatever the size of the run, and the destination is written in one transaction: it holds
 * all of it or, after a refusal, a failure or a kill, nothing. The destination hands out its own run ids; rows keep
 * everything else, including each record's position (seq) in the input. Runs, records, predictions and scores are
 * copied: nothing about the processes that worked on a run.
 *
 * <p>Either store may be SQLite or PostgreSQL. They differ in one thing here: where the counters done, failed and
 * truncated live. SQLite keeps them in the run's row; PostgreSQL in slots that its trigger fills as outcomes come in
 * ({@code run_totals}), leaving the row's columns at 0. So a PostgreSQL source's rows get their counters from the
 * slots, and a PostgreSQL destination is left to count the outcomes it is given, once.
 */
public final class RunTransfer {
    /** Rows per page read from the source and per batch written to the destination. */
    static final int PAGE = 2000;

    /**
     * Rows per INSERT statement written to the destination: few enough that a statement's parameters (about 25 per
     * row) stay far below the limits of SQLite (32,766) and PostgreSQL (65,535).
     */
    static final int ROWS_PER_INSERT = 100;

    /** Never asked to stop: for callers without a stop to listen for. */
    private static final BooleanSupplier NEVER = () -> false;

    private final DbStore source;
    private final DbStore target;
    private final BooleanSupplier stopRequested;

    private RunTransfer(DbStore source, DbStore target, BooleanSupplier stopRequested) {
        this.source = source;
        this.target = target;
        this.stopRequested = stopRequested;
    }

    /**
     * A store as this class uses it: a name for messages (never a password), one read snapshot, one write
     * transaction, and whether its counters live in slots rather than in the run's row.
     */
    private record DbStore(String name, CheckpointStore store, boolean countsInSlots) {
        static DbStore of(CheckpointStore store) {
            if (store instanceof SqliteCheckpointStore sqlite) {
                return new DbStore(sqlite.file().toString(), sqlite, false);
            }
            if (store instanceof PostgresCheckpointStore postgres) {
                return new DbStore(postgres.location().shown(), postgres, true);
            }
            throw new IllegalArgumentException("not a store RunTransfer knows: " + store.getClass().getName());
        }

        <T> T read(Function<DSLContext, T> work) {
            return store instanceof PostgresCheckpointStore postgres ? postgres.readingOneSnapshot(work)
                    : ((SqliteCheckpointStore) store).readingOneSnapshot(work);
        }

        <T> T write(Function<DSLContext, T> work) {
            return store instanceof PostgresCheckpointStore postgres ? postgres.writingOneTransaction(work)
                    : ((SqliteCheckpointStore) store).writingOneTransaction(work);
        }

        /** The runs' rows with their counters as SQLite keeps them. */
        List<RunsRecord> withCounters(DSLContext dsl, List<RunsRecord> runs) {
            return countsInSlots ? PostgresCheckpointStore.fillTotals(dsl, runs) : runs;
        }
    }

    /**
     * Copies the run named {@code runName} (or, with null, every run) of {@code from} into {@code to}: settings,
     * input digest, records, outcomes, scores, counters, watermark, elapsed time and state, so the same
     * {@code stride run} goes on there as it would have on {@code from}, and its scoreboard reads the same.
     *
     * @return the copied runs as {@code to} now holds them
     * @throws TransferRefusedException when {@code from} has no such run (or none) or {@code to} already has a run
     *                                  of that name; nothing is written
     */
    public static List<RunInfo> copy(CheckpointStore from, CheckpointStore to, String runName) {
        return copy(from, to, runName, NEVER);
    }

    /**
     * As {@link #copy(CheckpointStore, CheckpointStore, String)}, given up when {@code stopRequested} says so: it is
     * asked before each page written and before the commit.
     *
     * @throws TransferStoppedException when a stop was asked for before the commit; nothing is written
     */
    public static List<RunInfo> copy(CheckpointStore from, CheckpointStore to, String runName,
                                     BooleanSupplier stopRequested) {
        RunTransfer transfer = new RunTransfer(DbStore.of(from), DbStore.of(to), stopRequested);
        List<String> names = transfer.copy(runName);
        return names.stream().map(name -> to.findRun(name).orElseThrow()).toList();
    }

    private List<String> copy(String runName) {
        return source.read(src -> {
            List<RunsRecord> runs = source.withCounters(src, src.selectFrom(RUNS)
                    .where(runName == null ? RUNS.NAME.isNotNull() : RUNS.NAME.eq(runName))
                    .orderBy(RUNS.RUN_ID)
                    .fetch());
            if (runs.isEmpty()) {
                throw runName == null
                        ? new TransferRefusedException(DbPhrase.of("copy.noRuns", source.name()))
                        : new TransferRefusedException(DbPhrase.of("copy.noSuchRun", source.name(), runName,
                                KnownRuns.of(src.select(RUNS.NAME).from(RUNS).orderBy(RUNS.RUN_ID)
                                        .fetch(RUNS.NAME), runName)));
            }
            return target.write(dest -> {
                for (RunsRecord run : runs) {
                    if (has(dest, run.getName())) {
                        throw new TransferRefusedException(DbPhrase.of("copy.exists", target.name(), run.getName(),
                                ShellWords.quoted(target.name()), ShellWords.quoted(run.getName())));
                    }
                }
                List<String> copied = new ArrayList<>();
                for (RunsRecord run : runs) {
                    RunsRecord row = run.copy();
                    // The copy holds no workers (they work on the source), so a run that was going is not there.
                    row.setState(run.getState().withNobodyAtWork());
                    if (target.countsInSlots()) {
                        // Its trigger counts the outcomes as copyRows inserts them; the row's columns stay 0 there.
                        row.setDone(0L);
                        row.setFailed(0L);
                        row.setTruncated(0L);
                    }
                    long id = insertRun(dest, row);
                    try {
                        copyRows(src, run.getRunId(), dest, id, stopRequested);
                    } catch (DestinationFailure e) {
                        throw e.failure();
                    }
                    var counters = dest.update(RUNS).set(RUNS.LOW_WATERMARK, run.getLowWatermark());
                    if (!target.countsInSlots()) {
                        // Set, not counted: SQLite's triggers counted the outcomes as they came in, and these are
                        // the same numbers.
                        counters = counters.set(RUNS.DONE, run.getDone())
                                .set(RUNS.FAILED, run.getFailed())
                                .set(RUNS.TRUNCATED, run.getTruncated());
                    }
                    counters.where(RUNS.RUN_ID.eq(id)).execute();
                    copied.add(run.getName());
                }
                checkNotStopped(stopRequested);
                return copied;
            });
        });
    }

    /**
     * Joins the runs of {@code shards} (one file per shard of a {@code --shard I/N} run) into one run in {@code to}
     * over the whole input: every record at its position in the input, every outcome and score, the counters summed,
     * the elapsed time the longest shard's (shards run side by side), the state done only if every record is.
     *
     * @param runName the run to take from each file, or null for the one run each file holds
     * @return the merged run as {@code to} now holds it
     * @throws TransferRefusedException when a file is not a shard, holds several runs and none is named, the shards'
     *                                  settings differ, a shard is missing or given twice, or {@code to} already has
     *                                  a run of that name; nothing is written
     */
    public static RunInfo merge(List<SqliteCheckpointStore> shards, SqliteCheckpointStore to, String runName) {
        return merge(shards, to, runName, NEVER);
    }

    /**
     * As {@link #merge(List, SqliteCheckpointStore, String)}, given up when {@code stopRequested} says so: it is asked
     * before each page written and before the commit.
     *
     * @throws TransferStoppedException when a stop was asked for before the commit; nothing is written
     */
    public static RunInfo merge(List<SqliteCheckpointStore> shards, SqliteCheckpointStore to, String runName,
                                BooleanSupplier stopRequested) {
        if (shards.isEmpty()) {
            throw new TransferRefusedException(DbPhrase.of("merge.noShards"));
        }
        List<ShardRun> runs = new ArrayList<>();
        for (SqliteCheckpointStore shard : shards) {
            runs.add(ShardRun.of(DbStore.of(shard), runName));
        }
        TreeMap<Integer, ShardRun> byIndex = checked(runs);
        RunsRecord merged = mergedRun(byIndex.values());
        writeMerged(DbStore.of(to), merged, byIndex.values(), stopRequested);
        return to.findRun(merged.getName()).orElseThrow();
    }

    /** The run of one shard file: its row, read once, and the file it is in. */
    private record ShardRun(DbStore file, RunsRecord run, Shard shard) {
        static ShardRun of(DbStore file, String runName) {
            return file.read(dsl -> {
                List<RunsRecord> runs = dsl.selectFrom(RUNS)
                        .where(runName == null ? RUNS.NAME.isNotNull() : RUNS.NAME.eq(runName))
                        .orderBy(RUNS.RUN_ID)
                        .fetch();
                if (runs.size() != 1) {
                    List<String> all = dsl.select(RUNS.NAME).from(RUNS).orderBy(RUNS.RUN_ID).fetch(RUNS.NAME);
                    throw runs.isEmpty() && runName != null
                            ? new TransferRefusedException(DbPhrase.of("merge.noSuchRun", file.name(), runName,
                                    KnownRuns.of(all, runName)))
                            : runs.isEmpty()
                            ? new TransferRefusedException(DbPhrase.of("merge.noRuns", file.name()))
                            : new TransferRefusedException(DbPhrase.of("merge.whichRun", file.name(),
                                    KnownRuns.of(all, null)));
                }
                RunsRecord run = runs.get(0);
                if (run.getShard() == null) {
                    throw new TransferRefusedException(DbPhrase.of("merge.notAShard", file.name(), run.getName(),
                            ShellWords.quoted(run.getName()), ShellWords.quoted(file.name().toString())));
                }
                return new ShardRun(file, run, Shard.parse(run.getShard()));
            });
        }
    }

    /** The shards by index, once each settings, count and indexes are checked against the first file's. */
    private static TreeMap<Integer, ShardRun> checked(List<ShardRun> runs) {
        ShardRun first = runs.get(0);
        // The first shard that knows its output rules, and the first that knows its input: an unknown one (null) is
        // held to none, and every known one to the first of them, whatever the order the files are given in.
        ShardRun firstWithRules = null;
        ShardRun firstWithInput = null;
        TreeMap<Integer, ShardRun> byIndex = new TreeMap<>();
        for (ShardRun r : runs) {
            differs(r, first, "model", r.run().getModel(), first.run().getModel());
            differs(r, first, "template", r.run().getTemplate(), first.run().getTemplate());
            differs(r, first, "params", r.run().getParams(), first.run().getParams());
            differs(r, first, "shards", r.shard().count(), first.shard().count());
            // Without --run each file's one run is taken, whatever its name: another name is another run (another
            // attempt, say, perhaps of another model the server calls by the same name), not a shard of this one.
            differs(r, first, "run name", r.run().getName(), first.run().getName());
            // As the input: only two shards that keep their rules can differ in them (null: made before runs did).
            // Re-asks for JSON (json_retries) are how hard a shard tried, as --retries is: not what its answers are.
            if (r.run().getOutputRules() != null) {
                if (firstWithRules == null) {
                    firstWithRules = r;
                }
                differs(r, firstWithRules, "output rules", answerRules(r.run()), answerRules(firstWithRules.run()));
            }
            // Unknown (null) where a sync did not record it: only two known digests can tell inputs apart.
            if (r.run().getInputDigest() != null) {
                if (firstWithInput == null) {
                    firstWithInput = r;
                }
                if (!r.run().getInputDigest().equals(firstWithInput.run().getInputDigest())) {
                    // The hashes mean nothing to a reader: what happened (another file, or one edited between two
                    // shards' runs) and the way out.
                    throw new TransferRefusedException(DbPhrase.of("merge.inputDiffers", r.file().name(),
                            firstWithInput.file().name(), r.shard(), firstWithInput.shard()));
                }
            }
            ShardRun twin = byIndex.putIfAbsent(r.shard().index(), r);
            if (twin != null) {
                throw new TransferRefusedException(DbPhrase.of("merge.doubled", r.file().name(), r.shard(),
                        twin.file().name()));
            }
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < first.shard().count(); i++) {
            if (!byIndex.containsKey(i)) {
                missing.add(new Shard(i, first.shard().count()).toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new TransferRefusedException(DbPhrase.of("merge.missing", String.join(", ", missing),
                    first.shard().count(), runs.size()));
        }
        return byIndex;
    }

    /** Kept output rules less their re-asks for JSON: {@code --extract} and {@code --json-output}. */
    private static String answerRules(RunsRecord run) {
        JsonNode rules = Json.read(run.getOutputRules(), DbPhrase.of("json.storedOutputRules", run.getName()));
        if (rules instanceof ObjectNode object) {
            object.remove("json_retries");
        }
        return rules.toString();
    }

    private static void differs(ShardRun r, ShardRun first, String setting, Object value, Object firstValue) {
        if (!Objects.equals(value, firstValue)) {
            throw new TransferRefusedException(DbPhrase.of("merge.differs", r.file().name(), setting, value,
                    first.file().name(), firstValue));
        }
    }

    /**
     * The merged run's row: the shards' settings (checked alike), created when the first shard was, saved when the
     * last one was, the elapsed time of the longest shard (they ran side by side), no shard; its counters are counted
     * once its rows are written. What may differ between shards is joined: the servers are every shard's, in shard
     * order, each once, as one run served by all those machines would list them; the live scoring is the one the
     * shards that keep one agree on, else none.
     */
    private static RunsRecord mergedRun(Iterable<ShardRun> shards) {
        RunsRecord merged = null;
        long elapsed = 0;
        LinkedHashSet<String> servers = new LinkedHashSet<>();
        List<LiveScoring> scorings = new ArrayList<>();
        for (ShardRun s : shards) {
            RunsRecord r = s.run();
            if (merged == null) {
                merged = r.copy();
            }
            servers.addAll(Json.readStrings(r.getBaseUrls(), DbPhrase.of("json.storedBaseUrls", r.getName())));
            if (r.getScoringMetric() != null) {
                LiveScoring way = new LiveScoring(r.getScoringMetric(), r.getScoringLabelField(),
                        r.getScoringExtract());
                if (!scorings.contains(way)) {
                    scorings.add(way);
                }
            }
            elapsed = Math.max(elapsed, r.getElapsedMs());
            if (r.getCreatedAt().compareTo(merged.getCreatedAt()) < 0) {
                merged.setCreatedAt(r.getCreatedAt());
            }
            if (r.getSavedAt().compareTo(merged.getSavedAt()) > 0) {
                merged.setSavedAt(r.getSavedAt());
            }
            if (!Objects.equals(r.getInputDigest(), merged.getInputDigest())) {
                merged.setInputDigest(null);
            }
        }
        merged.setElapsedMs(elapsed);
        merged.setBaseUrls(Json.strings(List.copyOf(servers)));
        // Shards scored live two ways leave the merged run none: a resume told nothing then scores as its stored
        // scores say (and says so when they say several ways), rather than as one shard happened to.
        LiveScoring scoring = scorings.size() == 1 ? scorings.get(0) : new LiveScoring(null, null, null);
        merged.setScoringMetric(scoring.metric());
        merged.setScoringLabelField(scoring.labelField());
        merged.setScoringExtract(scoring.extract());
        merged.setShard(null);
        merged.setHeartbeatAt(null);
        return merged;
    }

    /** The way a run keeps for scoring its answers as they arrive (its scoring_* columns). */
    private record LiveScoring(String metric, String labelField, String extract) {
    }

    private static void writeMerged(DbStore target, RunsRecord merged, Iterable<ShardRun> shards,
                                    BooleanSupplier stopRequested) {
        target.write(dest -> {
            if (has(dest, merged.getName())) {
                throw new TransferRefusedException(DbPhrase.of("merge.exists", target.name(), merged.getName(),
                        ShellWords.quoted(target.name()), ShellWords.quoted(merged.getName())));
            }
            long id = insertRun(dest, merged);
            for (ShardRun s : shards) {
                try {
                    s.file().read(src -> {
                        copyRows(src, s.run().getRunId(), dest, id, stopRequested);
                        return null;
                    });
                } catch (DestinationFailure e) {
                    // Thrown as it is here, in the merged file's transaction: the shard's read, which it went
                    // through, would have said it of the shard (its disk full, when the merged file's is).
                    throw e.failure();
                }
            }
            // Counted from the rows just written: a shard still being written when its row was read has moved on
            // since, and the merged counters must be those of the records and outcomes the merged run holds.
            long total = dest.fetchCount(RECORDS, RECORDS.RUN_ID.eq(id));
            long done = dest.fetchCount(PREDICTIONS, PREDICTIONS.RUN_ID.eq(id)
                    .and(PREDICTIONS.STATUS.eq(RecordStatus.DONE)));
            long failed = dest.fetchCount(PREDICTIONS, PREDICTIONS.RUN_ID.eq(id)
                    .and(PREDICTIONS.STATUS.eq(RecordStatus.FAILED)));
            long truncated = dest.fetchCount(PREDICTIONS, PREDICTIONS.RUN_ID.eq(id)
                    .and(PREDICTIONS.STATUS.eq(RecordStatus.DONE)).and(PREDICTIONS.FINISH_REASON.eq("length")));
            // Done only if every record is; with records left, a stride run on the merged file goes on with them.
            RunState state = total - done - failed > 0 ? RunState.INTERRUPTED
                    : failed > 0 ? RunState.DONE_WITH_FAILURES : RunState.DONE;
            dest.update(RUNS)
                    .set(RUNS.TOTAL, total)
                    .set(RUNS.DONE, done)
                    .set(RUNS.FAILED, failed)
                    .set(RUNS.TRUNCATED, truncated)
                    .set(RUNS.STATE, state)
                    .set(RUNS.LOW_WATERMARK, lowWatermark(dest, id))
                    .where(RUNS.RUN_ID.eq(id))
                    .execute();
            checkNotStopped(stopRequested);
            return null;
        });
    }

    /**
     * Throws, inside the destination's transaction, which rolls it back, when a stop was asked for: a copy cut short
     * by Ctrl+C or SIGTERM then leaves the destination as it was, instead of ending the process mid-transaction.
     */
    private static void checkNotStopped(BooleanSupplier stopRequested) {
        if (stopRequested.getAsBoolean()) {
            throw new TransferStoppedException();
        }
    }

    private static boolean has(DSLContext dest, String name) {
        return dest.fetchExists(RUNS, RUNS.NAME.eq(name));
    }

    /** Inserts a run's row as it is but for its id, which the destination hands out. */
    private static long insertRun(DSLContext dest, RunsRecord run) {
        RunsRecord row = dest.newRecord(RUNS, run);
        row.changed(RUNS.RUN_ID, false);
        row.setRunId(null);
        row.changed(RUNS.RUN_ID, false);
        // Counted from 0 by the destination's triggers as the outcomes come in, on either vendor: the same sums.
        row.setTokensIn(0L);
        row.setTokensOut(0L);
        row.setUsageReported(0L);
        return dest.insertInto(RUNS)
                .set(row)
                .returningResult(RUNS.RUN_ID)
                .fetchOne(RUNS.RUN_ID);
    }

    /**
     * A run's records, outcomes and scores, page by page in input order, under the destination's run id. A score is
     * kept as it is, stale ones too: it names the answer (finished_at) and the record text (content_hash) it scored,
     * both copied unchanged, so it holds, or is stale, there as here, and {@code stride score} redoes the same rows.
     * Shards hold disjoint records, so their scores never meet in the merged run: each keeps its metric and label
     * field (a shard scored another way shows as its own, smaller row of the scoreboard).
     */
    private static void copyRows(DSLContext src, long fromRun, DSLContext dest, long toRun,
                                 BooleanSupplier stopRequested) {
        int seqAt = RECORDS.indexOf(RECORDS.SEQ);
        long after = Long.MIN_VALUE;
        while (true) {
            List<Object[]> page = rows(src, src.select(RECORDS.fields()).from(RECORDS)
                    .where(RECORDS.RUN_ID.eq(fromRun)).and(RECORDS.SEQ.gt(after))
                    .orderBy(RECORDS.SEQ).limit(PAGE));
            if (page.isEmpty()) {
                break;
            }
            checkNotStopped(stopRequested);
            insert(dest, RECORDS, RECORDS.RUN_ID, toRun, page);
            after = ((Number) page.get(page.size() - 1)[seqAt]).longValue();
        }
        // An outcome's row, then its record's seq, which orders and pages them.
        int outcomeSeqAt = PREDICTIONS.fields().length;
        after = Long.MIN_VALUE;
        while (true) {
            List<Object[]> page = rows(src, src.select(PREDICTIONS.fields()).select(RECORDS.SEQ)
                    .from(PREDICTIONS)
                    .join(RECORDS).on(RECORDS.RUN_ID.eq(PREDICTIONS.RUN_ID)
                            .and(RECORDS.RECORD_ID.eq(PREDICTIONS.RECORD_ID)))
                    .where(PREDICTIONS.RUN_ID.eq(fromRun)).and(RECORDS.SEQ.gt(after))
                    .orderBy(RECORDS.SEQ).limit(PAGE));
            if (page.isEmpty()) {
                break;
            }
            checkNotStopped(stopRequested);
            insert(dest, PREDICTIONS, PREDICTIONS.RUN_ID, toRun, page);
            after = ((Number) page.get(page.size() - 1)[outcomeSeqAt]).longValue();
        }
        int[] keyAt = {SCORES.indexOf(SCORES.RECORD_ID), SCORES.indexOf(SCORES.METRIC),
            SCORES.indexOf(SCORES.LABEL_FIELD)};
        Row3<String, String, String> afterKey = null;
        while (true) {
            // Paged by the rest of the table's primary key: a record may have several scores (metrics, label fields).
            List<Object[]> page = rows(src, src.select(SCORES.fields()).from(SCORES)
                    .where(SCORES.RUN_ID.eq(fromRun))
                    .and(afterKey == null ? noCondition()
                            : row(SCORES.RECORD_ID, SCORES.METRIC, SCORES.LABEL_FIELD).gt(afterKey))
                    .orderBy(SCORES.RECORD_ID, SCORES.METRIC, SCORES.LABEL_FIELD).limit(PAGE));
            if (page.isEmpty()) {
                break;
            }
            checkNotStopped(stopRequested);
            insert(dest, SCORES, SCORES.RUN_ID, toRun, page);
            Object[] last = page.get(page.size() - 1);
            afterKey = row((String) last[keyAt[0]], (String) last[keyAt[1]], (String) last[keyAt[2]]);
        }
    }

    /**
     * The rows of a page, each the values of its columns as the source's driver reads them: neither jOOQ records nor
     * its converters, which cost as much as the writing itself and would only turn each value back into what it was.
     * The types of the two vendors' columns are the same (TEXT, INTEGER, BIGINT), so the values are written as read.
     */
    private static List<Object[]> rows(DSLContext src, ResultQuery<?> query) {
        return src.connectionResult(c -> {
            try (PreparedStatement statement = c.prepareStatement(src.render(query))) {
                List<Object> binds = src.extractBindValues(query);
                for (int i = 0; i < binds.size(); i++) {
                    statement.setObject(i + 1, binds.get(i));
                }
                try (ResultSet rs = statement.executeQuery()) {
                    int width = rs.getMetaData().getColumnCount();
                    List<Object[]> rows = new ArrayList<>(PAGE);
                    while (rs.next()) {
                        Object[] row = new Object[width];
                        for (int i = 0; i < width; i++) {
                            row[i] = rs.getObject(i + 1);
                        }
                        rows.add(row);
                    }
                    return rows;
                }
            }
        });
    }

    /**
     * Writes a page of rows into {@code table} of the destination, every column as it was read ({@link #rows}) but
     * {@code runId}, which becomes {@code toRun}: as INSERTs of {@link #ROWS_PER_INSERT} rows each, rendered once per
     * page and run as one JDBC batch. Both halves of that matter on SQLite. jOOQ's batchInsert of records rendered a
     * statement of its own for each record (most of a copy's CPU); and a statement that inserts one row under a
     * trigger or a foreign key has SQLite save each page it touches to a statement journal first, so one INSERT per
     * row wrote every page of the run's tables many times over (3 million writes for a run of 400,000 answers, against
     * 250,000 for one INSERT ... SELECT). A failure of it (the destination's disk full) leaves as a {@link
     * DestinationFailure}, so that the source's read it happens in does not say it of the source.
     */
    private static <R extends Record> void insert(DSLContext dest, Table<R> table, Field<Long> runId, long toRun,
                                                  List<Object[]> page) {
        Field<?>[] columns = table.fields();
        int[] sqlTypes = new int[columns.length];
        for (int i = 0; i < columns.length; i++) {
            sqlTypes[i] = columns[i].getDataType().getSQLType();
        }
        int runIdAt = table.indexOf(runId);
        int whole = page.size() / ROWS_PER_INSERT * ROWS_PER_INSERT;
        try {
            dest.connection(c -> {
                if (whole > 0) {
                    try (PreparedStatement statement = c.prepareStatement(
                            dest.render(insertOf(dest, table, columns, ROWS_PER_INSERT)))) {
                        for (int from = 0; from < whole; from += ROWS_PER_INSERT) {
                            bind(statement, page, from, ROWS_PER_INSERT, sqlTypes, runIdAt, toRun);
                            statement.addBatch();
                        }
                        statement.executeBatch();
                    }
                }
                if (whole < page.size()) {
                    // The page's last rows, fewer than a statement's: one statement of their own.
                    try (PreparedStatement statement = c.prepareStatement(
                            dest.render(insertOf(dest, table, columns, page.size() - whole)))) {
                        bind(statement, page, whole, page.size() - whole, sqlTypes, runIdAt, toRun);
                        statement.executeUpdate();
                    }
                }
            });
        } catch (DataAccessException e) {
            throw new DestinationFailure(e);
        }
    }

    /** Binds {@code rows} rows of {@code page} from {@code from} on, the run id replaced; a null typed by its column. */
    private static void bind(PreparedStatement statement, List<Object[]> page, int from, int rows, int[] sqlTypes,
                             int runIdAt, long toRun) throws SQLException {
        int parameter = 1;
        for (int row = from; row < from + rows; row++) {
            Object[] values = page.get(row);
            for (int i = 0; i < sqlTypes.length; i++, parameter++) {
                Object value = i == runIdAt ? (Object) toRun : values[i];
                if (value == null) {
                    statement.setNull(parameter, sqlTypes[i]);
                } else {
                    statement.setObject(parameter, value);
                }
            }
        }
    }

    /** An INSERT of {@code rows} rows into every column of {@code table}, each value a parameter bound later. */
    private static <R extends Record> InsertValuesStepN<R> insertOf(DSLContext dest, Table<R> table,
                                                                   Field<?>[] columns, int rows) {
        InsertValuesStepN<R> insert = dest.insertInto(table).columns(columns).values(new Object[columns.length]);
        for (int row = 1; row < rows; row++) {
            insert = insert.values(new Object[columns.length]);
        }
        return insert;
    }

    /** A statement of the destination's that failed inside a read of the source: rethrown by the destination's work. */
    private static final class DestinationFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DestinationFailure(DataAccessException failure) {
            super(failure);
        }

        DataAccessException failure() {
            return (DataAccessException) getCause();
        }
    }

    /** The first seq without an outcome, or one past the last record: what the store's own cursor would say. */
    private static long lowWatermark(DSLContext dsl, long runId) {
        Long first = dsl.select(RECORDS.SEQ).from(RECORDS)
                .where(RECORDS.RUN_ID.eq(runId))
                .and(notExists(selectOne().from(PREDICTIONS)
                        .where(PREDICTIONS.RUN_ID.eq(RECORDS.RUN_ID))
                        .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID))))
                .orderBy(RECORDS.SEQ).limit(1).fetchOne(RECORDS.SEQ);
        if (first != null) {
            return first;
        }
        Long last = dsl.select(max(RECORDS.SEQ)).from(RECORDS).where(RECORDS.RUN_ID.eq(runId))
                .fetchOne().value1();
        return last == null ? 0 : last + 1;
    }
}
