package dev.stride.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.postgresql.PGConnection;

/**
 * One connection to PostgreSQL that comes back after the server went away (a restart, a failover, a network cut):
 * {@link #run} repeats a piece of work on a new connection when the old one broke, waiting with growing pauses for at
 * most what is left of the store's {@link PostgresOutage}. The work must be safe to repeat: a transaction that broke
 * was rolled back by the server, and one whose commit was sent but not acknowledged is an outcome upsert, which finds
 * its row already there. A transaction the server ended for a deadlock or a serialization failure (40P01, 40001) is
 * run again too, from its start on the same connection, a few times at most ({@link #CONFLICT_TRIES}). A lock that
 * another session holds is waited out, told every few seconds, until a stop's grace is over.
 */
final class PostgresSession implements AutoCloseable, LockWaitCancel.Watched {
    private static final Logger LOG = Logger.getLogger(PostgresSession.class.getName());
    private static final long FIRST_PAUSE_MS = 100;
    private static final long LONGEST_PAUSE_MS = 2000;
    /**
     * How many times one call runs its work when the server keeps ending it for a deadlock or a serialization
     * failure: the other transaction goes on once this one rolled back, so a second try nearly always passes; one
     * that keeps failing is a bug to say, not to hide behind a loop.
     */
    static final int CONFLICT_TRIES = 8;
    private static final long FIRST_CONFLICT_PAUSE_MS = 20;
    /**
     * How long a worker's statement waits for a lock before the server ends the wait and {@link #run} tells it (the
     * progress says the run waits for a lock, as for a held SQLite file) and tries again: at half the silence limit
     * (15 s under the default lease) a run said nothing that long. Also how long a stopping worker past its grace
     * still waits: another worker's transaction holds a row for a moment, and a stop's last saves must not fail on
     * that.
     */
    static final int LOCK_TRY_MS = 3000;
    /**
     * The lock try once a stop's grace is over: long enough for another worker's transaction on a row (milliseconds),
     * short enough that each of the stopping worker's last calls (its cursor, its leave) that meets a table an
     * administrator holds gives up at once, not one {@link #LOCK_TRY_MS} each (five of them took 17 s: past the 10 s
     * that {@code docker stop} waits).
     */
    static final int STOPPING_LOCK_TRY_MS = 250;

    /** What is done with a connection; may be repeated on a new one. */
    interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    /** Called with each new connection before any work, to set it up (session settings, prepared statements). */
    interface Setup {
        void on(Connection connection) throws SQLException;
    }

    private final PostgresLocation location;
    private final Setup setup;
    private final PostgresOutage outage;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection connection; // guarded by lock; null when broken or closed
    private boolean closed; // guarded by lock
    /** How long one read from the server may wait, in ms; 0: for ever. Set by {@link #limitSilence}. */
    private volatile int silenceMs;
    private int silenceSetMs; // what the open connection has; -1: not set yet; guarded by lock
    private int lockTrySetMs; // the lock try the open connection has; guarded by lock
    private boolean listenedSet; // whether the open connection's lock try was set for a listener; guarded by lock
    private SQLException lastLost; // why this session last lost its connection, for the line that gives up; guarded by lock
    /** {@link #inFlight()}: the backend of the statement in flight, 0 when none is. */
    private volatile long inFlight;
    /** The sessions a {@link LockLook} saw holding the lock the statement in flight waits for; null: none seen. */
    private volatile String holders;

    private PostgresSession(PostgresLocation location, Setup setup, PostgresOutage outage) {
        this.location = location;
        this.setup = setup;
        this.outage = outage;
    }

    /** Connects now: a server that is not there when a command starts is said at once, not waited for. */
    static PostgresSession open(PostgresLocation location, Setup setup, PostgresOutage outage) {
        PostgresSession session = new PostgresSession(location, setup, outage);
        try {
            session.connection = session.connect();
        } catch (SQLException e) {
            throw PostgresErrors.translate(location, e);
        }
        outage.cancels().watch(location, session);
        return session;
    }

