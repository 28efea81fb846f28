package dev.stride.db;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Hands Flyway the writer's own connection inside a transaction the writer opened, so that every migration lands in
 * that one transaction: Flyway's commits, rollbacks, autocommit switches and closes are passed over, and the writer
 * commits (or rolls back) the whole upgrade itself.
 *
 * <p>Why: the writer opens its transaction with {@code BEGIN IMMEDIATE}, which holds SQLite's write lock from the
 * start. Another stride opening the same file at the same moment (workers started together on a new file) waits for
 * that lock with the busy timeout and then finds the schema whole; it never sees a file with Flyway's history table
 * but no migration yet, which it would have refused as another program's database. The writes go through SQLite as
 * any other (into the file and its WAL), and a crash leaves either no schema or all of it.
 */
final class OneTransaction implements DataSource {
    private final Connection shared;

    OneTransaction(Connection open) {
        this.shared = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (passedOver(method)) {
                        return null;
                    }
                    if (method.getName().equals("isClosed")) {
                        return false;
                    }
                    try {
                        return method.invoke(open, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static boolean passedOver(Method method) {
        return switch (method.getName()) {
            case "commit", "close", "setAutoCommit" -> true;
            case "rollback" -> method.getParameterCount() == 0; // a savepoint's rollback stays inside the transaction
            default -> false;
        };
    }

    @Override
    public Connection getConnection() {
        return shared;
    }

    @Override
    public Connection getConnection(String username, String password) {
        return shared;
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws java.sql.SQLException {
        throw new java.sql.SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return false;
    }
}
