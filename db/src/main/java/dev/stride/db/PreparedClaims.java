package dev.stride.db;

import static dev.stride.db.schema.Tables.CLAIMS;
import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.RECORDS;
import static dev.stride.db.schema.Tables.WORKERS;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.param;
import static org.jooq.impl.DSL.selectOne;

import dev.stride.core.InputRecord;
import dev.stride.core.RecordStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The SQLite store's claim, made by a worker every round of requests (hundreds of times in a run of 50,000 records):
 * {@link Claims}' statements, built with jOOQ from the generated schema but rendered once and kept prepared, as
 * {@link CursorWriter}'s are. Rendering them at every round cost about 3% of the CLI's CPU (perf, 50,000 records at 64
 * in flight), more than the SQL itself. Runs in the caller's IMMEDIATE transaction, which serializes claimers.
 */
final class PreparedClaims implements AutoCloseable {
    private final PreparedStatement leases;
    private final PreparedStatement lowestExpired;
    private final PreparedStatement dropExpired;
    private final PreparedStatement pending;
    private final PreparedStatement pendingOrFailed;
    private final PreparedStatement insert;
    private final PreparedStatement insertOrFailed;

    PreparedClaims(Connection writer) throws SQLException {
        DSLContext dsl = DSL.using(SQLDialect.SQLITE);
        // Its own lease, and whether another worker's ran out: one query that every claim makes anyway.
        this.leases = writer.prepareStatement(dsl.select(
                DSL.field(DSL.exists(selectOne().from(WORKERS)
                        .where(WORKERS.RUN_ID.eq(param("run", Long.class)))
                        .and(WORKERS.WORKER_ID.eq(param("worker", String.class)))
                        .and(WORKERS.LEASE_UNTIL.gt(param("now", String.class))))),
                DSL.field(DSL.exists(selectOne().from(WORKERS)
                        .where(WORKERS.RUN_ID.eq(param("run", Long.class)))
                        .and(WORKERS.WORKER_ID.ne(param("worker", String.class)))
                        .and(WORKERS.LEASE_UNTIL.le(param("now", String.class)))))).getSQL());
        this.lowestExpired = writer.prepareStatement(dsl.select(DSL.min(RECORDS.SEQ)).from(CLAIMS)
                .join(WORKERS).on(WORKERS.RUN_ID.eq(CLAIMS.RUN_ID).and(WORKERS.WORKER_ID.eq(CLAIMS.WORKER_ID)))
                .join(RECORDS).on(RECORDS.RUN_ID.eq(CLAIMS.RUN_ID).and(RECORDS.RECORD_ID.eq(CLAIMS.RECORD_ID)))
                .where(CLAIMS.RUN_ID.eq(param("run", Long.class)))
                .and(WORKERS.WORKER_ID.ne(param("worker", String.class)))
                .and(WORKERS.LEASE_UNTIL.le(param("now", String.class))).getSQL());
        // Never this worker itself: see Claims.claim.
        this.dropExpired = writer.prepareStatement(dsl.deleteFrom(WORKERS)
                .where(WORKERS.RUN_ID.eq(param("run", Long.class)))
                .and(WORKERS.LEASE_UNTIL.le(param("now", String.class)))
                .and(WORKERS.WORKER_ID.ne(param("worker", String.class))).getSQL());
        this.pending = writer.prepareStatement(pendingSql(dsl, DSL.trueCondition()));
        this.pendingOrFailed = writer.prepareStatement(pendingSql(dsl, countedRetrying()));
        this.insert = writer.prepareStatement(claimSql(dsl, DSL.trueCondition()));
        this.insertOrFailed = writer.prepareStatement(claimSql(dsl, countedRetrying()));
    }

    /**
     * The outcomes that count as one for a worker retrying failures: an answer, and a failure stored since the rerun
     * began (its one parameter, {@code since}; see {@link Claims#claim}).
     */
    private static Condition countedRetrying() {
        return PREDICTIONS.STATUS.eq(DSL.inline(RecordStatus.DONE, PREDICTIONS.STATUS))
                .or(PREDICTIONS.FINISHED_AT.ge(param("since", String.class)));
    }

    /** The records after a seq, in input order, that no one holds and that have no outcome {@code counted} as one. */
    private static String pendingSql(DSLContext dsl, Condition counted) {
        return dsl.select(RECORDS.SEQ, RECORDS.RECORD_ID, RECORDS.LINE, RECORDS.PAYLOAD, RECORDS.CONTENT_HASH)
                .from(RECORDS)
                .where(RECORDS.RUN_ID.eq(param("run", Long.class)))
                .and(RECORDS.SEQ.gt(param("after", Long.class)))
                .and(unclaimed(counted))
                .orderBy(RECORDS.SEQ)
                .limit(param("limit", Integer.class))
                .getSQL();
    }

