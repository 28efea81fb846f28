package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.RUNS;
import static dev.stride.db.schema.Tables.WORKERS;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.param;
import static org.jooq.impl.DSL.selectOne;

import dev.stride.core.Cursor;
import dev.stride.core.RunState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The SQLite store's cursor save, every save interval of a run (thousands of times in a long one): its statements are
 * built with jOOQ from the generated schema but rendered once and kept prepared, as {@link OutcomeWriter}'s are.
 * Rendering them on every save cost more CPU than the rest of the save (measured with perf: about a tenth of the
 * CLI's CPU in a run at 64 in flight, save interval 10). Runs in the caller's transaction.
 */
final class CursorWriter implements AutoCloseable {
    private final PreparedStatement oldWatermark;
    private final PreparedStatement othersLive;
    private final PreparedStatement firstOpen;
    private final PreparedStatement lastSeq;
    private final PreparedStatement update;
    private final PreparedStatement read;

    CursorWriter(Connection writer) throws SQLException {
        DSLContext dsl = DSL.using(SQLDialect.SQLITE);
        this.oldWatermark = writer.prepareStatement(dsl.select(RUNS.LOW_WATERMARK).from(RUNS)
                .where(RUNS.RUN_ID.eq(param("run", Long.class))).getSQL());
        // A null worker (not joined) compares as another worker's id never would: every live worker counts.
        this.othersLive = writer.prepareStatement(dsl.select(WORKERS.HOST, WORKERS.PID, WORKERS.WORKER_ID)
                .from(WORKERS)
                .where(WORKERS.RUN_ID.eq(param("run", Long.class)))
                .and(param("me", String.class).isNull().or(WORKERS.WORKER_ID.ne(param("me2", String.class))))
                .and(WORKERS.LEASE_UNTIL.gt(param("now", String.class))).getSQL());
        this.firstOpen = writer.prepareStatement(dsl.select(RECORDS.SEQ).from(RECORDS)
                .where(RECORDS.RUN_ID.eq(param("run", Long.class)))
                .and(RECORDS.SEQ.ge(param("from", Long.class)))
                .and(notExists(selectOne().from(PREDICTIONS)
                        .where(PREDICTIONS.RUN_ID.eq(RECORDS.RUN_ID))
                        .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID))))
                .orderBy(RECORDS.SEQ)
                .limit(param("one", Integer.class))
                .getSQL());
        this.lastSeq = writer.prepareStatement(dsl.select(DSL.max(RECORDS.SEQ)).from(RECORDS)
                .where(RECORDS.RUN_ID.eq(param("run", Long.class))).getSQL());
        this.update = writer.prepareStatement(dsl.update(RUNS)
                .set(RUNS.LOW_WATERMARK, param("watermark", Long.class))
                // Workers joined at different times each count from the elapsed time they found: the largest is the
                // run's wall time, not their sum.
                .set(RUNS.ELAPSED_MS, DSL.greatest(RUNS.ELAPSED_MS, param("elapsed", Long.class)))
                .set(RUNS.SAVED_AT, param("savedAt", String.class))
                .set(RUNS.STATE.coerce(String.class), param("state", String.class))
                .set(RUNS.HEARTBEAT_AT, param("heartbeatAt", String.class))
                .where(RUNS.RUN_ID.eq(param("run", Long.class)))
                .getSQL());
        this.read = writer.prepareStatement(dsl.select(RUNS.LOW_WATERMARK, RUNS.DONE, RUNS.FAILED, RUNS.ELAPSED_MS,
                        RUNS.SAVED_AT, RUNS.STATE.coerce(String.class)).from(RUNS)
                .where(RUNS.RUN_ID.eq(param("run", Long.class))).getSQL());
    }

    /** The run's stored low watermark, or null when there is no such run. */
    Long oldWatermark(long runId) throws SQLException {
        oldWatermark.setLong(1, runId);
        try (ResultSet rs = oldWatermark.executeQuery()) {
            return rs.next() ? rs.getLong(1) : null;
        }
    }

    /**
     * Whether a worker other than {@code me} (null: any worker) has a lease that runs past {@code now}, less those of
     * this machine whose process has ended (kill -9): the last worker's stop then stores its run interrupted, not
     * running for a dead worker's lease.
     */
    boolean othersLive(long runId, String me, String now) throws SQLException {
        othersLive.setLong(1, runId);
        othersLive.setString(2, me);
        othersLive.setString(3, me);
        othersLive.setString(4, now);
        try (ResultSet rs = othersLive.executeQuery()) {
            while (rs.next()) {
                if (!Workforce.goneFromThisHost(rs.getString(1), rs.getLong(2), rs.getString(3))) {
                    return true;
                }
            }
            return false;
        }
    }

    /** As {@link SqliteCheckpointStore#lowWatermark}: the first seq at or after {@code from} without an outcome. */
    long lowWatermark(long runId, long from) throws SQLException {
        firstOpen.setLong(1, runId);
        firstOpen.setLong(2, from);
        firstOpen.setInt(3, 1);
        try (ResultSet rs = firstOpen.executeQuery()) {
            if (rs.next()) {
                return rs.getLong(1);
            }
        }
        lastSeq.setLong(1, runId);
        try (ResultSet rs = lastSeq.executeQuery()) {
            long last = rs.next() ? rs.getLong(1) : 0;
            return rs.wasNull() ? 0 : last + 1;
        }
    }

    /** Whether no record of the run is without an outcome, given its low watermark just computed. */
    boolean noneOpen(long runId, long watermark) throws SQLException {
        lastSeq.setLong(1, runId);
        try (ResultSet rs = lastSeq.executeQuery()) {
            long last = rs.next() ? rs.getLong(1) : 0;
            return rs.wasNull() || watermark > last;
        }
    }

    /** Stores the cursor's fields and reads the run's counters back as the cursor. */
    Cursor save(long runId, long watermark, long elapsedMs, String now, RunState state) throws SQLException {
        update.setLong(1, watermark);
        update.setLong(2, elapsedMs);
        update.setString(3, now);
        update.setString(4, state.label());
        update.setString(5, now);
        update.setLong(6, runId);
        update.executeUpdate();
        read.setLong(1, runId);
        try (ResultSet rs = read.executeQuery()) {
            rs.next();
            return new Cursor(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                    UtcText.parse(rs.getString(5), "runs.saved_at"), RunState.fromLabel(rs.getString(6)));
        }
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement s : new PreparedStatement[] {oldWatermark, othersLive, firstOpen, lastSeq, update,
                read}) {
            s.close();
        }
    }
}
