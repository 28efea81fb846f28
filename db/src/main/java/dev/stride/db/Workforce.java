package dev.stride.db;

import static dev.stride.db.schema.Tables.WORKERS;

import dev.stride.core.InputRecord;
import dev.stride.core.Joined;
import dev.stride.core.LiveWorkersException;
import dev.stride.core.RunState;
import dev.stride.core.RunWorkers;
import dev.stride.core.ServerLimit;
import dev.stride.core.SyncReport;
import dev.stride.core.WorkerInfo;
import dev.stride.db.schema.tables.records.WorkersRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * This process as a worker of a run, whichever database holds it: joining, renewing the lease, claiming, leaving,
 * and the run-wide decisions several workers share (a sync refused under live workers, the state a cursor stores).
 * Every method runs in the caller's transaction on the caller's {@link DSLContext}; the store brings the connection,
 * the locking and, for the claim itself, the vendor's words ({@link Claims}).
 */
final class Workforce {
    /** The machine's name, as status shows a worker's. */
    /** The PID namespace every process of a machine is in unless it is in a container (PROC_PID_INIT_INO). */
    private static final String FIRST_PID_NAMESPACE = "pid:[4026531836]";
    static final String HOST = hostName();
    /**
     * The lease of a worker that left records to the others ({@link #leave}): ended long before anyone's now, whatever
     * the few milliseconds by which workers' clocks may disagree.
     */
    private static final String HANDED_OVER = UtcText.format(Instant.EPOCH);

    private final Clock clock;
    /** This process as a worker, once it joined a run; written under the store's write lock. */
    private volatile Worker worker;
    /** This worker claims failures too: it keeps the claim of a failure it stores, so it tries each once. */
    private volatile boolean retryingFailures;
    /**
     * When the rerun of failures this worker is part of began (null until its first claim of failures): a failure
     * stored since was tried in this rerun, by this worker or another, and is not claimed again. A worker's own kept
     * claims alone do not say it: they go when it leaves, and a worker whose pass had not reached those records yet
     * asked them a second time (682 requests for 582 failures with two workers at --retries 0). Kept in the worker's
     * row, for a worker that joins to take.
     */
    private volatile String retrySince;
    /** {@link #retrySince} is in this worker's row: a claim that wrote it committed ({@link #claimed}). */
    private volatile boolean retrySinceStored;
    /**
     * The latest a rerun this worker takes part in can have begun, as of its sync or join ({@link #rerunFloor}):
     * when it joined, or the start of a rerun then under way. A rerun's worker that stored its failures and left
     * before this one's first claim is gone from the rows by then; this remembers it was there.
     */
    private volatile String rerunFloor;
    /** What this worker keeps in flight, as last told; stored with the row. One field: a row never mixes two tells. */
    private volatile InFlight inFlight = InFlight.UNTOLD;
    /** The requests this worker has out, as last told; null until told. */
    private volatile Integer requestsOut;
    /** Since when this worker has waited for its server(s), as UTC text, as last told; null while answers come. */
    private volatile String waitingSince;
    /**
     * What its held records wait for that is not a server, as last told; {@link Waiting#UNTOLD} until told. One field:
     * a row never mixes two tells.
     */
    private volatile Waiting waiting = Waiting.UNTOLD;
    /** Counts the tells that changed {@link #inFlight}, {@link #requestsOut}, {@link #waiting} or {@link #waitingSince}:
     * written once it differs from {@link #figuresWritten}. */
    private final AtomicLong figuresTold = new AtomicLong();
    /** {@link #figuresTold} as of the last write of the figures (a renewal's or {@link #writeFigures}). */
    private volatile long figuresWritten;
    /** When the figures were last written; null before the first write. */
    private volatile Instant figuresWrittenAt;
    /**
     * A claim found this worker's lease run out (its row gone or expired) and renewed it: the next renewal says so
     * ({@link #renewHeld}).
     */
    private volatile boolean lapsedSinceRenewal;
    /**
     * The records this worker claimed and has not settled (no outcome stored that dropped the claim): what a lapsed
     * lease takes back where no other worker took them meanwhile ({@link #retake}). Claims and renewals come from
     * different threads (on PostgreSQL, different connections), hence concurrent sets.
     */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /**
     * Records of {@link #held} whose claim another worker took (or answered) while this worker's lease had lapsed:
     * not to be sent ({@link #stillClaimed}). A later claim of one again makes it this worker's once more.
     */
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    /** This worker's place when its sync made it one ({@link #enlist}); null when no sync did. */
    private volatile Joined enlisted;
    /** When a claim last looked for workers of this machine whose process ended ({@link #endDeadOnThisHost}). */
    private volatile Instant lastDeadLook;
    /**
     * The run's worker that joined last before this process did, as this process found it on joining (its sync's
     * {@link #enlist} or its {@link #join}): what the run's last session kept in flight. The join drops the row of a
     * session killed on this machine (or one whose lease ran out) and puts this one's after it, so a look after it
     * found this session's own limit, and a resume after a kill -9 at --concurrency 16 said nothing of it.
     */
    private volatile LastBefore lastBefore;

    /**
     * How often a claim looks whether a worker of this machine has died: a claim is made every half round (many a
     * second), and the look (a select and a process look-up per worker of this machine) need not be.
     */
    private static final Duration DEAD_LOOK = Duration.ofSeconds(1);

    /**
     * The least time between two writes of changed in-flight figures between renewals: status shows what the run does
     * now (a run that went from 2 to 32 in flight said 2 until its next renewal, up to a third of a lease), at most
     * one short update a second however often the figures move (every answer moves the requests out).
     */
    static final Duration FIGURES_EVERY = Duration.ofSeconds(1);
    /**
     * How old unchanged figures may get before they are written again: their time in the row then says that the
     * worker still keeps them, and status says how old figures are that a worker stopped confirming (a stuck writer,
     * a worker killed on another machine).
     */
    static final Duration FIGURES_KEPT = Duration.ofSeconds(3);

