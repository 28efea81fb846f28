package dev.stride.db;

import dev.stride.core.ShellWords;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.postgresql.PGConnection;
import org.postgresql.core.Parser;

/**
 * {@code stride sql} on PostgreSQL, with the same promise as {@link SqlQuery}: nothing changes. PostgreSQL keeps it
 * itself: the one statement runs inside a {@code READ ONLY} transaction that is always rolled back, so a write of any
 * kind (INSERT, UPDATE, DELETE, DDL, nextval) fails with the server's read-only error, and a setting (SET) ends with
 * the transaction. Around that: one statement only (the driver would send several, and a COMMIT between them would
 * end the read-only transaction), and no COPY (which can write a file on the server even in a read-only transaction).
 */
public final class PostgresSqlQuery {
    private PostgresSqlQuery() {
    }

    /**
     * Runs {@code sql} read-only; values are {@code Long}, {@code Double}, {@code String} or null, as in SQLite.
     *
     * @throws SqlQuery.BadStatementException when the statement is refused or the server cannot run it
     * @throws StoreException                 when the server cannot be reached
     */
    public static long run(PostgresLocation location, String sql, SqlQuery.Sink sink) throws Exception {
        return run(location, sql, sink, Watch.NONE);
    }

    /** As {@link #run(PostgresLocation, String, SqlQuery.Sink)}, {@code watch} told of the statement as it runs. */
    public static long run(PostgresLocation location, String sql, SqlQuery.Sink sink, Watch watch) throws Exception {
        return run(location, sql, sink, SILENCE, watch);
    }

    /**
     * Who hears of the statement while the server runs it. It is never run again (a user's statement, whose rows
     * may be on their way): a lock another session holds is told and waited for, as long as the user lets it.
     */
    public interface Watch {
        Watch NONE = new Watch() {
            @Override
            public AutoCloseable sent(Runnable cancel) {
                return () -> { };
            }

            @Override
            public void waitingForLock(String server, Duration lasted, String holders) {
            }
        };

        /**
         * The statement was sent; {@code cancel} ends it on the server (its transaction rolled back, the call
         * failing), until the handle returned is closed, once its rows are in.
         */
        AutoCloseable sent(Runnable cancel);

        /**
         * The statement has waited {@code lasted} on {@code server} ({@code HOST:PORT}) for a lock the sessions
         * {@code holders} hold ("pid 123 (psql, idle in transaction), ..."); told once.
         */
        void waitingForLock(String server, Duration lasted, String holders);
    }

    /**
     * How long the server may say nothing in the middle of the statement before it is taken for gone: a network cut
     * sends no reset, and the system's keepalives would hold stride sql for hours. The statement is the user's own,
     * which may compute for minutes before its first row (a scan of a large run, a join): ten minutes is far above
     * what stride's tables call for, and a statement that needs longer belongs in psql. Rows streaming in are no
     * silence: the limit is on each read from the socket.
     */
    static final Duration SILENCE = Duration.ofMinutes(10);

    static long run(PostgresLocation location, String sql, SqlQuery.Sink sink, Duration silence) throws Exception {
        return run(location, sql, sink, silence, Watch.NONE);
    }

