package dev.stride.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Looks, while {@code stride sql}'s statement runs, whether its backend waits for a lock another session holds, and
 * tells it once with the holders: a statement kept waiting so heard nothing from the server and said nothing, for as
 * long as the lock was held. Unlike a worker's statement it is not ended at a lock try and run again: the statement
 * is the user's own, and it keeps its place in the lock's queue. The look starts after {@link PostgresSession#LOCK_TRY_MS},
 * as a run tells such a wait, from a connection of its own.
 */
final class SqlLockLook implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SqlLockLook.class.getName());
    private static final long LOOK_EVERY_MS = 1000;
    private static final String LOOK = "SELECT a.wait_event_type = 'Lock', (SELECT string_agg('pid ' || b.pid"
            + " || CASE WHEN b.application_name <> '' THEN ' ' || b.application_name ELSE '' END, ', ' ORDER BY b.pid)"
            + " FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid)))"
            + " FROM pg_stat_activity a WHERE a.pid = ?";

    private final Thread thread;

    private SqlLockLook(Thread thread) {
        this.thread = thread;
    }

    static SqlLockLook start(PostgresLocation location, int pid, PostgresSqlQuery.Watch watch) {
        long began = System.nanoTime();
        Thread t = new Thread(() -> look(location, pid, watch, began), "stride-sql-lock-look");
        t.setDaemon(true);
        t.start();
        return new SqlLockLook(t);
    }

    private static void look(PostgresLocation location, int pid, PostgresSqlQuery.Watch watch, long began) {
        try {
            Thread.sleep(PostgresSession.LOCK_TRY_MS);
            try (Connection c = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
                 PreparedStatement look = c.prepareStatement(LOOK)) {
                look.setInt(1, pid);
                while (!Thread.currentThread().isInterrupted()) {
                    try (ResultSet rs = look.executeQuery()) {
                        if (rs.next() && rs.getBoolean(1) && rs.getString(2) != null
                                && !Thread.currentThread().isInterrupted()) {
                            watch.waitingForLock(location.hostAndPort(), Duration.ofNanos(System.nanoTime() - began),
                                    rs.getString(2));
                            return;
                        }
                    }
                    Thread.sleep(LOOK_EVERY_MS);
                }
            }
        } catch (InterruptedException e) {
            // The statement is over.
        } catch (SQLException e) {
            // The server away or refusing a second connection: the statement says so itself, or goes on untold.
            LOG.log(Level.FINE, "could not look at the statement's lock wait", e);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