    /**
     * This worker's bound on requests in flight (null until told), whether it is learnt, and each server's own as the
     * column's text (null for none).
     */
    private record InFlight(Integer limit, int auto, String servers) {
        static final InFlight UNTOLD = new InFlight(null, 0, null);
    }

    /** This worker's requests held back for a rate limit and records waiting to be sent again; null until told. */
    private record Waiting(Integer forRateLimit, Integer toSendAgain) {
        static final Waiting UNTOLD = new Waiting(null, null);
    }

    /** The run's worker that joined last before this process joined the run; null when there was none. */
    private record LastBefore(long runId, WorkerInfo worker) {
    }

    /** Who this worker is, when it joined, how long its lease lasts. */
    private record Worker(long runId, String id, String joinedAt, Duration lease) {
    }

    /**
     * The workers this process is at work as now, over every store it has open: a row of this machine and this process
     * that is none of them is a session of it that ended without leaving (the disk was full), as dead as a killed
     * process's.
     */
    private static final Set<String> AT_WORK_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    Workforce(Clock clock) {
        this.clock = clock;
    }

    /**
     * This process as a worker of the run: the row its sync put there ({@link #enlist}) renewed, or a new one. Either
     * way one row, numbered in the order the workers' rows were made.
     */
    Joined join(DSLContext dsl, long runId, Duration lease) {
        String now = now();
        Worker synced = worker;
        if (synced == null || synced.runId() != runId) {
            lastBefore = new LastBefore(runId, lastRow(dsl, runId).orElse(null));
        }
        new Claims(dsl).dropExpired(runId, now);
        dropDeadOnThisHost(dsl, runId);
        Worker w = synced != null && synced.runId() == runId
                ? new Worker(runId, synced.id(), synced.joinedAt(), lease)
                : new Worker(runId, UUID.randomUUID().toString(), now, lease);
        if (synced == null || synced.runId() != runId) {
            enlisted = null; // a worker no sync made
        }
        worker = w;
        AT_WORK_IN_THIS_PROCESS.add(w.id());
        retryingFailures = false;
        retrySince = null; // a new session, a new rerun unless it joins one at its first claim of failures
        retrySinceStored = false;
        requestsOut = null;
        waiting = Waiting.UNTOLD;
        waitingSince = null; // a wait that outlasted the last session (it ended in an outage) is not this one's
        lapsedSinceRenewal = false;
        held.clear(); // a session's claims: a new one starts with none (its row's claims went with the last leave)
        lost.clear();
        renew(dsl, w); // inserts the row when there is none (never enlisted, or its lease ran out meanwhile)
        // A worker its sync made keeps what it saw then: a rerun's worker may have left since.
        rerunFloor = earlier(synced != null && synced.runId() == runId ? rerunFloor : null, rerunFloor(dsl, w));
        int number = dsl.select(WORKERS.NUMBER).from(WORKERS)
                .where(WORKERS.RUN_ID.eq(runId)).and(WORKERS.WORKER_ID.eq(w.id())).fetchOne(WORKERS.NUMBER);
        int others = dsl.fetchCount(WORKERS, WORKERS.RUN_ID.eq(runId).and(WORKERS.WORKER_ID.ne(w.id())));
        return new Joined(number, others);
    }

    /**
     * Makes this process a worker of the run in the caller's transaction, a sync's that goes on to work: from its
     * commit on, another process's sync of a changed input finds a live worker and is refused
     * ({@link #refuseUnderLiveWorkers}), as it would be once this process had joined. The join renews this row; a
     * process that does not go on to work leaves it ({@link #leave}). A row this process made for another run and
     * never left goes: a process works on one run at a time.
     */
    void enlist(DSLContext dsl, long runId, Duration lease) {
        String now = now();
        Worker before = worker;
        if (before != null && before.runId() == runId) {
            Worker w = new Worker(runId, before.id(), before.joinedAt(), lease);
            worker = w;
            AT_WORK_IN_THIS_PROCESS.add(w.id());
            renew(dsl, w);
            enlisted = place(dsl, w);
            return;
        }
        if (before != null) {
            dsl.deleteFrom(WORKERS).where(WORKERS.RUN_ID.eq(before.runId()))
                    .and(WORKERS.WORKER_ID.eq(before.id())).execute();
            AT_WORK_IN_THIS_PROCESS.remove(before.id());
        }
        lastBefore = new LastBefore(runId, lastRow(dsl, runId).orElse(null));
        new Claims(dsl).dropExpired(runId, now);
        // A worker of this machine killed a moment ago is not one this process joins: it would say so otherwise.
        dropDeadOnThisHost(dsl, runId);
        Worker w = new Worker(runId, UUID.randomUUID().toString(), now, lease);
        requestsOut = null; // none yet: a new worker of this run has sent nothing
        waiting = Waiting.UNTOLD;
        waitingSince = null; // nor found its server gone
        AT_WORK_IN_THIS_PROCESS.add(w.id());
        insert(dsl, w, nextNumber(dsl, runId), now);
        worker = w;
        retryingFailures = false;
        retrySince = null;
        retrySinceStored = false;
        rerunFloor = rerunFloor(dsl, w);
        enlisted = place(dsl, w);
    }

    /**
     * This worker's place as its sync made it one: its number and the others then live. Workers enlist one at a
     * time (each sync holds the write lock), so every other live one enlisted before it: a run at work.
     */
    Optional<Joined> enlisted(long runId) {
        Worker w = worker;
        Joined place = enlisted;
        return w != null && w.runId() == runId ? Optional.ofNullable(place) : Optional.empty();
    }

