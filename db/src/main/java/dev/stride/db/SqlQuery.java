package dev.stride.db;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import dev.stride.core.ShellWords;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteErrorCode;

/**
 * One SQL statement of the user's, for {@code stride sql}, which promises that nothing changes: no write to the
 * database (nor its {@code -wal}), no file created or changed anywhere. Two things keep it, both SQLite's own:
 * <ul>
 * <li>the connection ({@link SqliteFiles#lockedReaderSource}): read-only, no database can be attached, no extension
 * loaded, temporary storage in memory, {@code query_only} on. Whatever slips past the check below fails there;</li>
 * <li>the check ({@link CompiledStatement}): the statement is compiled and its program read before it runs, and it
 * runs only if it reads and returns rows. This turns what the connection would refuse in SQLite's terms ("attempt to
 * write a readonly database", "too many attached databases", a disk I/O error from a checkpoint) into one line that
 * says what was refused and why, and refuses what the connection would let through: a setting (PRAGMA foreign_keys
 * = OFF) or a transaction (BEGIN), both of which would end with the statement.</li>
 * </ul>
 * The statement runs through a prepared statement: sqlite-jdbc's {@code Statement.execute} also takes its own
 * commands ("backup to FILE", "restore from FILE") that are not SQL and would write a file. Rows are handed over one
 * at a time, so a large result is never held whole here.
 */
public final class SqlQuery {

    /** Receives the result: the column names once, then each row. */
    public interface Sink {
        void columns(List<String> names) throws Exception;

        void row(List<Object> values) throws Exception;
    }

    /**
     * The statement itself is wrong (syntax, unknown table, a write): the user's to fix, not the file's.
     * {@link #getMessage()} is English; {@link #phrase()} puts it in the reader's language.
     */
    public static final class BadStatementException extends RuntimeException implements Phrased {
        private static final long serialVersionUID = 1L;

        private final transient Phrase phrase;

        BadStatementException(Phrase phrase, Throwable cause) {
            super(phrase.english(), cause);
            this.phrase = phrase;
        }

        @Override
        public Phrase phrase() {
            return phrase;
        }
    }

    private SqlQuery() {
    }

    /**
     * Runs {@code sql} on {@code file} read-only; values are {@code Long}, {@code Double}, {@code String},
     * {@code byte[]} or null, as SQLite stores them.
     *
     * @return the number of rows handed to {@code sink}
     * @throws BadStatementException when the statement is refused (anything but one statement that reads and returns
     *                               rows) or SQLite cannot compile it
     * @throws StoreException        when the file cannot be read as a SQLite database
     */
    public static long run(Path file, String sql, Sink sink) throws Exception {
        SqliteFiles.checkUsable(file, true);
        if (SqlText.isEmpty(sql)) {
            throw new BadStatementException(DbPhrase.of("sql.empty", ShellWords.quoted(file)), null);
        }
        // Leading semicolons make an empty first statement, which sqlite-jdbc cannot run.
        String text = SqlText.fromFirstStatement(sql);
        try (Connection c = open(file); PreparedStatement statement = prepare(c, file, text)) {
            refuseUnlessItReads(c, file, text, statement);
            Optional<String> more = SqlText.afterFirstStatement(text);
            if (more.isPresent()) {
                throw new BadStatementException(DbPhrase.of("sql.oneStatement", file, SqlText.quote(more.get())),
                        null);
            }
            return execute(statement, file, sink);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    /** The locked-down reading connection, with query_only on (sqlite-jdbc takes no such setting). */
    static Connection open(Path file) throws SQLException {
        Connection c = SqliteFiles.connect(SqliteFiles.lockedReaderSource(file), file);
        try (Statement statement = c.createStatement()) {
            statement.execute("PRAGMA query_only = 1");
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static PreparedStatement prepare(Connection c, Path file, String sql) {
        try {
            return c.prepareStatement(sql);
        } catch (SQLException e) {
            throw refused(file, e);
        }
    }

    private static void refuseUnlessItReads(Connection c, Path file, String sql, PreparedStatement statement) {
        CompiledStatement.Verdict verdict;
        try {
            verdict = CompiledStatement.judge(c, sql, statement);
        } catch (SQLException e) {
            throw refused(file, e);
        }
        String quoted = SqlText.quote(SqlText.firstStatement(sql));
        switch (verdict) {
            case READS -> {
            }
            case WRITES -> throw new BadStatementException(DbPhrase.of("sql.refusedWrite", file, quoted), null);
            case OTHER_FILE -> throw new BadStatementException(DbPhrase.of("sql.refusedOtherFile", file, quoted),
                    null);
            case LOADS_CODE -> throw new BadStatementException(DbPhrase.of("sql.refusedExtension", file, quoted),
                    null);
            case NO_ROWS -> throw new BadStatementException(DbPhrase.of("sql.refusedNoRows", file, quoted), null);
            default -> throw new IllegalStateException("unknown verdict " + verdict);
        }
    }

    /** Runs a statement that was judged to read: a prepared one, never through Statement.execute (see above). */
    private static long execute(PreparedStatement statement, Path file, Sink sink) throws Exception {
        boolean hasRows;
        try {
            hasRows = statement.execute();
        } catch (SQLException e) {
            throw refused(file, e);
        }
        if (!hasRows) {
            sink.columns(List.of());
            return 0;
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
            while (next(rs, file)) {
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

    private static boolean next(ResultSet rs, Path file) {
        try {
            return rs.next();
        } catch (SQLException e) {
            throw refused(file, e);
        }
    }

    private static Object value(Object v) {
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        return v;
    }

    /** A statement SQLite refused: the user's mistake unless the file itself is at fault. */
    private static RuntimeException refused(Path file, SQLException e) {
        int code = e.getErrorCode() & 0xff;
        if (code == SQLiteErrorCode.SQLITE_READONLY.code) {
            return new BadStatementException(DbPhrase.of("sql.onlyReads", file), e);
        }
        if (code == SQLiteErrorCode.SQLITE_ERROR.code || code == SQLiteErrorCode.SQLITE_RANGE.code
                || code == SQLiteErrorCode.SQLITE_MISMATCH.code || code == SQLiteErrorCode.SQLITE_AUTH.code) {
            return new BadStatementException(clean(e.getMessage()), e);
        }
        return SqliteFiles.translate(file, e);
    }

    /** sqlite-jdbc's "[SQLITE_ERROR] SQL error or missing database (near "x": syntax error)" as SQLite's own words. */
    private static Phrase clean(String message) {
        if (message == null) {
            return DbPhrase.of("sql.refused");
        }
        int open = message.indexOf('(');
        if (message.startsWith("[") && open > 0 && message.endsWith(")")) {
            return DbPhrase.of("sql.sqliteSaid", message.substring(open + 1, message.length() - 1));
        }
        return DbPhrase.of("sql.sqliteSaid", message);
    }
}
