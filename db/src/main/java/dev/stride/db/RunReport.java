package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RUNS;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.min;

import dev.stride.core.RecordStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.sqlite.SQLiteDataSource;

/**
 * A closer look at one run, for {@code stride status --run NAME}: which servers answered, how answers finished,
 * which errors failed records (with an example each), and latency percentiles. Read-only, like status.
 *
 * @param byServer      done outputs per server base URL ("-" where none was recorded)
 * @param finishReasons done outputs per finish reason
 * @param errors        failed records per error kind, with one message as an example
 * @param refused       done outputs that are the model's refusal (its own field, as OpenAI sends it): no answer
 */
public record RunReport(List<Count> byServer, List<Count> finishReasons, List<ErrorGroup> errors, Latency latency,
                        long refused) {

    public record Count(String key, long count) {
    }

    public record ErrorGroup(String kind, long count, String example) {
    }

    /** Milliseconds of the successful attempt of done outputs; all zero when there are none. */
    public record Latency(long p50, long p95, long max) {
    }

    /**
     * @return empty when the database has no such run
     * @throws StoreException when the file cannot be read as a stride database
     */
    public static Optional<RunReport> of(Path file, String run) {
        SqliteFiles.checkUsable(file, true);
        SQLiteDataSource source = SqliteFiles.readerSource(file);
        Schema.checkCurrent(source, file);
        try (Connection c = SqliteFiles.connect(source, file)) {
            return of(DSL.using(c, SQLDialect.SQLITE), run);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        } catch (DataAccessException e) {
            throw new StoreException(DbPhrase.of("store.cannotReadReport", file, SqliteFiles.detail(e)), e);
        }
    }

    /** The report read through {@code dsl}, on either vendor (the statements are jOOQ's, the tables the same). */
    static Optional<RunReport> of(DSLContext dsl, String run) {
        Long runId = dsl.select(RUNS.RUN_ID).from(RUNS).where(RUNS.NAME.eq(run)).fetchOne(RUNS.RUN_ID);
        if (runId == null) {
            return Optional.empty();
        }
        return Optional.of(readDone(dsl, runId, errors(dsl, runId)));
    }

    /**
     * The column, or "-" where it is null, with the "-" written into the statement: as a bound parameter it is a new
     * one at each place the expression appears, and PostgreSQL then takes the SELECT's coalesce for another
     * expression than the GROUP BY's and refuses the query.
     */
    private static Field<String> orDash(Field<String> column) {
        return coalesce(column, DSL.inline("-"));
    }

    private static List<ErrorGroup> errors(DSLContext dsl, long runId) {
        var kind = orDash(PREDICTIONS.ERROR_KIND);
        return dsl.select(kind, count(), min(PREDICTIONS.ERROR)).from(PREDICTIONS)
                .where(PREDICTIONS.RUN_ID.eq(runId)).and(PREDICTIONS.STATUS.eq(RecordStatus.FAILED))
                .groupBy(kind).orderBy(count().desc(), kind)
                .fetch(r -> new ErrorGroup(r.value1(), r.value2(), r.value3()));
    }

    /**
     * The servers, finish reasons and latency percentiles of the run's done outputs, from one pass over them: the
     * outputs grouped by (server, finish reason, latency in ms), so one group per distinct triple, not per output.
     * Reading each figure apart took six scans of the run's outcomes, three of them sorting every one (12.8 s for
     * {@code status --run} on a million answers).
     */
    private static RunReport readDone(DSLContext dsl, long runId, List<ErrorGroup> errors) {
        Field<String> server = orDash(PREDICTIONS.SERVER);
        Field<String> finish = orDash(PREDICTIONS.FINISH_REASON);
        Map<String, Long> byServer = new HashMap<>();
        Map<String, Long> byFinish = new HashMap<>();
        TreeMap<Long, Long> byLatency = new TreeMap<>();
        long[] refused = new long[1];
        dsl.select(server, finish, PREDICTIONS.LATENCY_MS, count(), count(PREDICTIONS.REFUSAL)).from(PREDICTIONS)
                .where(PREDICTIONS.RUN_ID.eq(runId)).and(PREDICTIONS.STATUS.eq(RecordStatus.DONE))
                .groupBy(server, finish, PREDICTIONS.LATENCY_MS)
                .forEach(r -> {
                    long n = r.value4();
                    byServer.merge(r.value1(), n, Long::sum);
                    byFinish.merge(r.value2(), n, Long::sum);
                    byLatency.merge(r.value3(), n, Long::sum);
                    refused[0] += r.value5();
                });
        return new RunReport(ranked(byServer), ranked(byFinish), errors, latency(byLatency), refused[0]);
    }

    /** Most first, ties by key. */
    private static List<Count> ranked(Map<String, Long> counts) {
        return counts.entrySet().stream().map(e -> new Count(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(Count::count).reversed().thenComparing(Count::key))
                .toList();
    }

    /** Nearest-rank p50 and p95 and the max, from how many done outputs took each number of milliseconds. */
    private static Latency latency(TreeMap<Long, Long> byLatency) {
        long n = byLatency.values().stream().mapToLong(Long::longValue).sum();
        if (n == 0) {
            return new Latency(0, 0, 0);
        }
        return new Latency(nth(byLatency, (n - 1) / 2), nth(byLatency, (long) Math.ceil(n * 0.95) - 1),
                byLatency.lastKey());
    }

    /** The latency at position {@code index} (from 0) in ascending order. */
    private static long nth(TreeMap<Long, Long> byLatency, long index) {
        long seen = 0;
        for (Map.Entry<Long, Long> e : byLatency.entrySet()) {
            seen += e.getValue();
            if (seen > index) {
                return e.getKey();
            }
        }
        return byLatency.lastKey();
    }
}
