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
 * Ends, once a stop's grace is over, the statements of a store's sessions that wait for a lock another session holds,
 * instead of letting each wait out its lock try (3 s for one sent before the grace's end: a stop took that long past
 * its grace). From its own connection, with {@code pg_cancel_backend}, and only for a backend that the server itself
 * shows waiting for a lock ({@code pg_stat_activity.wait_event_type = 'Lock'}) at the look: the driver's
 * {@code Statement.cancel()} is blind to that, and would as well end a commit that is merely slow, an answer about to
 * be saved. Cancelled are the statements sent before the grace's end, and later ones only while a session this
 * already cancelled for still blocks them: another worker's transaction on a row, a matter of milliseconds, keeps its
 * short lock try ({@link PostgresSession#STOPPING_LOCK_TRY_MS}). A cancelled statement's transaction rolls back whole
 * (SQLSTATE 57014), and the session gives its call up as it gives up a lock at its lock try: the answers not saved are
 * asked again next time.
 */
final class LockWaitCancel {
    private static final Logger LOG = Logger.getLogger(LockWaitCancel.class.getName());
    /** How often the backends are looked at while the store stops: one short query on a connection of its own. */
    private static final long LOOK_EVERY_MS = 20;
    private static final String WAITING = "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity"
            + " WHERE pid = ANY (?) AND wait_event_type = 'Lock'";

    /** A session's statement in flight, as the canceller sees it. */
    interface Watched {
        /** The backend of the statement now in flight, 0 when none is; and whether it was sent with the long try. */
        long inFlight();
    }

    private final List<Watched> sessions = new CopyOnWriteArrayList<>();
    private final Set<Integer> holders = new HashSet<>(); // backends that outlived the grace holding a lock; this thread's
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
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
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
             PreparedStatement look = c.prepareStatement(WAITING);
             PreparedStatement cancel = c.prepareStatement("SELECT pg_cancel_backend(?)")) {
            cancelWaits(c, look, cancel, new HashSet<>());
        } catch (SQLException e) {
            LOG.log(Level.FINE, "could not end the lock waits", e);
        }
    }

    private void cancelFrom(LongSupplier graceEnd, LongSupplier now) {
        try (Connection c = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
             PreparedStatement look = c.prepareStatement(WAITING);
             PreparedStatement cancel = c.prepareStatement("SELECT pg_cancel_backend(?)")) {
            long left;
            while (!closed && (left = graceEnd.getAsLong() - now.getAsLong()) > 0) {
                Thread.sleep(Math.max(1, left / 1_000_000));
            }
            while (!closed) {
                cancelWaits(c, look, cancel, holders);
                Thread.sleep(LOOK_EVERY_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the store closed
        } catch (SQLException e) {
            // The server away or refusing: the waits end at their lock tries, as without this.
            LOG.log(Level.FINE, "could not end the stop's lock waits", e);
        }
    }

    private void cancelWaits(Connection c, PreparedStatement look, PreparedStatement cancel, Set<Integer> holders)
            throws SQLException {
        Set<Integer> sentBeforeGraceEnd = new HashSet<>();
        Set<Integer> busy = new HashSet<>();
        for (Watched s : sessions) {
            long f = s.inFlight();
            if (f != 0) {
                int pid = (int) Math.abs(f);
                busy.add(pid);
                if (f > 0) {
                    sentBeforeGraceEnd.add(pid);
                }
            }
        }
        if (busy.isEmpty()) {
            return;
        }
        Array pids = c.createArrayOf("integer", busy.toArray());
        look.setArray(1, pids);
        try (ResultSet rs = look.executeQuery()) {
            while (rs.next()) {
                int pid = rs.getInt(1);
                Set<Integer> blockers = new HashSet<>(List.of((Integer[]) rs.getArray(2).getArray()));
                blockers.removeAll(busy); // a session of this store blocked by another of its own: that one is looked at
                if (blockers.isEmpty()) {
                    continue;
                }
                if (sentBeforeGraceEnd.contains(pid) || blockers.stream().anyMatch(holders::contains)) {
                    holders.addAll(blockers);
                    cancel.setInt(1, pid);
                    cancel.execute();
                }
            }
        }
    }
}
