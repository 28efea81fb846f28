package dev.stride.db;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;

/**
 * One SQL statement of the user's, run on a connection opened read-only, for {@code stride sql}. SQLite itself
 * refuses any write on such a connection, so no statement, however it is spelled, can change the file. Rows are
 * handed over one at a time, so a large result is never held whole here.
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
     * @throws BadStatementException when SQLite refuses the statement (including any attempt to write)
     * @throws StoreException        when the file cannot be read as a SQLite database
     */
    public static long run(Path file, String sql, Sink sink) throws Exception {
        SqliteFiles.checkUsable(file, true);
        SQLiteDataSource source = SqliteFiles.readerSource(file);
        try (Connection c = SqliteFiles.connect(source, file); Statement statement = c.createStatement()) {
            boolean hasRows;
            try {
                hasRows = statement.execute(sql);
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
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
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