    private Joined place(DSLContext dsl, Worker w) {
        int number = dsl.select(WORKERS.NUMBER).from(WORKERS)
                .where(WORKERS.RUN_ID.eq(w.runId())).and(WORKERS.WORKER_ID.eq(w.id())).fetchOne(WORKERS.NUMBER);
        int others = dsl.fetchCount(WORKERS, WORKERS.RUN_ID.eq(w.runId()).and(WORKERS.WORKER_ID.ne(w.id()))
                .and(WORKERS.LEASE_UNTIL.gt(now())));
        return new Joined(number, others);
    }

    List<InputRecord> claim(DSLContext dsl, long runId, long afterSeq, int limit, boolean includeFailed) {
        Worker w = joined(runId);
        // The writer renews the lease a few times per lease; a claim only makes sure the worker's lease holds (its
        // row is gone if another worker took this one for dead), without updating it: an update here would make every
        // outcome's count of this worker wait for the claim's commit. The same look says whether a dead worker's
        // records are to be taken.
        endDeadOnThisHost(dsl, w);
        Claims claims = new Claims(dsl);
        Claims.Leases leases = claims.leases(runId, w.id(), now());
        if (!leases.ownHeld()) {
            lapsed(dsl, w);
        }
        retryingFailures |= includeFailed;
        String since = includeFailed ? rerun(dsl, w) : null;
        return claims.claim(runId, w.id(), afterSeq, limit, includeFailed, since, now(), leases.othersLapsed());
    }

    /**
     * The records a claim got, once its transaction committed: this worker's until their outcomes are stored (a
     * claim that did not commit must not be taken back after a lapse: nobody would send it).
     */
    void claimed(List<InputRecord> records) {
        // Any claim of failures wrote its rerun's start in the row, in the transaction that just committed.
        retrySinceStored = retrySince != null;
        for (InputRecord r : records) {
            held.add(r.id());
            lost.remove(r.id());
        }
    }

    /** An outcome stored for {@code recordId}: its claim went with it, unless {@link #dropsClaimOf} keeps it. */
    void settled(String recordId, boolean done) {
        if (dropsClaimOf(done)) {
            held.remove(recordId);
        }
    }

    /**
     * Whether this worker may still send {@code recordId}: false once a renewal after a lapse found another worker
     * holding it (or its answer stored). In memory: asked before every request.
     */
    boolean stillClaimed(String recordId) {
        return !lost.contains(recordId);
    }

    /** As {@link #claim(DSLContext, long, long, int, boolean)}, with the SQLite store's statements kept prepared. */
    List<InputRecord> claim(DSLContext dsl, PreparedClaims prepared, long runId, long afterSeq, int limit,
                            boolean includeFailed) throws SQLException {
        Worker w = joined(runId);
        endDeadOnThisHost(dsl, w);
        Claims.Leases leases = prepared.leases(runId, w.id(), now());
        if (!leases.ownHeld()) {
            lapsed(dsl, w);
        }
        retryingFailures |= includeFailed;
        String since = includeFailed ? rerun(dsl, w) : null;
        return prepared.claim(runId, w.id(), afterSeq, limit, includeFailed, since, now(), leases.othersLapsed());
    }

    /**
     * When the rerun of failures this worker is part of began, in the caller's claim transaction: the earliest start
     * among the other live workers retrying failures, now or when this one joined ({@link #rerunFloor}), else when
     * this worker joined. So workers started at different times, or one restarted after kill -9 while others go on,
     * ask each failure once between them (a failure stored since a worker joined was stored in its rerun), and a
     * --retry-failed typed once every worker is gone retries every failure again. Written in the row until a claim
     * that wrote it commits, and at each renewal, so that the workers who join later find it.
     *
     * <p>No lock between two first claims on PostgreSQL: one that misses the other's start (not yet committed)
     * joined before that commit, so before any failure the other stores in its rerun.
     */
    private String rerun(DSLContext dsl, Worker w) {
        String since = retrySince;
        if (since == null) {
            since = earlier(rerunFloor, earliestRerun(dsl, w));
            retrySince = since;
        }
        if (!retrySinceStored) {
            dsl.update(WORKERS).set(WORKERS.RETRY_SINCE, since)
                    .where(WORKERS.RUN_ID.eq(w.runId())).and(WORKERS.WORKER_ID.eq(w.id())).execute();
        }
        return since;
    }

    /** When this worker joined, or the start of a rerun of the others' under way then if earlier. */
    private String rerunFloor(DSLContext dsl, Worker w) {
        return earlier(w.joinedAt(), earliestRerun(dsl, w));
    }

    /** The earliest start of a rerun among the other live workers retrying failures; null: none. */
    private String earliestRerun(DSLContext dsl, Worker w) {
        return dsl.select(DSL.min(WORKERS.RETRY_SINCE)).from(WORKERS)
                .where(WORKERS.RUN_ID.eq(w.runId())).and(WORKERS.WORKER_ID.ne(w.id()))
                .and(WORKERS.LEASE_UNTIL.gt(now())).and(WORKERS.RETRY_SINCE.isNotNull())
                .fetchOne().value1();
    }

    /** The earlier of two stored timestamps (UTC text sorts as time); null is neither. */
    private static String earlier(String a, String b) {
        return a == null ? b : b == null || a.compareTo(b) <= 0 ? a : b;
    }

    /** The requests this worker has out: stored at each renewal and by {@link #writeFigures}, as its bound is. */
    void reportRequestsOut(int requests) {
        Integer before = requestsOut;
        requestsOut = requests;
        if (before == null || before != requests) {
            figuresTold.incrementAndGet(); // atomic: the wait for a server is told by request threads
        }
    }

