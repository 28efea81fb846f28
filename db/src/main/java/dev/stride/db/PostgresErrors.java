package dev.stride.db;

import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;

/** What PostgreSQL's errors mean for stride: a lost connection (wait and reconnect) or a failure (say it in one line). */
final class PostgresErrors {
    private PostgresErrors() {
    }

    /**
     * SQLSTATE class 08 (connection exception), 57P01-57P03 (the server shutting down or starting up), or a
     * connection the driver already knows is closed: the server may come back, and the work can be repeated.
     */
    static boolean isConnectionLost(SQLException e, Connection connection) {
        if (isConnectionState(e)) {
            return true;
        }
        try {
            return connection != null && connection.isClosed();
        } catch (SQLException ignored) {
            return true;
        }
    }

    /** The statement was cancelled (57014), by a cancel request or pg_cancel_backend: not a statement timeout here. */
    static boolean isCancelled(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "57014".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** The server ended a wait for a lock at the session's lock_timeout (55P03): the work may simply be tried again. */
    static boolean isLockTimeout(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "55P03".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The server ended the transaction to break a deadlock (40P01) or because it could not be serialized with another
     * (40001): rolled back whole, and, in PostgreSQL's words, safe to run again from its start. Two workers' claims,
     * outcomes and cursors lock rows of the same tables in orders no one statement fixes.
     */
    static boolean isConflict(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && ("40P01".equals(sql.getSQLState())
                    || "40001".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isConnectionState(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                        || state.equals("57P03")) {
                    return true;
                }
            }
        }
        return false;
    }

    static StoreException translate(PostgresLocation location, SQLException e) {
        String state = sqlState(e);
        if ("08004".equals(state) && location.requiresSsl() && isNoSsl(e)) {
            // The driver's refusal of a URL that asks for SSL, before any user or password was sent: checking them
            // would not help; the server or the URL must change.
            return new StoreException(DbPhrase.of("pg.noSsl", location.hostAndPort(), location.shown(),
                    location.sslmode()), e);
        }
        // Before the connection states below, which 08004 belongs to: the server answered, and said no (the driver's
        // own refusal, as when the server asks for a password and none was given). Starting it will not help.
        if ("28000".equals(state) || "28P01".equals(state) || "08004".equals(state)) {
            return new StoreException(DbPhrase.of("pg.notLetIn", location.hostAndPort(), detail(e),
                    location.shown()), e);
        }
        if (causedBy(e, UnknownHostException.class)) {
            // The driver says only "The connection attempt failed."; the name that did not resolve is the news.
            return new StoreException(DbPhrase.of("pg.unknownHost", location.host(), location.shown()), e);
        }
        if (isConnectionState(e)) {
            return new StoreException(DbPhrase.of("pg.unreachable", location.hostAndPort(), detail(e),
                    location.shown()), e);
        }
        if (isNotAllowed(e)) {
            return new StoreException(DbPhrase.of("pg.notAllowed", location.hostAndPort(), location.user(),
                    location.database(), detail(e)), e);
        }
        if ("3D000".equals(state)) {
            // The server is there, the database is not: the one thing to do is make it (stride makes the tables).
            return new StoreException(DbPhrase.of("pg.noDatabase", location.hostAndPort(), location.database(),
                    location.createdb()), e);
        }
        return new StoreException(DbPhrase.of("pg.failed", location.hostAndPort(), detail(e)), e);
    }

    /**
     * The driver's "The server does not support SSL.", compared in the driver's own words for the JVM's language
     * (it translates its messages): 08004 also means a password asked for and none given.
     */
    private static boolean isNoSsl(SQLException e) {
        String noSsl = org.postgresql.util.GT.tr("The server does not support SSL.");
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (noSsl.equals(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** Whether the connection was given up because the server said nothing for its read timeout (a network cut). */
    static boolean silent(Throwable e) {
        return causedBy(e, java.net.SocketTimeoutException.class);
    }

    /** SQLSTATE 42501, insufficient privilege: the user may not read or write stride's tables. */
    static boolean isNotAllowed(SQLException e) {
        return "42501".equals(sqlState(e));
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> kind) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (kind.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The SQLSTATE of the first SQLException in the chain that has one. */
    static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    static SQLException sqlCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    /** The first line of the driver's message: the server's words, without the driver's position and hint lines. */
    static String detail(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