    /**
     * Claims, in one statement, what {@link #pendingSql} selected: the records with no outcome {@code counted} as one
     * and a seq from just after {@code after} to the last one selected, skipping (on the primary key) those another
     * worker holds. In the same IMMEDIATE transaction nothing can change in between, so these are exactly the
     * selected records. One statement instead of one insert per record, and without reading {@code claims} in its
     * select (SQLite would copy the rows aside first); BENCHMARKS.md, "Ingest".
     */
    private static String claimSql(DSLContext dsl, Condition counted) {
        return dsl.insertInto(CLAIMS, CLAIMS.RUN_ID, CLAIMS.RECORD_ID, CLAIMS.WORKER_ID)
                .select(dsl.select(RECORDS.RUN_ID, RECORDS.RECORD_ID, param("worker", String.class))
                        .from(RECORDS)
                        .where(RECORDS.RUN_ID.eq(param("run", Long.class)))
                        .and(RECORDS.SEQ.gt(param("after", Long.class)))
                        .and(RECORDS.SEQ.le(param("last", Long.class)))
                        .and(noOutcome(counted)))
                .onConflict(CLAIMS.RUN_ID, CLAIMS.RECORD_ID).doNothing()
                .getSQL();
    }

    private static Condition noOutcome(Condition counted) {
        return notExists(selectOne().from(PREDICTIONS)
                .where(PREDICTIONS.RUN_ID.eq(RECORDS.RUN_ID))
                .and(PREDICTIONS.RECORD_ID.eq(RECORDS.RECORD_ID))
                .and(counted));
    }

    /** Neither held by a worker nor with an outcome {@code counted} as one. */
    private static Condition unclaimed(Condition counted) {
        return noOutcome(counted)
                .and(notExists(selectOne().from(CLAIMS)
                        .where(CLAIMS.RUN_ID.eq(RECORDS.RUN_ID))
                        .and(CLAIMS.RECORD_ID.eq(RECORDS.RECORD_ID))));
    }

    /** As {@link Claims#leases}. */
    Claims.Leases leases(long runId, String worker, String now) throws SQLException {
        leases.setLong(1, runId);
        leases.setString(2, worker);
        leases.setString(3, now);
        leases.setLong(4, runId);
        leases.setString(5, worker);
        leases.setString(6, now);
        try (ResultSet rs = leases.executeQuery()) {
            rs.next();
            return new Claims.Leases(rs.getBoolean(1), rs.getBoolean(2));
        }
    }

    /**
     * As {@link Claims#claim} does on SQLite: drops the expired workers when there are any, then claims. With
     * {@code includeFailed}, {@code failedBefore} (when the rerun began) is required.
     */
    List<InputRecord> claim(long runId, String worker, long afterSeq, int limit, boolean includeFailed,
                            String failedBefore, String now, boolean othersLapsed) throws SQLException {
        if (includeFailed && failedBefore == null) {
            throw new IllegalArgumentException("a claim of failures needs the start of the rerun");
        }
        long after = othersLapsed ? dropExpiredFrom(runId, worker, afterSeq, now) : afterSeq;
        PreparedStatement select = includeFailed ? pendingOrFailed : pending;
        int p = 1;
        select.setLong(p++, runId);
        select.setLong(p++, after);
        if (includeFailed) {
            select.setString(p++, failedBefore);
        }
        select.setInt(p, limit);
        List<InputRecord> batch = new ArrayList<>(Math.min(limit, 256));
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                batch.add(new InputRecord(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                        rs.getString(5)));
            }
        }
        if (!batch.isEmpty()) {
            PreparedStatement claim = includeFailed ? insertOrFailed : insert;
            claim.setString(1, worker);
            claim.setLong(2, runId);
            claim.setLong(3, after);
            claim.setLong(4, batch.get(batch.size() - 1).seq());
            if (includeFailed) {
                claim.setString(5, failedBefore);
            }
            int claimed = claim.executeUpdate();
            if (claimed != batch.size()) {
                throw new IllegalStateException("claimed " + claimed + " records of the " + batch.size() + " selected");
            }
        }
        return batch;
    }

    /** As {@link Claims}' own: drops the expired workers; the seq to claim after so that their records come first. */
    private long dropExpiredFrom(long runId, String worker, long afterSeq, String now) throws SQLException {
        lowestExpired.setLong(1, runId);
        lowestExpired.setString(2, worker);
        lowestExpired.setString(3, now);
        long lowest;
        boolean any;
        try (ResultSet rs = lowestExpired.executeQuery()) {
            rs.next();
            lowest = rs.getLong(1);
            any = !rs.wasNull();
        }
        dropExpired.setLong(1, runId);
        dropExpired.setString(2, now);
        dropExpired.setString(3, worker);
        dropExpired.executeUpdate();
        return any ? Math.min(afterSeq, lowest - 1) : afterSeq;
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement s : new PreparedStatement[] {leases, lowestExpired, dropExpired, pending, pendingOrFailed,
                insert, insertOrFailed}) {
            s.close();
        }
    }
}