    /**
     * Its requests held back for a rate limit and its records waiting to be sent again: stored with the in-flight
     * figures (at each renewal and by {@link #writeFigures}), as its requests out are. Told by the runner's claiming
     * thread each time it wakes: a change only counts.
     */
    void reportRequestsWaiting(int forRateLimit, int toSendAgain) {
        Waiting told = new Waiting(forRateLimit, toSendAgain);
        if (!told.equals(waiting)) {
            waiting = told;
            figuresTold.incrementAndGet();
        }
    }

    /**
     * Since when this worker has waited for its server(s), or null once one answers: stored with the in-flight figures
     * (at each renewal and by {@link #writeFigures}), so a change is in the row within about a second. Synchronized:
     * the runner tells it from request threads (under its own lock today, which this need not rely on).
     */
    synchronized void reportServerWait(Instant since) {
        String told = since == null ? null : UtcText.format(since);
        if (!Objects.equals(told, waitingSince)) {
            waitingSince = told;
            figuresTold.incrementAndGet();
        }
    }

    /** What this worker keeps in flight: stored when it joins, at each renewal and by {@link #writeFigures}. */
    void reportInFlight(int limit, boolean auto, List<ServerLimit> servers) {
        InFlight told = new InFlight(limit > 0 ? limit : null, auto ? 1 : 0, ServerLimitsColumn.write(servers));
        if (!told.equals(inFlight)) {
            inFlight = told;
            figuresTold.incrementAndGet();
        }
    }

    /**
     * Whether what this worker keeps in flight is to be written now, between renewals ({@link #writeFigures}): it
     * changed and the last write is {@link #FIGURES_EVERY} old, or it did not and the last write is
     * {@link #FIGURES_KEPT} old. In memory: asked by the writer each time it wakes.
     */
    boolean figuresDue(long runId) {
        Worker w = worker;
        Instant at = figuresWrittenAt;
        if (w == null || w.runId() != runId || at == null) {
            return false;
        }
        Duration since = Duration.between(at, clock.instant());
        return since.compareTo(figuresTold.get() != figuresWritten ? FIGURES_EVERY : FIGURES_KEPT) >= 0;
    }

    /**
     * Writes what this worker keeps in flight to its row, and when: the lease, the heartbeat and the claims stay as
     * they are, so it never waits for a claim on PostgreSQL (only this row) and costs one short update. A row gone (this
     * worker taken for dead) is left to the next renewal, which makes it again.
     */
    void writeFigures(DSLContext dsl, long runId) {
        Worker w = joined(runId);
        long told = figuresTold.get();
        InFlight figures = inFlight;
        Waiting held = waiting;
        Instant at = clock.instant();
        dsl.update(WORKERS).set(WORKERS.IN_FLIGHT, figures.limit()).set(WORKERS.IN_FLIGHT_AUTO, figures.auto())
                .set(WORKERS.IN_FLIGHT_SERVERS, figures.servers()).set(WORKERS.REQUESTS_OUT, requestsOut)
                .set(WORKERS.WAITING_FOR_RATE_LIMIT, held.forRateLimit())
                .set(WORKERS.WAITING_TO_SEND_AGAIN, held.toSendAgain())
                .set(WORKERS.IN_FLIGHT_AT, UtcText.format(at)).set(WORKERS.WAITING_SINCE, waitingSince)
                .where(WORKERS.RUN_ID.eq(w.runId())).and(WORKERS.WORKER_ID.eq(w.id())).execute();
        written(told, at);
    }

    /** The figures as of tell {@code told} went into the row at {@code at}. */
    private void written(long told, Instant at) {
        figuresWritten = told;
        figuresWrittenAt = at;
    }

    /**
     * Renews this worker's lease; false when it had lapsed before (its row gone or expired, or a claim found it so
     * since the last renewal). A lapse costs only the claims another worker took meanwhile: a row still there (expired,
     * but nobody took this worker for dead) still holds every claim, and when it was dropped, the claims it held that
     * are still free are taken back ({@link #retake}); {@link #stillClaimed} tells which are lost. A renewed lease
     * thus always means the worker holds the claims it will send.
     *
     * <p>Touches only this worker's row and, after a lapse, its own claims: it need not wait for a claim in progress.
     */
    boolean renewHeld(DSLContext dsl, long runId) {
        Worker w = joined(runId);
        boolean lapsedMeanwhile = lapsedSinceRenewal;
        boolean held = !lapsedFrom(dsl, w) && !lapsedMeanwhile;
        lapsedSinceRenewal = false;
        return held;
    }

    /**
     * A claim found the lease run out: renewed (taking back what is still free) so that the claim has a worker to
     * belong to, and marked for the next renewal to say so.
     */
    private void lapsed(DSLContext dsl, Worker w) {
        lapsedSinceRenewal = true;
        lapsedFrom(dsl, w);
    }

    /**
     * Renews the row, taking back the claims still free when another worker had dropped it (its claims went with it,
     * by cascade); whether the lease had run out.
     */
    private boolean lapsedFrom(DSLContext dsl, Worker w) {
        String now = now();
        var row = dsl.select(WORKERS.LEASE_UNTIL).from(WORKERS)
                .where(WORKERS.RUN_ID.eq(w.runId())).and(WORKERS.WORKER_ID.eq(w.id()));
        // Locked on PostgreSQL until the renewal commits: another worker's drop of expired workers then waits, and
        // finds the row renewed. (SQLite's IMMEDIATE transaction already keeps every other writer out.)
        String until = dsl.dialect().family() == SQLDialect.POSTGRES
                ? row.forNoKeyUpdate().fetchOne(WORKERS.LEASE_UNTIL)
                : row.fetchOne(WORKERS.LEASE_UNTIL);
        renew(dsl, w);
        if (until == null) {
            retake(dsl, w);
        }
        return until == null || until.compareTo(now) <= 0;
    }

