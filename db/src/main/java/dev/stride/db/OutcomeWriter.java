package dev.stride.db;

import static dev.stride.db.schema.Tables.CLAIMS;
import static dev.stride.db.schema.Tables.PREDICTIONS;
import static dev.stride.db.schema.Tables.WORKERS;

import dev.stride.core.RecordStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Converter;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The hot path: one prediction or failure stored per call, thousands of times a second. The upsert is built with
 * jOOQ from the generated schema, but rendered once and kept as a prepared statement, because rendering it on every
 * call cost more CPU than the commit itself. Its values are set by column ({@link Row#set}), never by position.
 *
 * <p>A done row is never overwritten; a failed one is replaced whole (a column not set is written as NULL). The
 * caller's transaction also drops the record's claim, so an outcome and its claim never disagree.
 */
final class OutcomeWriter implements AutoCloseable {
    /** Every column of predictions, in the table's order: a column a migration adds is written as soon as it is set. */
    private static final List<Field<?>> COLUMNS = List.of(PREDICTIONS.fields());
    /** Where each column's value is bound; by identity, as the generated fields are the same objects everywhere. */
    private static final Map<Field<?>, Integer> POSITIONS = new IdentityHashMap<>();
    /** The converter of each column that stores a Java value otherwise than as it is (an enum as its label), or null. */
    private static final Converter<?, ?>[] CONVERTERS = new Converter<?, ?>[COLUMNS.size()];

    static {
        for (int i = 0; i < COLUMNS.size(); i++) {
            Field<?> column = COLUMNS.get(i);
            POSITIONS.put(column, i);
            Converter<?, ?> converter = column.getConverter();
            CONVERTERS[i] = converter.fromType() == converter.toType() ? null : converter;
        }
    }

    private final PreparedStatement upsert;
    private final PreparedStatement dropClaim;
    private final PreparedStatement countForWorker;
    /** The row a record has, to tell this outcome from another worker's ({@link #holds}). */
    private final PreparedStatement stored;
    /** PostgreSQL: the three as one statement, one round trip to the server (null on SQLite, where a trip is free). */
    private final PreparedStatement together;
    /** PostgreSQL: as {@link #together}, but writing (and counting) the outcome only where the record has none. */
    private final PreparedStatement restore;

    OutcomeWriter(Connection writer) throws SQLException {
        this(writer, SQLDialect.SQLITE);
    }

    /** The same statements in {@code dialect}'s words (SQLite and PostgreSQL share ON CONFLICT ... DO UPDATE). */
    OutcomeWriter(Connection writer, SQLDialect dialect) throws SQLException {
        this.upsert = writer.prepareStatement(sql(dialect));
        DSLContext dsl = DSL.using(dialect);
        this.dropClaim = writer.prepareStatement(dsl.deleteFrom(CLAIMS)
                .where(CLAIMS.RUN_ID.eq(DSL.param("run", Long.class)))
                .and(CLAIMS.RECORD_ID.eq(DSL.param("record", String.class))).getSQL());
        this.countForWorker = writer.prepareStatement(dsl.update(WORKERS)
                .set(WORKERS.DONE, WORKERS.DONE.plus(DSL.param("done", Long.class)))
                .set(WORKERS.FAILED, WORKERS.FAILED.plus(DSL.param("failed", Long.class)))
                .where(WORKERS.RUN_ID.eq(DSL.param("run", Long.class)))
                .and(WORKERS.WORKER_ID.eq(DSL.param("worker", String.class))).getSQL());
        this.stored = writer.prepareStatement(dsl.select(PREDICTIONS.FINISHED_AT, PREDICTIONS.LATENCY_MS,
                        PREDICTIONS.ATTEMPTS, PREDICTIONS.STATUS, PREDICTIONS.OUTPUT).from(PREDICTIONS)
                .where(PREDICTIONS.RUN_ID.eq(DSL.param("run", Long.class)))
                .and(PREDICTIONS.RECORD_ID.eq(DSL.param("record", String.class))).getSQL());
        boolean postgres = dialect.family() == SQLDialect.POSTGRES;
        this.together = postgres ? writer.prepareStatement(together(sql(dialect), "")) : null;
        // Only a row written now drops the claim: a row still there had its claim dropped by its first write, and a
        // claim on the record now is another worker's (a --retry-failed one asking it again).
        this.restore = postgres ? writer.prepareStatement(together(insertIfMissing(dialect),
                " AND EXISTS (SELECT 1 FROM up)")) : null;
    }

    /**
     * The upsert, the claim's drop and the worker's count in one statement of data-modifying CTEs, which PostgreSQL
     * runs whole or not at all even in autocommit. Three statements in a transaction were four round trips per
     * outcome to a server: measured, they halved a run's rate at 16 in flight (358/s instead of 718/s).
     */
    private static String together(String insert, String dropOnlyIf) {
        return "WITH up AS (" + insert + " RETURNING 1),"
                + " dropped AS (DELETE FROM claims WHERE run_id = ? AND record_id = ? AND ?" + dropOnlyIf + "),"
                + " counted AS (UPDATE workers SET done = done + ? * (SELECT count(*) FROM up),"
                + " failed = failed + ? * (SELECT count(*) FROM up) WHERE run_id = ? AND worker_id = ?)"
                + " SELECT count(*) FROM up";
    }

    static String sql() {
        return sql(SQLDialect.SQLITE);
    }

    static String sql(SQLDialect dialect) {
        DSLContext dsl = DSL.using(dialect);
        Map<Field<?>, Field<?>> replace = new LinkedHashMap<>();
        for (Field<?> column : COLUMNS) {
            if (column != PREDICTIONS.RUN_ID && column != PREDICTIONS.RECORD_ID) {
                replace.put(column, DSL.excluded(column));
            }
        }
        // attempts counts the requests the servers received for the record: a failure asked again (--retry-failed,
        // or another worker) adds its session's to the ones the failure counted, which its replacement keeps.
        replace.put(PREDICTIONS.ATTEMPTS, PREDICTIONS.ATTEMPTS.plus(DSL.excluded(PREDICTIONS.ATTEMPTS)));
        return dsl.insertInto(PREDICTIONS).columns(COLUMNS).values(columnParams())
                .onConflict(PREDICTIONS.RUN_ID, PREDICTIONS.RECORD_ID)
                .doUpdate()
                .set(replace)
                .where(PREDICTIONS.STATUS.eq(DSL.inline(RecordStatus.FAILED, PREDICTIONS.STATUS)))
                .getSQL();
    }

    /** The insert of one outcome that leaves a record's stored row, failed or done, as it is. */
    private static String insertIfMissing(SQLDialect dialect) {
        return DSL.using(dialect).insertInto(PREDICTIONS).columns(COLUMNS).values(columnParams()).onConflictDoNothing()
                .getSQL();
    }

    /**
     * A bind parameter per column, in {@link #COLUMNS}' order: the positions {@link Row} fills, which both inserts
     * bind their values by.
     */
    private static List<Param<?>> columnParams() {
        List<Param<?>> values = new ArrayList<>();
        for (Field<?> column : COLUMNS) {
            values.add(DSL.param(column.getName(), column.getDataType()));
        }
        return values;
    }

    /**
     * PostgreSQL: writes an outcome this worker stored before, as {@link #write} does, only if a crash of the server
     * took it: a record that has a row (this one, or a newer failure another worker stored since) keeps it, and the
     * worker's count is not added to again.
     *
     * @return whether it was missing and is written now
     */
    boolean restore(Row row, long runId, String recordId, String worker, boolean done, boolean dropClaim)
            throws SQLException {
        return runTogether(restore, row, runId, recordId, worker, done, dropClaim);
    }

    private static boolean runTogether(PreparedStatement statement, Row row, long runId, String recordId,
                                       String worker, boolean done, boolean dropClaim) throws SQLException {
        int n = row.values.length;
        for (int i = 0; i < n; i++) {
            statement.setObject(i + 1, row.values[i]);
        }
        statement.setLong(n + 1, runId);
        statement.setString(n + 2, recordId);
        statement.setBoolean(n + 3, dropClaim);
        statement.setLong(n + 4, done ? 1 : 0);
        statement.setLong(n + 5, done ? 0 : 1);
        statement.setLong(n + 6, runId);
        statement.setString(n + 7, worker);
        try (var rs = statement.executeQuery()) {
            rs.next();
            return rs.getLong(1) == 1;
        }
    }

    /**
     * Writes the outcome, drops the record's claim when {@code dropClaim} (whoever holds it: the outcome is in), and
     * counts the outcome for {@code worker} (null: none), in the caller's transaction.
     *
     * @return false when the record already had a done row (nothing was written)
     */
    boolean write(Row row, long runId, String recordId, String worker, boolean done, boolean dropClaim)
            throws SQLException {
        if (together != null) {
            return runTogether(together, row, runId, recordId, worker, done, dropClaim);
        }
        for (int i = 0; i < row.values.length; i++) {
            upsert.setObject(i + 1, row.values[i]);
        }
        boolean written = upsert.executeUpdate() == 1;
        if (dropClaim) {
            this.dropClaim.setLong(1, runId);
            this.dropClaim.setString(2, recordId);
            this.dropClaim.executeUpdate();
        }
        if (written && worker != null) {
            countForWorker.setLong(1, done ? 1 : 0);
            countForWorker.setLong(2, done ? 0 : 1);
            countForWorker.setLong(3, runId);
            countForWorker.setString(4, worker);
            countForWorker.executeUpdate();
        }
        return written;
    }

    /**
     * Whether the record's stored row is {@code row} itself: the same finish time (to the millisecond), latency,
     * status and output, which another worker's answer to the record does not share, and at least its attempts (a
     * failure it replaced added its own). A write whose acknowledgement was lost and that is repeated finds its own
     * row so.
     */
    boolean holds(Row row, long runId, String recordId) throws SQLException {
        stored.setLong(1, runId);
        stored.setString(2, recordId);
        try (var rs = stored.executeQuery()) {
            return rs.next()
                    && java.util.Objects.equals(rs.getString(1), row.value(PREDICTIONS.FINISHED_AT))
                    && java.util.Objects.equals(rs.getLong(2), row.value(PREDICTIONS.LATENCY_MS))
                    && rs.getInt(3) >= (Integer) row.value(PREDICTIONS.ATTEMPTS)
                    && java.util.Objects.equals(rs.getString(4), row.value(PREDICTIONS.STATUS))
                    && java.util.Objects.equals(rs.getString(5), row.value(PREDICTIONS.OUTPUT));
        }
    }

    @Override
    public void close() throws SQLException {
        stored.close();
        upsert.close();
        dropClaim.close();
        countForWorker.close();
        if (together != null) {
            together.close();
            restore.close();
        }
    }

    /** The values of one row of predictions, each set by its column; those not set are NULL. */
    static final class Row {
        private final Object[] values = new Object[COLUMNS.size()];

        /** Typed by the column, so a value cannot go to a column of another type; enums are stored by their label. */
        <T> Row set(Field<T> column, T value) {
            Integer position = POSITIONS.get(column);
            if (position == null) {
                throw new IllegalArgumentException(column + " is not a column of predictions");
            }
            values[position] = value == null || CONVERTERS[position] == null ? value : stored(column, value);
            return this;
        }

        /** The value set for {@code column} as it is bound (an enum as its label), or null. */
        Object value(Field<?> column) {
            return values[POSITIONS.get(column)];
        }

        private static <T> Object stored(Field<T> column, T value) {
            return column.getConverter().to(value);
        }
    }
}
