package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.RUNS;
import static dev.stride.db.schema.Tables.WORKERS;

import dev.stride.core.AnsweredAlone;
import dev.stride.core.AnsweredPair;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.Json;
import dev.stride.core.LiveWorkersException;
import dev.stride.core.Phrase;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunMadeMeanwhileException;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.StopReason;
import dev.stride.db.schema.tables.Predictions;
import dev.stride.db.schema.tables.Records;
import dev.stride.db.schema.tables.records.RunsRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record4;
import org.jooq.Record5;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The statements both stores run alike, whatever the database: each store brings its own connection and transaction
 * (a {@code reading} or {@code writing} that runs the work), these bring the words.
 */
final class RunRows {
    private static final int RESULT_PAGE = 1000;

    private RunRows() {
    }

    /**
     * Every record of the run with its outcome, in input order, in keyset pages that are each a short read: a slow
     * sink (a file being written) never holds a read transaction open, and memory holds one page whatever the size
     * of the run.
     */
    static void forEachResult(Function<Function<DSLContext, List<ResultRow>>, List<ResultRow>> reading, long runId,
                              Consumer<ResultRow> sink) {
        long after = -1;
        while (true) {
            long from = after;
            List<ResultRow> page = reading.apply(dsl -> dsl
                    .select(RECORDS.SEQ, RECORDS.RECORD_ID, RECORDS.PAYLOAD)
                    .select(PREDICTIONS.fields())
                    .from(RECORDS)
                    .leftJoin(PREDICTIONS).on(PREDICTIONS.RUN_ID.eq(RECORDS.RUN_ID)
                            .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID)))
                    .where(RECORDS.RUN_ID.eq(runId))
                    .and(RECORDS.SEQ.gt(from))
                    .orderBy(RECORDS.SEQ)
                    .limit(RESULT_PAGE)
                    .fetch(SqliteCheckpointStore::resultRow));
            page.forEach(sink);
            if (page.size() < RESULT_PAGE) {
                return;
            }
            after = page.get(page.size() - 1).seq();
        }
    }

    /**
     * The records both runs answered, paired by record id in SQL, in run A's input order: keyset pages over run A's
     * positions, each a short read, as {@link #forEachResult} reads (a slow sink never holds a read transaction
     * open, memory holds one page). Only the columns a comparison reads are fetched: each run's copy of the record
     * and its answer.
     */
    static void forEachAnsweredByBoth(Function<Function<DSLContext, List<AnsweredPair>>, List<AnsweredPair>> reading,
                                      long runA, long runB, Consumer<AnsweredPair> sink) {
        Records ra = RECORDS.as("ra");
        Records rb = RECORDS.as("rb");
        Predictions pa = PREDICTIONS.as("pa");
        Predictions pb = PREDICTIONS.as("pb");
        long after = -1;
        while (true) {
            long from = after;
            List<AnsweredPair> page = reading.apply(dsl -> dsl
                    .select(ra.RECORD_ID, ra.SEQ, ra.PAYLOAD, pa.OUTPUT, rb.SEQ, rb.PAYLOAD, pb.OUTPUT)
                    .from(ra)
                    .join(pa).on(pa.RUN_ID.eq(ra.RUN_ID).and(pa.RECORD_ID.eq(ra.RECORD_ID))
                            .and(pa.STATUS.eq(RecordStatus.DONE)))
                    .join(rb).on(rb.RUN_ID.eq(runB).and(rb.RECORD_ID.eq(ra.RECORD_ID)))
                    .join(pb).on(pb.RUN_ID.eq(rb.RUN_ID).and(pb.RECORD_ID.eq(rb.RECORD_ID))
                            .and(pb.STATUS.eq(RecordStatus.DONE)))
                    .where(ra.RUN_ID.eq(runA))
                    .and(ra.SEQ.gt(from))
                    .orderBy(ra.SEQ)
                    .limit(RESULT_PAGE)
                    .fetch(r -> new AnsweredPair(r.value1(), r.value2(), r.value3(), text(r.value4()), r.value5(),
                            r.value6(), text(r.value7()))));
            page.forEach(sink);
            if (page.size() < RESULT_PAGE) {
                return;
            }
            after = page.get(page.size() - 1).seqA();
        }
    }

    private static String text(String output) {
        return output == null ? "" : output;
    }

    /** The records {@code runId} answered that {@code other} has not answered: counted, the first few named. */
    static AnsweredAlone answeredAlone(DSLContext dsl, long runId, long other, int examples) {
        Predictions po = PREDICTIONS.as("po");
        Condition alone = PREDICTIONS.RUN_ID.eq(runId).and(PREDICTIONS.STATUS.eq(RecordStatus.DONE))
                .andNotExists(DSL.selectOne().from(po).where(po.RUN_ID.eq(other))
                        .and(po.RECORD_ID.eq(PREDICTIONS.RECORD_ID)).and(po.STATUS.eq(RecordStatus.DONE)));
        long count = dsl.selectCount().from(PREDICTIONS).where(alone).fetchOne(0, Long.class);
        if (count == 0 || examples <= 0) {
            return new AnsweredAlone(count, List.of());
        }
        List<String> first = dsl.select(RECORDS.RECORD_ID)
                .from(RECORDS)
                .join(PREDICTIONS).on(PREDICTIONS.RUN_ID.eq(RECORDS.RUN_ID)
                        .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID)))
                .where(RECORDS.RUN_ID.eq(runId))
                .and(alone)
                .orderBy(RECORDS.SEQ)
                .limit(examples)
                .fetch(RECORDS.RECORD_ID);
        return new AnsweredAlone(count, first);
    }

    /**
     * The run's id, its row made first when the run is new (with every setting of {@code spec}, the shard included);
     * an existing run only takes the base URLs given.
     *
     * <p>The caller decided "new run" or "this run, with these settings" on a read made before its write transaction;
     * another command may have made the run in between (two workers started together). Looked at again here, inside
     * the write transaction: a run whose settings are not {@code spec}'s is not synced, let alone taken over.
     *
     * @throws RunMadeMeanwhileException when the run exists with other settings than {@code spec}'s
     */
    static Found findOrCreate(DSLContext dsl, RunSpec spec, String now) {
        RunsRecord existing = dsl.selectFrom(RUNS).where(RUNS.NAME.eq(spec.name())).fetchOne();
        if (existing != null) {
            if (!sameSettings(existing, spec)) {
                throw new RunMadeMeanwhileException(spec.name());
            }
            updateBaseUrls(dsl, existing.getRunId(), spec.baseUrls());
            return new Found(existing.getRunId(), false);
        }
        return new Found(dsl.insertInto(RUNS)
                .set(RUNS.NAME, spec.name())
                .set(RUNS.MODEL, spec.model())
                .set(RUNS.BASE_URLS, Json.strings(spec.baseUrls()))
                .set(RUNS.TEMPLATE, spec.template())
                .set(RUNS.PARAMS, spec.params().canonicalJson())
                .set(RUNS.SHARD, spec.shard() == null ? null : spec.shard().toString())
                .set(RUNS.OUTPUT_RULES, spec.outputRulesJson())
                .set(RUNS.CREATED_AT, now)
                .set(RUNS.SAVED_AT, now)
                .set(RUNS.STATE, RunState.RUNNING)
                .returningResult(RUNS.RUN_ID)
                .fetchOne(RUNS.RUN_ID), true);
    }

    /** Whether the stored run has the settings of {@code spec} (the base URLs aside: those a sync may change). */
    private static boolean sameSettings(RunsRecord run, RunSpec spec) {
        return run.getModel().equals(spec.model()) && run.getTemplate().equals(spec.template())
                && GenerationParams.fromJson(run.getParams()).canonicalJson().equals(spec.params().canonicalJson())
                && Objects.equals(run.getShard(), spec.shard() == null ? null : spec.shard().toString())
                // Unknown (null) for a run made before runs kept them, or a spec that keeps none.
                && (run.getOutputRules() == null || spec.outputRulesJson() == null
                || run.getOutputRules().equals(spec.outputRulesJson()));
    }

    /** A run's id, and whether this sync made it. */
    record Found(long runId, boolean created) {
    }

    /**
     * Keeps {@code why} a session stopped the run, with its last cursor ({@code stored}, the state that cursor stored):
     * only while the run is stored stopped. Done, interrupted, or running for other workers at work, it keeps none.
     */
    static void keepStopReason(DSLContext dsl, long runId, RunState stored, StopReason why) {
        StopReason kept = stored.label().equals(RunState.STOPPED.label()) ? why : null;
        dsl.update(RUNS).set(RUNS.STOP_REASON, kept == null ? null : kept.english())
                .set(RUNS.STOP_PHRASE, kept == null ? null : kept.phraseJson())
                .where(RUNS.RUN_ID.eq(runId)).execute();
    }

    /** Forgets why an earlier session stopped the run; writes nothing when none is kept. */
    static void forgetStopReason(DSLContext dsl, long runId) {
        dsl.update(RUNS).setNull(RUNS.STOP_REASON).setNull(RUNS.STOP_PHRASE)
                .where(RUNS.RUN_ID.eq(runId)).and(RUNS.STOP_REASON.isNotNull()).execute();
    }

    static int keepOutputRules(DSLContext dsl, long runId, String outputRulesJson) {
        return dsl.update(RUNS).set(RUNS.OUTPUT_RULES, outputRulesJson).where(RUNS.RUN_ID.eq(runId)).execute();
    }

    static int updateBaseUrls(DSLContext dsl, long runId, List<String> baseUrls) {
        return dsl.update(RUNS).set(RUNS.BASE_URLS, Json.strings(baseUrls)).where(RUNS.RUN_ID.eq(runId)).execute();
    }

    /**
     * Records, predictions, workers and claims go with the run by ON DELETE CASCADE; a run with live workers is
     * refused, whole, in the same transaction (see {@link #refuseLive}).
     *
     * @param where the database, as messages name it
     */
    static boolean clearRun(DSLContext dsl, String name, Instant now, Object where) {
        lockForClearing(dsl, RUNS.NAME.eq(name));
        refuseLive(dsl, RUNS.NAME.eq(name), now, where);
        return dsl.deleteFrom(RUNS).where(RUNS.NAME.eq(name)).execute() > 0;
    }

    /** As {@link #clearRun}, for every run: one with live workers keeps them all. */
    static int clearAll(DSLContext dsl, Instant now, Object where) {
        lockForClearing(dsl, DSL.trueCondition());
        refuseLive(dsl, DSL.trueCondition(), now, where);
        return dsl.deleteFrom(RUNS).execute();
    }

    /**
     * SQLite's IMMEDIATE transaction already keeps every other writer out. On PostgreSQL the runs' rows are locked
     * before their workers are read: a worker joining this instant (its row references the run's) is waited for and
     * then seen, or it waits for this transaction and finds the run gone.
     */
    private static void lockForClearing(DSLContext dsl, Condition runs) {
        if (dsl.dialect().family() == SQLDialect.POSTGRES) {
            dsl.select(RUNS.RUN_ID).from(RUNS).where(runs).forUpdate().fetch();
        }
    }

    /**
     * Throws a {@link LiveWorkersException} naming the runs of {@code runs} that have live workers (a lease not run
     * out at {@code now}, as {@code status} lists them), each with its workers' host and pid, and when the last of
     * those leases runs out: a worker killed on another machine counts until then. Its workers' writes would fail on a run
     * deleted under them (a foreign key on SQLite, a deadlock on PostgreSQL), after hours of paid answers are gone.
     */
    static void refuseLive(DSLContext dsl, Condition runs, Instant now, Object where) {
        refuseLive(dsl, runs, now, where, LiveRefusal.CLEAR);
    }

    /** What a command refused for live workers says it did not do. */
    enum LiveRefusal {
        CLEAR, MERGE;

        Phrase phrase(Object... args) {
            return this == CLEAR ? DbPhrase.of("clear.liveWorkers", args) : DbPhrase.of("merge.liveWorkers", args);
        }
    }

    /** As {@link #refuseLive(DSLContext, Condition, Instant, Object)}, in the words of {@code refusal}. */
    static void refuseLive(DSLContext dsl, Condition runs, Instant now, Object where, LiveRefusal refusal) {
        Result<Record5<String, String, Long, String, String>> live = dsl
                .select(RUNS.NAME, WORKERS.HOST, WORKERS.PID, WORKERS.LEASE_UNTIL, WORKERS.WORKER_ID)
                .from(WORKERS).join(RUNS).on(RUNS.RUN_ID.eq(WORKERS.RUN_ID))
                .where(runs).and(WORKERS.LEASE_UNTIL.gt(UtcText.format(now)))
                .orderBy(RUNS.NAME, WORKERS.NUMBER)
                .fetch();
        // A worker of this machine whose process ended (kill -9) is gone now, whatever its lease says.
        live.removeIf(w -> Workforce.goneFromThisHost(w.value2(), w.value3(), w.value5()));
        if (live.isEmpty()) {
            return;
        }
        Map<String, List<String>> byRun = new LinkedHashMap<>();
        Instant lastLease = now;
        for (var w : live) {
            byRun.computeIfAbsent(w.value1(), k -> new ArrayList<>()).add(w.value2() + " pid " + w.value3());
            Instant until = UtcText.parse(w.value4(), "workers.lease_until");
            lastLease = until.isAfter(lastLease) ? until : lastLease;
        }
        List<String> names = byRun.keySet().stream().map(n -> "'" + n + "'").toList();
        String workers = byRun.size() == 1 ? String.join(", ", byRun.values().iterator().next())
                : byRun.entrySet().stream().map(e -> "'" + e.getKey() + "': " + String.join(", ", e.getValue()))
                        .collect(Collectors.joining("; "));
        long seconds = Math.max(1, (Duration.between(now, lastLease).toMillis() + 999) / 1000);
        throw new LiveWorkersException(refusal.phrase(byRun.size(), names, where, live.size(),
                workers, seconds));
    }

    /** The records without an outcome (with {@code includeFailed} also failed ones) after {@code afterSeq}, in input order. */
    static List<InputRecord> openRecords(DSLContext dsl, long runId, long afterSeq, int limit, boolean includeFailed) {
        Condition open = includeFailed
                ? PREDICTIONS.STATUS.isNull().or(PREDICTIONS.STATUS.eq(RecordStatus.FAILED))
                : PREDICTIONS.STATUS.isNull();
        return dsl
                .select(RECORDS.SEQ, RECORDS.RECORD_ID, RECORDS.LINE, RECORDS.PAYLOAD, RECORDS.CONTENT_HASH)
                .from(RECORDS)
                .leftJoin(PREDICTIONS).on(PREDICTIONS.RUN_ID.eq(RECORDS.RUN_ID)
                        .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID)))
                .where(RECORDS.RUN_ID.eq(runId))
                .and(RECORDS.SEQ.gt(afterSeq))
                .and(open)
                .orderBy(RECORDS.SEQ)
                .limit(limit)
                .fetch(r -> new InputRecord(r.value1(), r.value2(), r.value3(), r.value4(), r.value5()));
    }

    /**
     * The first record a run of {@code spec} would send, read inside a sync's transaction (a preview's, before its
     * rollback); null when the run has none left or is not there.
     */
    static InputRecord firstToSend(DSLContext dsl, RunSpec spec, boolean includeFailed) {
        Long runId = dsl.select(RUNS.RUN_ID).from(RUNS).where(RUNS.NAME.eq(spec.name())).fetchOne(RUNS.RUN_ID);
        if (runId == null) {
            return null;
        }
        List<InputRecord> first = openRecords(dsl, runId, -1, 1, includeFailed);
        return first.isEmpty() ? null : first.get(0);
    }
}