    /**
     * After this worker's row was dropped (taken for dead): claims again those of its records that no one holds and
     * that have no outcome (for a worker retrying failures, no answer), in this transaction; the rest are lost.
     */
    private void retake(DSLContext dsl, Worker w) {
        Set<String> mine = Set.copyOf(held);
        if (mine.isEmpty()) {
            return;
        }
        Set<String> kept = new Claims(dsl).retake(w.runId(), w.id(), mine, retryingFailures);
        for (String id : mine) {
            if (!kept.contains(id)) {
                held.remove(id);
                lost.add(id);
            }
        }
    }

    /**
     * One row's update, whatever the worker holds. A worker taken for dead (its lease ran out, e.g. the machine
     * slept) and dropped by another joins again under the same id; its claims are gone, and its outcomes still count.
     */
    private void renew(DSLContext dsl, Worker w) {
        Instant at = clock.instant();
        String now = UtcText.format(at);
        long version = figuresTold.get();
        InFlight told = inFlight;
        Waiting held = waiting;
        int updated = dsl.update(WORKERS).set(WORKERS.HEARTBEAT_AT, now).set(WORKERS.LEASE_UNTIL, leaseUntil(w))
                .set(WORKERS.IN_FLIGHT, told.limit()).set(WORKERS.IN_FLIGHT_AUTO, told.auto())
                .set(WORKERS.IN_FLIGHT_SERVERS, told.servers()).set(WORKERS.REQUESTS_OUT, requestsOut)
                .set(WORKERS.WAITING_FOR_RATE_LIMIT, held.forRateLimit())
                .set(WORKERS.WAITING_TO_SEND_AGAIN, held.toSendAgain())
                .set(WORKERS.IN_FLIGHT_AT, now).set(WORKERS.WAITING_SINCE, waitingSince)
                .set(WORKERS.RETRY_SINCE, retrySince)
                .where(WORKERS.RUN_ID.eq(w.runId())).and(WORKERS.WORKER_ID.eq(w.id())).execute();
        if (updated == 0) {
            insert(dsl, w, nextNumber(dsl, w.runId()), now);
        }
        written(version, at);
    }

    private void insert(DSLContext dsl, Worker w, int number, String now) {
        InFlight told = inFlight;
        Waiting held = waiting;
        dsl.insertInto(WORKERS)
                .set(WORKERS.RUN_ID, w.runId())
                .set(WORKERS.WORKER_ID, w.id())
                .set(WORKERS.NUMBER, number)
                .set(WORKERS.HOST, HOST)
                .set(WORKERS.PID, ProcessHandle.current().pid())
                .set(WORKERS.STARTED_AT, w.joinedAt())
                .set(WORKERS.HEARTBEAT_AT, now)
                .set(WORKERS.LEASE_UNTIL, leaseUntil(w))
                .set(WORKERS.IN_FLIGHT, told.limit())
                .set(WORKERS.IN_FLIGHT_AUTO, told.auto())
                .set(WORKERS.IN_FLIGHT_SERVERS, told.servers())
                .set(WORKERS.REQUESTS_OUT, requestsOut)
                .set(WORKERS.WAITING_FOR_RATE_LIMIT, held.forRateLimit())
                .set(WORKERS.WAITING_TO_SEND_AGAIN, held.toSendAgain())
                .set(WORKERS.IN_FLIGHT_AT, now)
                .set(WORKERS.WAITING_SINCE, waitingSince)
                .set(WORKERS.RETRY_SINCE, retrySince)
                .execute();
    }

    private static int nextNumber(DSLContext dsl, long runId) {
        Integer last = dsl.select(DSL.max(WORKERS.NUMBER)).from(WORKERS).where(WORKERS.RUN_ID.eq(runId))
                .fetchOne().value1();
        return last == null ? 1 : last + 1;
    }

    private String leaseUntil(Worker w) {
        return UtcText.format(clock.instant().plus(w.lease()));
    }

    /** Whether a live worker other than this one holds claims on the run. */
    boolean othersAtWork(DSLContext dsl, long runId) {
        return new Claims(dsl).othersAtWork(runId, myId(), now());
    }

    /** Whether records to claim are left that this worker does not hold ({@link Claims#leftToOthers}). */
    boolean leftToOthers(DSLContext dsl, long runId, boolean includeFailed) {
        return new Claims(dsl).leftToOthers(runId, myId(), includeFailed, retrySince);
    }

    /**
     * The workers of this machine whose process has ended (kill -9, a crash): their claims are free at once, rather
     * than when their lease runs out, so a restart after a kill takes them straight away as a lone run always did.
     * Workers of other machines can only be judged by their lease.
     *
     * @return how many were dropped
     */
    int dropDeadOnThisHost(DSLContext dsl, long runId) {
        List<String> dead = dsl.select(WORKERS.WORKER_ID, WORKERS.PID).from(WORKERS)
                .where(WORKERS.RUN_ID.eq(runId)).and(WORKERS.HOST.eq(HOST)).fetch().stream()
                .filter(w -> goneFromThisHost(HOST, w.value2(), w.value1()))
                .map(w -> w.value1()).toList();
        // One statement, as endDeadOnThisHost: two workers of this machine deleting row by row, each in the order its
        // select returned, could wait for each other on PostgreSQL.
        return dead.isEmpty() ? 0 : dsl.deleteFrom(WORKERS).where(WORKERS.RUN_ID.eq(runId))
                .and(WORKERS.WORKER_ID.in(dead)).execute();
    }

