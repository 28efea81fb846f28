package dev.stride.db;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ends, once a stop's grace is over, the statements of a store's sessions that have waited for a lock another session
 * holds for longer than a stop's lock try ({@link PostgresSession#STOPPING_LOCK_TRY_MS}), instead of letting one sent
 * before the grace's end wait out its whole try (3 s: a stop took that long past its grace). One rule for all: another
 * worker's transaction on a row, a matter of milliseconds, is waited for as after the grace; a LOCK TABLE is not.
 * From its own connection, with {@code pg_cancel_backend}, and only for a backend that the server itself shows waiting
 * for a lock, for that long, in the statement that cancels it: the driver's {@code Statement.cancel()} is blind to
 * that, and would as well end a commit that is merely slow, an answer about to be saved; a look and a cancel apart
 * could end the statement after the one seen waiting. A cancelled statement's transaction rolls back whole (SQLSTATE
 * 57014), and the session gives its call up as it gives up a lock at its lock try: the answers not saved are asked
 * again next time.
 */
final class LockWaitCancel {
    private static final Logger LOG = Logger.getLogger(LockWaitCancel.class.getName());
    /** How often the backends are looked at while the store stops: one short query on a connection of its own. */
    private static final long LOOK_EVERY_MS = 20;
    /**
     * The backends among {@code ?} waiting for a lock since at least {@code ?} ms, blocked by a session not among
     * {@code ?} (one of the store's own is looked at itself), cancelled by the statement that finds them. When the
     * wait began is {@code pg_locks.waitstart} from PostgreSQL 14 on, the statement's start before it.
     */
    private static final String CANCEL_WAITING = "SELECT a.pid, pg_cancel_backend(a.pid) FROM pg_stat_activity a"
            + " WHERE a.pid = ANY (?) AND a.wait_event_type = 'Lock' AND NOT (pg_blocking_pids(a.pid) <@ ?)"
            + " AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted"
            + " AND %s <= clock_timestamp() - ? * interval '1 millisecond')";

    /** A session's statement in flight, as the canceller sees it. */
    interface Watched {
        /** The backend of the statement now in flight, 0 when none is. */
        long inFlight();
    }

    private final List<Watched> sessions = new CopyOnWriteArrayList<>();
    private volatile PostgresLocation location;
    private volatile boolean closed;
    private Thread thread; // guarded by this

    void watch(PostgresLocation where, Watched session) {
        location = where;
        sessions.add(session);
    }

    void unwatch(Watched session) {
        sessions.remove(session);
    }

    /**
     * From {@code graceEnd} (a nanoTime, read from {@code now}) on, ends the waits; the thread connects at once, so that
     * the grace's end does not wait for a login.
     */
    synchronized void armAt(LongSupplier graceEnd, LongSupplier now) {
        if (thread != null || closed || location == null) {
            return;
        }
        thread = new Thread(() -> cancelFrom(graceEnd, now), "stride-pg-lock-cancel");
        thread.setDaemon(true);
        thread.start();
    }

    void close() {
        closed = true;
        disarm();
    }

    /**
     * The stop is over (its session ended, or a new one begins on this store): no wait is ended any more, and the
     * thread's connection goes; a later stop arms it again.
     */
    void disarm() {
        Thread t;
        synchronized (this) {
            t = thread;
            thread = null;
        }
        if (t != null) {
            t.interrupt();
        }
    }

    private synchronized boolean armed(Thread t) {
        return thread == t;
    }

    /**
     * Ends now, from a connection of its own, the statements of the watched sessions that wait for a lock another
     * session holds: for a process about to end at once (a Ctrl+C), whose backend would otherwise wait on the server
     * until the lock is let go (the server hears of a client gone only when it next writes to it), and only then run
     * the statement and roll it back. Returns when it was done or could not be (the server away).
     */
    void cancelNow() {
        PostgresLocation where = location;
        if (where == null || closed) {
            return;
        }
        try (Connection c = DriverManager.getConnection(where.jdbcUrl(), where.connectionProperties());
             PreparedStatement cancel = c.prepareStatement(cancelWaiting(c))) {
            cancelWaits(c, cancel, 0);
        } catch (SQLException e) {
            LOG.log(Level.FINE, "could not end the lock waits", e);
        }
    }

    private void cancelFrom(LongSupplier graceEnd, LongSupplier now) {
        try (Connection c = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
             PreparedStatement cancel = c.prepareStatement(cancelWaiting(c))) {
            Thread self = Thread.currentThread();
            long left;
            while (!closed && armed(self) && (left = graceEnd.getAsLong() - now.getAsLong()) > 0) {
                Thread.sleep(Math.max(1, left / 1_000_000));
            }
            while (!closed && armed(self)) {
                cancelWaits(c, cancel, PostgresSession.STOPPING_LOCK_TRY_MS);
                Thread.sleep(LOOK_EVERY_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the store closed, or the stop is over
        } catch (SQLException e) {
            // The server away or refusing: the waits end at their lock tries, as without this.
            LOG.log(Level.FINE, "could not end the stop's lock waits", e);
        }
    }

    private void cancelWaits(Connection c, PreparedStatement cancel, long waitedMs) throws SQLException {
        Set<Integer> busy = new HashSet<>();
        for (Watched session : sessions) {
            long pid = Math.abs(session.inFlight());
            if (pid != 0) {
                busy.add((int) pid);
            }
        }
        if (!busy.isEmpty()) {
            cancelWaiting(c, cancel, busy, waitedMs);
        }
    }

    /** The statement that cancels the waits, for the server {@code c} is connected to. */
    static String cancelWaiting(Connection c) throws SQLException {
        return String.format(CANCEL_WAITING,
                c.getMetaData().getDatabaseMajorVersion() >= 14 ? "l.waitstart" : "a.query_start");
    }

    /**
     * Cancels, with {@code cancel} (prepared from {@link #cancelWaiting(Connection)}), those of {@code pids} that have
     * waited for a lock for {@code waitedMs} or longer, held by a session not among them; returns the ones cancelled.
     */
    static Set<Integer> cancelWaiting(Connection c, PreparedStatement cancel, Set<Integer> pids, long waitedMs)
            throws SQLException {
        Array own = c.createArrayOf("integer", pids.toArray());
        cancel.setArray(1, own);
        cancel.setArray(2, own);
        cancel.setLong(3, waitedMs);
        Set<Integer> cancelled = new HashSet<>();
        try (ResultSet rs = cancel.executeQuery()) {
            while (rs.next()) {
                cancelled.add(rs.getInt(1));
            }
        }
        return cancelled;
    }
}