    <T> T run(Work<T> work) {
        lock.lock();
        try {
            long pause = FIRST_PAUSE_MS;
            long conflictPause = FIRST_CONFLICT_PAUSE_MS;
            int conflicts = 0;
            boolean fresh = true;
            long began = System.nanoTime();
            boolean lockWaited = false; // told as held: its end is told too
            while (true) {
                if (closed) {
                    throw new StoreException(DbPhrase.of("store.closed", location));
                }
                // A new call only: one already waiting makes its last try after its pause, as before the stop.
                if (fresh && outage.stopWaitOver()) {
                    SQLException away = lastLost != null ? lastLost
                            : new SQLException("the server stopped answering another connection", "08006");
                    throw gaveUp(away, away);
                }
                fresh = false;
                SQLException lost;
                Exception thrown;
                boolean connecting = false; // a try to connect that failed, not work on an open connection
                long sent = System.nanoTime();
                try {
                    if (connection == null) {
                        connecting = true;
                        connection = connect();
                        silenceSetMs = -1;
                        connecting = false;
                        outage.back();
                    }
                    int silence = silenceMs;
                    int lockTry = outage.stopGraceOver() ? STOPPING_LOCK_TRY_MS : LOCK_TRY_MS;
                    boolean listened = outage.listened();
                    if (silence != silenceSetMs || lockTry != lockTrySetMs || listened != listenedSet) {
                        connection.setNetworkTimeout(Runnable::run, silence);
                        limitLockWaits(connection, silence, lockTry, listened);
                        silenceSetMs = silence;
                        lockTrySetMs = lockTry;
                        listenedSet = listened;
                    }
                    sent = System.nanoTime();
                    T result;
                    int pid = connection.unwrap(PGConnection.class).getBackendPID();
                    inFlight = pid;
                    holders = null;
                    // Looked at within the lock try (3 s from the wait's start), at least twice: after the try the
                    // statement no longer waits, and the server no longer says for whom.
                    try (LockLook look = outage.namingHolders()
                            ? LockLook.start(location, pid, LOCK_TRY_MS / 3, (lasted, h) -> holders = h) : null) {
                        result = work.on(connection);
                    } finally {
                        inFlight = 0;
                    }
                    if (lockWaited) {
                        outage.lockLetGo(Duration.ofNanos(System.nanoTime() - began));
                    }
                    return result;
                } catch (SQLException e) {
                    if (PostgresErrors.isLockTimeout(e) || cancelledForStop(e)) {
                        pause = waitOutLock(e, e, began, pause);
                        lockWaited = true;
                        continue;
                    }
                    if (PostgresErrors.isConflict(e) && ++conflicts < CONFLICT_TRIES) {
                        conflictPause = runAgainAfterConflict(e, conflicts, conflictPause);
                        continue;
                    }
                    if (!PostgresErrors.isConnectionLost(e, connection)) {
                        throw PostgresErrors.translate(location, e);
                    }
                    lost = e;
                    thrown = e;
                } catch (org.jooq.exception.DataAccessException e) {
                    SQLException sql = PostgresErrors.sqlCause(e);
                    if (sql != null && (PostgresErrors.isLockTimeout(sql) || cancelledForStop(sql))) {
                        pause = waitOutLock(sql, e, began, pause);
                        lockWaited = true;
                        continue;
                    }
                    if (sql != null && PostgresErrors.isConflict(sql) && ++conflicts < CONFLICT_TRIES) {
                        conflictPause = runAgainAfterConflict(sql, conflicts, conflictPause);
                        continue;
                    }
                    if (sql == null || !PostgresErrors.isConnectionLost(sql, connection)) {
                        throw sql == null ? new StoreException(DbPhrase.of("pg.failed", location.hostAndPort(),
                                PostgresErrors.detail(e)), e) : PostgresErrors.translate(location, sql);
                    }
                    lost = sql;
                    thrown = e;
                }
                lastLost = lost;
                dropConnection();
                // A statement that timed out in the server's silence has heard nothing since it was sent; a reset or a
                // restart ends the server's answers now, however long the work had run (a long export or copy).
                outage.lost(PostgresErrors.detail(lost), connecting, PostgresErrors.silent(lost) ? sent
                        : System.nanoTime());
                // Checked after every attempt, each bounded by the driver's login timeout: the bound holds by the
                // clock, and one outage is waited for once, whichever session or call finds it.
                if (outage.waitedEnough()) {
                    throw gaveUp(lost, thrown);
                }
                LOG.log(Level.FINE, "lost " + location + ", reconnecting", thrown);
                try {
                    outage.pause(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreException(DbPhrase.of("store.closed", "PostgreSQL"), e);
                }
                pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * From the next statement on, a server silent for longer than {@code limit} in the middle of one counts as gone:
     * the connection is dropped and the work repeated on a new one, as after a restart. A network cut or a host gone
     * dark sends no reset, and the system's keepalives (2 hours on Linux) would otherwise hold the statement, and the
     * worker, with the progress saying nothing, past the outage's bound. A stop while the server is silent still
     * waits out this limit, not only its grace: a statement's duration alone cannot tell a silent server from a lock
     * or a slow commit, and giving those up after the grace lost answers that were about to be saved. Only for a
     * worker's short statements: a long query (stride sql, export, clear of a big run) is no sign of a lost server.
     */
    void limitSilence(Duration limit) {
        silenceMs = (int) Math.min(Integer.MAX_VALUE, limit.toMillis());
    }

    /**
     * A statement waiting on a lock (an administrator's LOCK TABLE or VACUUM FULL, a long transaction) hears nothing
     * from the server either. Left to the silence limit it was taken for a lost server: its backend stayed waiting on
     * the lock while the work was repeated on a new connection, one more stuck backend each time (towards the
     * server's max_connections), the run saying nothing. The server now ends such a wait itself after
     * {@link #LOCK_TRY_MS} (at most half the limit), and {@link #run} waits the lock out and repeats the work on the
     * same connection, as before the limit. A store someone listens to ({@code listened}: a clear, a copy into
     * PostgreSQL, before a worker joins) has the lock try without a silence limit too: its wait, unbounded as before,
     * is told after the try, and a stop can end it (clear waited without a word, and a Ctrl+C left its backend
     * waiting on the server).
     */
    private static void limitLockWaits(Connection c, int silenceMs, int lockTryMs, boolean listened)
            throws SQLException {
        int ms = silenceMs > 0 ? Math.min(silenceMs / 2, lockTryMs) : listened ? lockTryMs : 0; // 0: no limit
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = " + ms);
        }
    }

    /**
     * The statement was cancelled (57014) once a stop's grace was over: by {@link LockWaitCancel}, for the lock it
     * waited for, and given up as one that reached its lock try. (An administrator's pg_cancel_backend then ends it
     * the same way.)
     */
    private boolean cancelledForStop(SQLException e) {
        return PostgresErrors.isCancelled(e) && outage.stopGraceOver();
    }

    @Override
    public long inFlight() {
        return inFlight;
    }

    /**
     * After a statement gave up on a lock ({@code e}): its transaction rolled back, the wait told, a pause, then the
     * next try. Once a stop's grace is over the wait ends instead, as it does for a server away: retried without end,
     * a Ctrl+C never ended while an administrator's LOCK TABLE or a long transaction held the table.
     *
     * @param began when the call began, from which the wait is counted
     */
    private long waitOutLock(SQLException e, Exception thrown, long began, long pause) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException broken) {
            dropConnection(); // the next try connects again, and says so if the server is gone
        }
        Duration lasted = Duration.ofNanos(System.nanoTime() - began);
        String detail = PostgresErrors.detail(e);
        if (outage.stopGraceOver()) {
            outage.trace("PostgreSQL at " + location.hostAndPort() + ": waited " + lasted.toMillis() + " ms for a lock"
                    + " another session holds (" + detail + ", SQLSTATE " + PostgresErrors.sqlState(e) + ", lock try "
                    + lockTrySetMs + " ms); the stop's grace is over, so its transaction was rolled back and is not"
                    + " tried again");
            throw new StoreException(DbPhrase.of("pg.stoppedWaitingLock", location.hostAndPort(), lasted.toSeconds(),
                    detail), thrown);
        }
        outage.lockHeld(lasted, detail, holders);
        try {
            Thread.sleep(pause);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new StoreException(DbPhrase.of("store.closed", "PostgreSQL"), interrupted);
        }
        return Math.min(pause * 2, LONGEST_PAUSE_MS);
    }

    /**
     * After the server ended the work's transaction for a deadlock or a serialization failure: it is rolled back
     * (the server did, and so does the work's own transaction on the way out), and after a pause the work runs again
     * from its start, never from where it broke. The pause is drawn at random up to a growing bound, so that the two
     * transactions that met do not meet again at the same moment.
     *
     * @param tried how many times the work has failed so far
     */
    private long runAgainAfterConflict(SQLException e, int tried, long bound) {
        outage.trace("PostgreSQL at " + location.hostAndPort() + ": " + PostgresErrors.detail(e) + " (SQLSTATE "
                + PostgresErrors.sqlState(e) + "); its transaction was rolled back, running it again (" + (tried + 1)
                + " of " + CONFLICT_TRIES + ")");
        LOG.log(Level.FINE, "transaction ended by the server, running it again", e);
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException broken) {
            dropConnection(); // the next try connects again, and says so if the server is gone
        }
        try {
            Thread.sleep(1 + ThreadLocalRandom.current().nextLong(bound));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new StoreException(DbPhrase.of("store.closed", "PostgreSQL"), interrupted);
        }
        return Math.min(bound * 2, LONGEST_PAUSE_MS / 4);
    }