    /**
     * For a claim: ends now the lease of each other worker of this machine whose process has ended (kill -9, a crash)
     * and that has missed a renewal ({@link #renewalMissed}), in the claim's transaction, so that the claim takes its
     * records as it takes those of a worker whose lease ran out: lowest first ({@link Claims#claim}), half a lease
     * after its last renewal rather than a whole one. At most once per {@link #DEAD_LOOK}. Only a process known to be
     * gone counts (a pid taken again by another process looks alive: that worker is left to its lease, as one of
     * another machine always is); this worker itself never.
     */
    private void endDeadOnThisHost(DSLContext dsl, Worker w) {
        Instant at = clock.instant();
        Instant last = lastDeadLook;
        if (last != null && at.isBefore(last.plus(DEAD_LOOK)) && !at.isBefore(last)) {
            return;
        }
        lastDeadLook = at;
        String now = UtcText.format(at);
        List<String> dead = dsl.select(WORKERS.WORKER_ID, WORKERS.PID, WORKERS.HEARTBEAT_AT, WORKERS.LEASE_UNTIL)
                .from(WORKERS)
                .where(WORKERS.RUN_ID.eq(w.runId())).and(WORKERS.HOST.eq(HOST))
                .and(WORKERS.WORKER_ID.ne(w.id())).and(WORKERS.LEASE_UNTIL.gt(now)).fetch().stream()
                .filter(other -> renewalMissed(other.value3(), other.value4(), at)
                        && goneFromThisHost(HOST, other.value2(), other.value1()))
                .map(other -> other.value1()).toList();
        if (!dead.isEmpty()) {
            // One statement: on PostgreSQL two claimers ending the same workers row by row, each in its own order,
            // could wait for each other.
            dsl.update(WORKERS).set(WORKERS.LEASE_UNTIL, now).where(WORKERS.RUN_ID.eq(w.runId()))
                    .and(WORKERS.WORKER_ID.in(dead)).execute();
        }
    }

    /**
     * Whether a worker's lease is past its middle without a renewal: a worker at work renews a few times per lease, so
     * one that has not is stuck or gone. Its process looking gone is not enough alone: two containers sharing the
     * machine's name (host networking) each see the other's pid as absent, or as their own pid 1, and would end each
     * other's lease at every claim; its renewals say it lives.
     */
    private static boolean renewalMissed(String heartbeatAt, String leaseUntil, Instant now) {
        Instant heartbeat = UtcText.parse(heartbeatAt, "workers.heartbeat_at");
        Instant until = UtcText.parse(leaseUntil, "workers.lease_until");
        Instant middle = heartbeat.plus(Duration.between(heartbeat, until).dividedBy(2));
        return middle.isBefore(now);
    }

    /**
     * The workers whose lease holds (on PostgreSQL, as the claims judge it after a restart of the server), less those of this machine whose process has ended: a worker killed a moment
     * ago is no longer shown as live (its lease runs on until the next run of it drops it, and a run of another
     * machine still waits for the lease, which is all it can go by).
     */
    List<WorkerInfo> liveWorkers(DSLContext dsl, long runId) {
        return dsl.selectFrom(WORKERS)
                .where(WORKERS.RUN_ID.eq(runId)).andNot(new Claims(dsl).lapsed(now()))
                .orderBy(WORKERS.NUMBER)
                .fetch().stream().filter(r -> !goneFromThisHost(r.getHost(), r.getPid(), r.getWorkerId()))
                .map(Workforce::workerInfo)
                .toList();
    }

    /**
     * The run's worker that joined last, live or not, before this process joined it when it has
     * ({@link dev.stride.core.RunLedger#lastWorker}).
     */
    Optional<WorkerInfo> lastWorker(DSLContext dsl, long runId) {
        Worker w = worker;
        LastBefore before = lastBefore;
        if (w != null && w.runId() == runId && before != null && before.runId() == runId) {
            return Optional.ofNullable(before.worker());
        }
        return lastRow(dsl, runId);
    }

    private static Optional<WorkerInfo> lastRow(DSLContext dsl, long runId) {
        return dsl.selectFrom(WORKERS).where(WORKERS.RUN_ID.eq(runId))
                .orderBy(WORKERS.STARTED_AT.desc(), WORKERS.NUMBER.desc()).limit(1)
                .fetchOptional().map(Workforce::workerInfo);
    }

    /**
     * {@link #liveWorkers} and {@link #allGone} of each of {@code runIds} from one query over the workers' rows: the
     * same judgement (a lease that holds and a process not gone from this machine make a worker live; workers on
     * record and none live, all gone).
     */
    Map<Long, RunWorkers> workersOfRuns(DSLContext dsl, Collection<Long> runIds) {
        if (runIds.isEmpty()) {
            return Map.of(); // nothing asked of a database that may have no tables yet (a new PostgreSQL one)
        }
        Field<Boolean> lapsed = DSL.field(new Claims(dsl).lapsed(now()));
        Map<Long, List<WorkerInfo>> live = new HashMap<>();
        Set<Long> onRecord = new HashSet<>();
        Set<Long> wanted = new HashSet<>(runIds);
        for (var r : dsl.select(WORKERS.asterisk(), lapsed).from(WORKERS).orderBy(WORKERS.RUN_ID, WORKERS.NUMBER)
                .fetch()) {
            WorkersRecord w = r.into(WORKERS);
            if (!wanted.contains(w.getRunId())) {
                continue;
            }
            onRecord.add(w.getRunId());
            if (!Boolean.TRUE.equals(r.get(lapsed)) && !goneFromThisHost(w.getHost(), w.getPid(), w.getWorkerId())) {
                live.computeIfAbsent(w.getRunId(), id -> new ArrayList<>()).add(workerInfo(w));
            }
        }
        Map<Long, RunWorkers> byRun = new LinkedHashMap<>();
        for (long id : runIds) {
            List<WorkerInfo> its = live.getOrDefault(id, List.of());
            byRun.put(id, new RunWorkers(its, onRecord.contains(id) && its.isEmpty()));
        }
        return byRun;
    }