    static long run(PostgresLocation location, String sql, SqlQuery.Sink sink, Duration silence, Watch watch)
            throws Exception {
        if (SqlText.isEmpty(sql)) {
            throw new SqlQuery.BadStatementException(DbPhrase.of("sql.empty", ShellWords.quoted(location)), null);
        }
        String text = SqlText.fromFirstStatement(sql);
        Optional<String> more = SqlText.afterFirstStatement(text);
        if (more.isPresent()) {
            throw new SqlQuery.BadStatementException(DbPhrase.of("sql.oneStatement", location,
                    SqlText.quote(more.get())), null);
        }
        // The driver's own splitter (it knows dollar quotes, which SqlText does not): more than one statement would
        // be sent as they are, and a COMMIT among them would end the read-only transaction.
        if (statements(text) > 1) {
            throw new SqlQuery.BadStatementException(DbPhrase.of("sql.oneStatement", location,
                    SqlText.quote(text)), null);
        }
        String first = SqlText.firstStatement(text).strip().toLowerCase(Locale.ROOT);
        if (first.startsWith("copy") || first.contains("lo_export") || first.contains("lo_import")) {
            throw new SqlQuery.BadStatementException(DbPhrase.of("pg.sql.refusedFile", location,
                    SqlText.quote(SqlText.firstStatement(text))), null);
        }
        Connection c;
        try {
            c = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
        } catch (SQLException e) {
            throw PostgresErrors.translate(location, e);
        }
        try (c) {
            c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, silence.toMillis()));
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION READ ONLY");
            }
            try (PreparedStatement statement = c.prepareStatement(text)) {
                return execute(statement, sink, location, SqlText.quote(SqlText.firstStatement(text)), watch,
                        c.unwrap(PGConnection.class).getBackendPID());
            } finally {
                if (!c.isClosed()) { // lost meanwhile: its own failure is the one to say
                    c.rollback();
                }
            }
        } catch (SQLException e) {
            if (PostgresErrors.silent(e)) {
                throw new StoreException(DbPhrase.of("pg.silent", location.hostAndPort(), silence.toSeconds(),
                        location.shown()), e);
            }
            throw refused(location, e, SqlText.quote(SqlText.firstStatement(text)));
        }
    }

    private static void cancel(PreparedStatement statement) {
        try {
            statement.cancel(); // the driver's cancel request, on a connection of its own
        } catch (SQLException e) {
            // The server away: the statement ends with the connection, as without a cancel.
        }
    }

    private static int statements(String text) {
        try {
            return Parser.parseJdbcSql(text, true, false, true, false, false).size();
        } catch (SQLException e) {
            return 1; // the server will say what is wrong with it
        }
    }

    private static long execute(PreparedStatement statement, SqlQuery.Sink sink, PostgresLocation location,
                                String quoted, Watch watch, int pid) throws Exception {
        boolean hasRows;
        // The driver reads all the rows before execute() returns (no fetch size): a cancel meanwhile has printed
        // nothing, and one afterwards has nothing left to end.
        try (AutoCloseable sent = watch.sent(() -> cancel(statement));
             LockLook look = LockLook.start(location, pid, PostgresSession.LOCK_TRY_MS,
                     (lasted, holders) -> watch.waitingForLock(location.hostAndPort(), lasted, holders))) {
            hasRows = statement.execute();
        }
        if (!hasRows) {
            // A setting or a transaction command: it ended with the rolled-back transaction, and is refused as on
            // SQLite, which says so before running it.
            throw new SqlQuery.BadStatementException(DbPhrase.of("pg.sql.refusedNoRows", location, quoted), null);
        }
        try (ResultSet rs = statement.getResultSet()) {
            ResultSetMetaData meta = rs.getMetaData();
            int n = meta.getColumnCount();
            List<String> names = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                names.add(meta.getColumnLabel(i));
            }
            sink.columns(names);
            long rows = 0;
            while (rs.next()) {
                List<Object> values = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    values.add(value(rs.getObject(i)));
                }
                sink.row(values);
                rows++;
            }
            return rows;
        }
    }

    /** PostgreSQL's types as SQLite's: integers as Long, numeric and floats as Double, anything else as text. */
    private static Object value(Object v) {
        if (v == null || v instanceof Long || v instanceof String || v instanceof Double) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigDecimal || v instanceof Float) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        return v.toString();
    }

    private static RuntimeException refused(PostgresLocation location, SQLException e, String quoted) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("25006")) { // read_only_sql_transaction
            return new SqlQuery.BadStatementException(DbPhrase.of("pg.sql.refusedWrite", location, quoted), e);
        }
        if (state.startsWith("08") || state.startsWith("57P")) {
            return PostgresErrors.translate(location, e);
        }
        return new SqlQuery.BadStatementException(DbPhrase.of("pg.sql.serverSaid", PostgresErrors.detail(e)), e);
    }
}
