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
 * Looks, while a statement runs, whether its backend waits for a lock another session holds, and tells once who
 * holds it: a statement kept waiting hears nothing from the server, and "another session" alone sent the user to
 * pg_stat_activity to find which. For {@code stride sql}, whose statement (the user's own, keeping its place in the
 * lock's queue) is told this way; and for a clear's, copy's or merge's statement, whose session gives up at its lock
 * try and tells the wait with the holders this look found meanwhile. From a connection of its own, opened only once
 * the statement has run for the look's first delay: a statement that ends before costs a thread, no connection.
 */
final class LockLook implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LockLook.class.getName());
    private static final long LOOK_EVERY_MS = 1000;
    /**
     * The holders, as "pid 1234 (psql, idle in transaction)": the program's application_name, else its address (or a
     * local socket), and what it does now. A holder's state and address are null to a role that may not see its
     * session (no pg_read_all_stats): its pid and name are said then. pg_blocking_pids also gives the sessions queued
     * ahead for a conflicting lock (a VACUUM FULL waiting behind the psql that holds it): only those that hold the
     * lock waited for are named, or all of them when none is seen holding it.
     */
    private static final String LOOK = "SELECT a.wait_event_type = 'Lock', (SELECT string_agg('pid ' || b.pid"
            + " || COALESCE(' (' || NULLIF(concat_ws(', ', COALESCE(NULLIF(b.application_name, ''), host(b.client_addr),"
            + " CASE WHEN b.client_port = -1 THEN 'local socket' END), b.state), '') || ')', ''), ', ' ORDER BY b.pid)"
            + " FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))"
            + " AND (b.pid IN (" + holding("a.pid") + ") OR NOT EXISTS (" + holding("a.pid") + ")))"
            + " FROM pg_stat_activity a WHERE a.pid = ?";

    /**
     * The sessions that hold, granted, a lock on what backend {@code waiter} waits for (SQL). pg_blocking_pids in a
     * subquery of its own, so that it runs once, not once per granted lock (it takes every lock partition's lock).
     */
    private static String holding(String waiter) {
        String target = "(%1$s.locktype, %1$s.database, %1$s.relation, %1$s.page, %1$s.tuple, %1$s.virtualxid,"
                + " %1$s.transactionid, %1$s.classid, %1$s.objid, %1$s.objsubid)";
        return "SELECT h.pid FROM pg_locks w JOIN pg_locks h ON " + target.formatted("h") + " IS NOT DISTINCT FROM "
                + target.formatted("w") + " WHERE w.pid = " + waiter + " AND NOT w.granted AND h.granted"
                + " AND h.pid <> " + waiter + " AND h.pid IN (SELECT unnest(pg_blocking_pids(" + waiter + ")))";
    }

    /** Who hears that the statement waits, once. */
    interface Found {
        /** The statement has waited {@code lasted} (counted from the look's start) for the sessions {@code holders}. */
        void holders(Duration lasted, String holders);
    }

    private final Thread thread;

    private LockLook(Thread thread) {
        this.thread = thread;
    }

    /** Looks at the backend {@code pid} from {@code firstAfterMs} on, every second, until it is found waiting or closed. */
    static LockLook start(PostgresLocation location, int pid, long firstAfterMs, Found found) {
        long began = System.nanoTime();
        Thread t = new Thread(() -> look(location, pid, firstAfterMs, found, began), "stride-pg-lock-look");
        t.setDaemon(true);
        t.start();
        return new LockLook(t);
    }

    private static void look(PostgresLocation location, int pid, long firstAfterMs, Found found, long began) {
        try {
            Thread.sleep(firstAfterMs);
            try (Connection c = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
                 PreparedStatement look = c.prepareStatement(LOOK)) {
                look.setInt(1, pid);
                while (!Thread.currentThread().isInterrupted()) {
                    try (ResultSet rs = look.executeQuery()) {
                        if (rs.next() && rs.getBoolean(1) && rs.getString(2) != null
                                && !Thread.currentThread().isInterrupted()) {
                            found.holders(Duration.ofNanos(System.nanoTime() - began), rs.getString(2));
                            return;
                        }
                    }
                    Thread.sleep(LOOK_EVERY_MS);
                }
            }
        } catch (InterruptedException e) {
            // The statement is over.
        } catch (SQLException e) {
            // The server away or refusing a second connection: the wait is told without its holders, or untold.
            LOG.log(Level.FINE, "could not look at the statement's lock wait", e);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