    private static WorkerInfo workerInfo(WorkersRecord r) {
        return new WorkerInfo(r.getNumber(), r.getHost(), r.getPid(),
                UtcText.parse(r.getStartedAt(), "workers.started_at"),
                UtcText.parse(r.getHeartbeatAt(), "workers.heartbeat_at"), r.getDone(), r.getFailed(),
                r.getInFlight(),
                r.getInFlightAuto() != null && r.getInFlightAuto() != 0,
                ServerLimitsColumn.read(r.getInFlightServers(),
                        DbPhrase.of("json.workerServers", r.getNumber(), r.getRunId())), r.getRequestsOut(),
                r.getRetrySince() != null, r.getInFlightAt() == null ? null
                        : UtcText.parse(r.getInFlightAt(), "workers.in_flight_at"),
                r.getWaitingSince() == null ? null : UtcText.parse(r.getWaitingSince(), "workers.waiting_since"),
                r.getWaitingForRateLimit(), r.getWaitingToSendAgain());
    }

    /** Whether the run has workers on record and none of them is live, as {@link #liveWorkers} judges them. */
    boolean allGone(DSLContext dsl, long runId) {
        return allGone(dsl, runId, now());
    }

    /**
     * {@link #allGone(DSLContext, long)} as of {@code now}: for a look at a file that holds no store open
     * ({@link FileAlone}), with the same judgement as the workers status lists.
     */
    static boolean allGone(DSLContext dsl, long runId, String now) {
        if (!dsl.fetchExists(WORKERS, WORKERS.RUN_ID.eq(runId))) {
            return false;
        }
        return dsl.select(WORKERS.HOST, WORKERS.PID, WORKERS.WORKER_ID).from(WORKERS)
                .where(WORKERS.RUN_ID.eq(runId)).andNot(new Claims(dsl).lapsed(now))
                .fetch().stream().allMatch(w -> goneFromThisHost(w.value1(), w.value2(), w.value3()));
    }

    /** The time now on SQLite's clock, as the workers write their times there. */
    static final String SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')";
    /** The time now on the PostgreSQL server's clock, in the same text. */
    static final String POSTGRES_NOW = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')";

    /**
     * Refuses to upgrade a database of schema {@code olderVersion} while a worker of it is at work: that is an older
     * stride, which would find its file upgraded and refuse it, as a newer stride's, at its next start or status.
     *
     * @throws StoreException naming the workers, for the database to be left as it is
     */
    static void refuseUpgradeWhileAtWork(Connection c, String nowSql, Object database, Object olderVersion) {
        List<String> atWork = atWork(c, nowSql);
        if (!atWork.isEmpty()) {
            throw new StoreException(DbPhrase.of("schema.olderInUse", database, olderVersion,
                    String.join(", ", atWork)));
        }
    }

    /**
     * The workers of a database whose lease holds at {@code nowSql} (an SQL expression of the vendor's clock, as the
     * workers write their times), as "host pid N", less those of this machine whose process is gone; none for a
     * database older than the table.
     */
    static List<String> atWork(Connection c, String nowSql) {
        List<String> atWork = new ArrayList<>();
        try (Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT host, pid, worker_id FROM workers WHERE lease_until > " + nowSql)) {
            while (rs.next()) {
                if (!goneFromThisHost(rs.getString(1), rs.getLong(2), rs.getString(3))) {
                    atWork.add(rs.getString(1) + " pid " + rs.getLong(2));
                }
            }
        } catch (SQLException noWorkersYet) {
            // A schema before workers were kept (version 8): no worker to wait for.
        }
        return atWork;
    }

