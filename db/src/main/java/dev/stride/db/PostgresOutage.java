package dev.stride.db;

import dev.stride.core.DatabaseOutage;
import dev.stride.core.RunListener;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one wait for a PostgreSQL server that went away, shared by every session of a store and every call in them.
 * A deadline per call let a worker wait 120 s in the writer, then 120 s more in the claim that was queued behind it,
 * then again to save the cursor and to leave: minutes past the documented bound. Here the outage starts when the
 * first session finds the server gone, ends when any session connects again, and {@link #cut} shortens it on a stop
 * (Ctrl+C, SIGTERM), so a stopping worker waits for the server at most its grace.
 */
final class PostgresOutage {
    private final String server;
    private final Duration reconnectFor;
    private long since = -1; // nanoTime when the server was found gone; -1 while it answers; guarded by this
    private boolean cut; // guarded by this
    private long cutAt; // nanoTime past which a stopping worker waits no more, once cut; guarded by this
    private boolean toldAway; // the listener heard of this outage; guarded by this
    private volatile boolean reading; // a read-only store's: its giving up ends a command, not a run
    /** Who hears of the outage as it goes (a run's progress); told outside the lock, so a slow one holds no one. */
    private volatile RunListener told = RunListener.NONE;
    /**
     * Whether a statement's lock wait looks who holds the lock: a clear's, copy's or merge's few statements. Not a
     * worker's: a thread per statement, and its progress line says the wait every few seconds without them.
     */
    private volatile boolean namingHolders;
    /** Where the sessions say what they did about a failure they got past ({@code -v}); here, as all share it. */
    private volatile Consumer<String> trace = line -> { };
    private final LockWaitCancel cancels = new LockWaitCancel();

    /** @param server the server as {@code HOST:PORT}, for whoever is told of an outage */
    PostgresOutage(String server, Duration reconnectFor) {
        this.server = server;
        this.reconnectFor = reconnectFor;
    }

    /** This outage is a read-only store's: the line that gives up says so, and nothing of a run. */
    void forReading() {
        reading = true;
    }

    boolean reading() {
        return reading;
    }

    Duration reconnectFor() {
        return reconnectFor;
    }

    /** Ends the sessions' lock waits once a stop's grace is over; each session is watched while it is open. */
    LockWaitCancel cancels() {
        return cancels;
    }

    /** The store closed: nothing is waited for any more. */
    void close() {
        cancels.close();
    }

    /**
     * A session began (its listener) or ended ({@link RunListener#NONE}). A new one is not stopped yet: an earlier
     * stop's cut is taken back and its canceller disarmed, in one step with the cut, so that a stop coming at that
     * moment arms a canceller of its own (a store kept for a second session, as the Java API allows, gave up every
     * lock wait after 250 ms and every outage at once). At a session's end the canceller stays armed until the store
     * closes: the manager's last leave may still wait on a lock after the grace.
     */
    void tellTo(RunListener listener) {
        synchronized (this) {
            if (listener != RunListener.NONE) {
                cut = false;
                cancels.disarm();
            }
        }
        told = listener;
    }

    /** From now on, a statement that waits for a lock looks who holds it, for the wait's line ({@link #lockHeld}). */
    void nameHolders() {
        namingHolders = true;
    }

    /** Whether {@link #nameHolders} was asked. */
    boolean namingHolders() {
        return namingHolders;
    }

    /**
     * Whether someone hears of the waits (a run's progress, a clear or a copy saying what it waits for): a statement
     * kept waiting for a lock then gives up at its lock try to tell it, and tries again, even without a silence limit.
     */
    boolean listened() {
        return told != RunListener.NONE;
    }

    void traceTo(Consumer<String> log) {
        trace = log;
    }

    void trace(String line) {
        trace.accept(line);
    }

    /**
     * The server was found gone (again), for {@code reason}: the outage starts now unless it already had. Told only
     * when a try to connect failed: a connection found broken may be one that an outage long over broke while it lay
     * idle (the reader's, say), and it connects again at once; saying the database is away then (an IT run printed
     * "1000/1000 done, database unreachable" after the server had been back for seconds) would be false.
     *
     * @param connecting the failure was a try to connect, not work on a connection that was open
     */
    void lost(String reason, boolean connecting) {
        lost(reason, connecting, System.nanoTime());
    }

    /**
     * As {@link #lost(String, boolean)}, for a server last heard from at {@code heardAt} (nanoTime): a statement that
     * timed out in its silence says when it was sent; a reset or a restart is now.
     */
    void lost(String reason, boolean connecting, long heardAt) {
        DatabaseOutage now;
        synchronized (this) {
            long at = System.nanoTime();
            if (since < 0) {
                since = heardAt - at < 0 ? heardAt : at;
                toldAway = false;
            }
            if (!connecting) {
                return;
            }
            toldAway = true;
            now = new DatabaseOutage(server, Duration.ofNanos(at - since), waitLimit(), reason);
        }
        told.databaseUnreachable(now);
    }

    /**
     * How long this outage is waited for in all, counted from its start: the bound, or less once a stop cut the wait
     * (the progress said "waiting up to 2m00s" on every line of a worker that was stopping within its grace).
     */
    private Duration waitLimit() {
        if (!cut) {
            return reconnectFor;
        }
        long untilCut = Math.max(0, cutAt - since);
        return untilCut < reconnectFor.toNanos() ? Duration.ofNanos(untilCut) : reconnectFor;
    }

    /** A session connected: the outage is over, and the next one gets the whole wait again. */
    void back() {
        DatabaseOutage ended;
        synchronized (this) {
            if (since < 0) {
                return; // another session found it back first: told once
            }
            ended = new DatabaseOutage(server, Duration.ofNanos(System.nanoTime() - since), reconnectFor, null);
            since = -1;
            if (!toldAway) {
                return; // nor is its end
            }
        }
        told.databaseBack(ended);
    }

    /** How long the server has been away, when it is. */
    synchronized Optional<Duration> awayFor() {
        return since < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(System.nanoTime() - since));
    }

    /** Whether the wait is over: the server was away longer than {@link #reconnectFor}, or the wait was cut. */
    synchronized boolean waitedEnough() {
        long now = System.nanoTime();
        return since >= 0 && (now - since > reconnectFor.toNanos() || cut && now - cutAt > 0);
    }

    /** Whether it was the stop that ended the wait (rather than the bound). */
    synchronized boolean cutShort() {
        long now = System.nanoTime();
        return since >= 0 && cut && now - cutAt > 0 && now - since <= reconnectFor.toNanos();
    }

    /**
     * Whether a stop's wait is over while the server is away: no more tries then. Each try on a server that is silent
     * rather than down costs a login's timeout (10 s) or a statement's silence limit, and a stopping worker's last
     * calls (its outcomes, its cursor, its leave) each paid one: a Ctrl+C took 105 s to exit.
     */
    synchronized boolean stopWaitOver() {
        return since >= 0 && cut && System.nanoTime() - cutAt > 0;
    }

    /**
     * Whether a stop's grace is over, whether or not the server is away: a lock another session holds is waited for
     * no longer then ({@link PostgresSession}), as a held SQLite file is not.
     */
    synchronized boolean stopGraceOver() {
        return cut && System.nanoTime() - cutAt > 0;
    }

    /**
     * A worker's statement has waited {@code lasted} for a lock that another session holds ({@code reason}, the
     * server's words): told as a database held, the counts standing still meanwhile. Not an outage: the server
     * answers, and its bound does not run.
     */
    void lockHeld(Duration lasted, String reason, String holders) {
        told.databaseUnreachable(DatabaseOutage.serverLocked(server, lasted, reason, holders));
    }

    /** The statement that waited for a lock went through after {@code lasted} in all. */
    void lockLetGo(Duration lasted) {
        told.databaseBack(DatabaseOutage.serverLocked(server, lasted, null, null));
    }

    /** From now on, wait for the server at most {@code within} more (a stop); a shorter cut already made stays. */
    synchronized void cut(Duration within) {
        long at = System.nanoTime() + within.toNanos();
        if (!cut || at - cutAt < 0) {
            cutAt = at;
            cut = true;
        }
        notifyAll();
        cancels.armAt(this::graceEnd, System::nanoTime);
    }

    private synchronized long graceEnd() {
        return cutAt;
    }

    /** Sleeps {@code ms} between attempts to connect, or less when the wait is cut meanwhile. */
    synchronized void pause(long ms) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        long left;
        while ((left = end - System.nanoTime()) > 0 && !waitedEnough()) {
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
