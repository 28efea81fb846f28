package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.RUNS;

import dev.stride.core.Json;
import dev.stride.core.ResultRow;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jooq.DSLContext;

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
     * The run's id, its row made first when the run is new (with every setting of {@code spec}, the shard included);
     * an existing run only takes the base URLs given.
     */
    static Found findOrCreate(DSLContext dsl, RunSpec spec, String now) {
        Long existing = dsl.select(RUNS.RUN_ID).from(RUNS).where(RUNS.NAME.eq(spec.name())).fetchOne(RUNS.RUN_ID);
        if (existing != null) {
            updateBaseUrls(dsl, existing, spec.baseUrls());
            return new Found(existing, false);
        }
        return new Found(dsl.insertInto(RUNS)
                .set(RUNS.NAME, spec.name())
                .set(RUNS.MODEL, spec.model())
                .set(RUNS.BASE_URLS, Json.strings(spec.baseUrls()))
                .set(RUNS.TEMPLATE, spec.template())
                .set(RUNS.PARAMS, spec.params().canonicalJson())
                .set(RUNS.SHARD, spec.shard() == null ? null : spec.shard().toString())
                .set(RUNS.CREATED_AT, now)
                .set(RUNS.SAVED_AT, now)
                .set(RUNS.STATE, RunState.RUNNING)
                .returningResult(RUNS.RUN_ID)
                .fetchOne(RUNS.RUN_ID), true);
    }

    /** A run's id, and whether this sync made it. */
    record Found(long runId, boolean created) {
    }

    static int updateBaseUrls(DSLContext dsl, long runId, List<String> baseUrls) {
        return dsl.update(RUNS).set(RUNS.BASE_URLS, Json.strings(baseUrls)).where(RUNS.RUN_ID.eq(runId)).execute();
    }

    /** Records, predictions, workers and claims go with the run by ON DELETE CASCADE. */
    static boolean clearRun(DSLContext dsl, String name) {
        return dsl.deleteFrom(RUNS).where(RUNS.NAME.eq(name)).execute() > 0;
    }

    static int clearAll(DSLContext dsl) {
        return dsl.deleteFrom(RUNS).execute();
    }
}