    /**
     * Whether a worker is of this machine and has ended: its process is gone (kill -9, a crash), or it is this process
     * and none of the workers it is at work as (a session that failed before it could leave).
     */
    static boolean goneFromThisHost(String host, long pid, String workerId) {
        if (!HOST.equals(host)) {
            return false;
        }
        if (pid == ProcessHandle.current().pid()) {
            return !AT_WORK_IN_THIS_PROCESS.contains(workerId);
        }
        return !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Whether this process is a worker of the run (it then leaves with {@link #leave}). */
    boolean joinedRun(long runId) {
        Worker w = worker;
        return w != null && w.runId() == runId;
    }

    /**
     * For a store that closes: a process that synced to work and did not leave (it stopped before its session, or
     * failed) is no worker any more. Its row would be shown by status, and would refuse a changed input or a clear,
     * until its lease ran out.
     *
     * @param leave the store's own leave, in a transaction of its own
     */
    void leaveOnClose(LongConsumer leave) {
        Worker w = worker;
        if (w != null) {
            try {
                leave.accept(w.runId());
            } catch (RuntimeException e) {
                // Closing anyway: the row goes when its lease runs out, as a killed worker's does, or at once for
                // another session of this process, which knows it ended.
            } finally {
                AT_WORK_IN_THIS_PROCESS.remove(w.id());
            }
        }
    }

    /**
     * This worker leaves the run. When it leaves records claimed and unanswered (a stop: Ctrl+C, SIGTERM, a server
     * that stayed away) while other workers are live, its row stays with its lease ended ({@link #HANDED_OVER}) rather
     * than going at once: the others claim on from their last claim, and records merely freed, lying behind it, would
     * wait for their next pass from the start, at the end of the run. Ended, the lease is what the next claim of any of
     * them drops, taking its records first, lowest first, as it takes a dead worker's ({@link Claims#claim}).
     */
    void leave(DSLContext dsl, long runId) {
        Worker w = worker;
        if (w != null && w.runId() == runId) {
            Claims claims = new Claims(dsl);
            if (claims.holdsUnanswered(runId, w.id()) && claims.othersLive(runId, w.id(), now())) {
                dsl.update(WORKERS).set(WORKERS.LEASE_UNTIL, HANDED_OVER).where(WORKERS.RUN_ID.eq(runId))
                        .and(WORKERS.WORKER_ID.eq(w.id())).execute();
            } else {
                dsl.deleteFrom(WORKERS).where(WORKERS.RUN_ID.eq(runId)).and(WORKERS.WORKER_ID.eq(w.id())).execute();
            }
            AT_WORK_IN_THIS_PROCESS.remove(w.id());
            worker = null;
            enlisted = null;
            lastBefore = null;
            retryingFailures = false;
            retrySince = null;
            retrySinceStored = false;
            rerunFloor = null;
            held.clear();
            lost.clear();
        }
    }

    /** The worker an outcome is counted for; null before joining. */
    String myId() {
        Worker w = worker;
        return w == null ? null : w.id();
    }

    /** Whether an outcome's claim goes with it: a failure stays claimed while this worker retries failures. */
    boolean dropsClaimOf(boolean done) {
        return done || !retryingFailures;
    }

    /**
     * An input that changes records is never synced under live workers (their claims and counters would go wrong):
     * the caller rolls the whole sync back. The same input joins them.
     *
     * @param where the database, as messages name it
     */
    void refuseUnderLiveWorkers(DSLContext dsl, String name, long runId, SyncReport report, Object where) {
        // A relabelled record is a change too: a worker may hold it claimed, its old label with it.
        if (report.added() + report.edited() + report.relabelled() + report.removed() == 0) {
            return;
        }
        // A worker of this machine killed a moment ago (kill -9, a crash) holds a lease it will never use: the user
        // who reruns with an edited input right after is not kept waiting for it to run out.
        dropDeadOnThisHost(dsl, runId);
        String me = myId();
        int live = dsl.fetchCount(WORKERS, WORKERS.RUN_ID.eq(runId).and(WORKERS.LEASE_UNTIL.gt(now()))
                .and(me == null ? DSL.trueCondition() : WORKERS.WORKER_ID.ne(me)));
        if (live > 0) {
            throw new LiveWorkersException(DbPhrase.of("sync.liveWorkers", name, where, live, report.added(),
                    report.edited() + report.relabelled(), report.removed()));
        }
    }

    /** The state a cursor stores: one worker's stop is not the run's while others work on. */
    RunState storedState(DSLContext dsl, long runId, RunState state) {
        return storedState(state, () -> new Claims(dsl).othersLive(runId, myId(), now()));
    }

    /** As above, asking {@code othersLive} only when the answer matters (a stop: neither running nor done). */
    static <E extends Exception> RunState storedState(RunState state, Question<E> othersLive) throws E {
        return isStop(state) && othersLive.ask() ? RunState.RUNNING : state;
    }

    /**
     * The state to store for a worker's stop ({@code asked}; {@code stored} is what {@link #storedState} made of it)
     * once the low watermark says every record has an outcome: done, or done with failures. Another worker may have
     * ended the run a moment before this one was stopped (SIGTERM, a lost server), or still be leaving it, its lease
     * live: the stop's own state, or the running it became for that live worker, would overwrite its done, and a run
     * with nothing left would read as interrupted for good. {@code allAnswered} is asked only for such a stop, never
     * for a save while running.
     */
    static <E extends Exception> RunState settledState(RunState asked, RunState stored, long failed,
                                                       Question<E> allAnswered) throws E {
        if (!isStop(asked) || !allAnswered.ask()) {
            return stored;
        }
        return failed > 0 ? RunState.DONE_WITH_FAILURES : RunState.DONE;
    }

    private static boolean isStop(RunState state) {
        return state != RunState.RUNNING && state != RunState.DONE && state != RunState.DONE_WITH_FAILURES;
    }

    /**
     * A yes or no asked of the database only when the answer matters (whether other workers are live, whether every
     * record is answered), in the caller's way of failing.
     */
    @FunctionalInterface
    interface Question<E extends Exception> {
        boolean ask() throws E;
    }

    private Worker joined(long runId) {
        Worker w = worker;
        if (w == null || w.runId() != runId) {
            throw new IllegalStateException("not a worker of run " + runId + ": join it first");
        }
        return w;
    }

    private String now() {
        return UtcText.format(clock.instant());
    }

    private static String hostName() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            name = "localhost";
        }
        String namespace;
        try {
            namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            namespace = null; // not Linux: processes are judged by the host name alone
        }
        return machineName(name, namespace);
    }

    /**
     * This machine as workers' rows name it: its host name, followed by its PID namespace when that is not the
     * machine's first ({@code pid:[4026531836]}, the kernel's own): a container. A worker judges another's process by
     * its pid only when the two name the same machine; two containers that share the machine's name (host networking)
     * see neither each other's processes nor the same pid 1, and a worker starting in one dropped the other's live
     * workers as gone, asking their claimed records again. They now go by the lease, as two machines do.
     */
    static String machineName(String hostName, String pidNamespace) {
        return pidNamespace == null || pidNamespace.equals(FIRST_PID_NAMESPACE) ? hostName
                : hostName + "/" + pidNamespace;
    }
}