    private StoreException gaveUp(SQLException lost, Exception thrown) {
        if (outage.reconnectFor().isZero()) {
            // A reader that waits for no server (the dashboard, asked again every 2 s): the server is away, no more.
            return PostgresErrors.translate(location, lost);
        }
        long away = outage.awayFor().orElse(Duration.ZERO).toSeconds();
        if (outage.reading()) {
            // status, export, sql...: no run stops, and a silent server (a cut network) is said as one.
            return PostgresErrors.silent(lost) ? new StoreException(DbPhrase.of("pg.silent", location.hostAndPort(),
                    away, location.shown()), thrown) : PostgresErrors.translate(location, lost);
        }
        return outage.cutShort()
                ? new StoreException(DbPhrase.of("pg.stoppedWaiting", location.hostAndPort(), away,
                        PostgresErrors.detail(lost)), thrown)
                : new StoreException(DbPhrase.of("pg.gaveUp", location.hostAndPort(),
                        outage.reconnectFor().toSeconds(), PostgresErrors.detail(lost)), thrown);
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(location.jdbcUrl(), location.connectionProperties());
        try {
            setup.on(c);
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void dropConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // It is broken already.
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        outage.cancels().unwatch(this);
        lock.lock();
        try {
            closed = true;
            dropConnection();
        } finally {
            lock.unlock();
        }
    }
}
