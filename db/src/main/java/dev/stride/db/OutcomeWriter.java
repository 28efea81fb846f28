package dev.stride.db;

import static dev.stride.db.schema.Tables.PREDICTIONS;

import dev.stride.core.RecordStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The hot path: one prediction or failure stored per call, thousands of times a second. The upsert is built with
 * jOOQ from the generated schema, but rendered once and kept as a prepared statement, because rendering it on every
 * call cost more CPU than the commit itself.
 *
 * <p>A done row is never overwritten; a failed one is replaced whole. One statement in autocommit mode is its own
 * transaction.
 */
final class OutcomeWriter implements AutoCloseable {
    /** The columns bound per call, in this order. */
    private static final List<Field<?>> COLUMNS = List.of(PREDICTIONS.RUN_ID, PREDICTIONS.RECORD_ID,
            PREDICTIONS.STATUS, PREDICTIONS.OUTPUT, PREDICTIONS.FINISH_REASON, PREDICTIONS.PROMPT_TOKENS,
            PREDICTIONS.COMPLETION_TOKENS, PREDICTIONS.LATENCY_MS, PREDICTIONS.ATTEMPTS, PREDICTIONS.ERROR_KIND,
            PREDICTIONS.ERROR, PREDICTIONS.FINISHED_AT, PREDICTIONS.REASONING, PREDICTIONS.REFUSAL,
            PREDICTIONS.TOOL_CALLS, PREDICTIONS.SERVER_MODEL, PREDICTIONS.RESPONSE_ID, PREDICTIONS.RAW_RESPONSE,
            PREDICTIONS.SERVER, PREDICTIONS.EXTRACTED, PREDICTIONS.OUTPUT_JSON);

    private final PreparedStatement upsert;

    OutcomeWriter(Connection writer) throws SQLException {
        this.upsert = writer.prepareStatement(sql());
    }

    static String sql() {
        DSLContext dsl = DSL.using(SQLDialect.SQLITE);
        List<Param<?>> values = new ArrayList<>();
        for (Field<?> column : COLUMNS) {
            values.add(DSL.param(column.getName(), column.getDataType()));
        }
        Map<Field<?>, Field<?>> replace = new LinkedHashMap<>();
        for (Field<?> column : COLUMNS.subList(2, COLUMNS.size())) {
            replace.put(column, DSL.excluded(column));
        }
        return dsl.insertInto(PREDICTIONS).columns(COLUMNS).values(values)
                .onConflict(PREDICTIONS.RUN_ID, PREDICTIONS.RECORD_ID)
                .doUpdate()
                .set(replace)
                .where(PREDICTIONS.STATUS.eq(DSL.inline(RecordStatus.FAILED, PREDICTIONS.STATUS)))
                .getSQL();
    }

    /** @return false when the record already had a done row (nothing was written) */
    boolean write(Object... row) throws SQLException {
        if (row.length != COLUMNS.size()) {
            throw new IllegalArgumentException("expected " + COLUMNS.size() + " values, got " + row.length);
        }
        for (int i = 0; i < row.length; i++) {
            upsert.setObject(i + 1, row[i]);
        }
        return upsert.executeUpdate() == 1;
    }

    @Override
    public void close() throws SQLException {
        upsert.close();
    }
}
