package dev.stride.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the runner needs of a store, and nothing more: the records still to do, claimed under a lease so that
 * several workers (processes) can share a run, a place for each outcome as it arrives (its commit drops the record's
 * claim), and the cursor. Kept apart from the catalogue, the results and the administration of runs so that a store
 * shared by several workers (records claimed under a lease rather than read in order) changes only this port.
 *
 * <p>Durability contract: {@link #savePrediction} and {@link #saveFailure} commit in their own transaction and
 * survive a killed process once they return ({@link #saveOutcomes} likewise, for several at once); {@link #saveCursor} additionally survives a power loss (it is synced
 * to disk, and with it every commit before it).
 */
public interface RunLedger {

    /**
     * The clock of the times the store compares, which the runner stamps each outcome with: a lease's end and a
     * rerun's start are written on it, and a failure is told from one stored in this rerun by its time. On a store
     * that several machines share (PostgreSQL) it is the server's, measured at open; this machine's otherwise.
     */
    default Clock clock() {
        return Clock.systemUTC();
    }

    /** The run as stored now, with its counters. */
    Optional<RunInfo> findRun(String name);

    /**
     * Joins the run as a worker under a lease of {@code lease}: the claims this ledger makes are held by that worker
     * until their outcome is stored, the worker leaves, or its lease runs out (it is not renewed in time). A session
     * begins: why an earlier one stopped the run ({@link #saveLastCursor}) is forgotten, in the same transaction.
     */
    Joined join(long runId, Duration lease);

    /**
     * Claims for this worker up to {@code limit} records strictly after {@code afterSeq}, in input order, that have
     * no outcome (with {@code includeFailed} also those whose outcome is a failure stored before the rerun of
     * failures this worker is part of began, which the workers retrying failures at once share: each failure is tried
     * once per rerun between them, and such a worker keeps the claim of a failure it stores until it leaves) and that
     * no live worker holds. Claims
     * of workers whose lease ran out are taken like free records, and first, wherever they lie: the claim that finds
     * a lease run out starts at the lowest of that worker's records (behind {@code afterSeq} as often as not), so
     * that they are taken at once rather than at this worker's next pass from the start.
     * Each call is its own short transaction.
     */
    List<InputRecord> claim(long runId, long afterSeq, int limit, boolean includeFailed);

    /**
     * The run is stopping: from now on, wait at most {@code within} for a database server that is away (it was told
     * to wait minutes for one that restarts), so that a stop keeps to its grace. Answers not saved by then are asked
     * again next time, as after a kill. A SQLite file that another connection holds locked, or a PostgreSQL table
     * that another session holds locked, is waited for as long as it is held, and from now on at most {@code within}
     * likewise (a PostgreSQL statement waiting then ends at its next lock timeout, a few seconds).
     */
    default void waitForServerAtMost(Duration within) {
    }

    /**
     * From now on, tells {@code listener} when the database server goes away and when it answers again
     * ({@link RunListener#databaseUnreachable}, {@link RunListener#databaseBack}); {@link RunListener#NONE} stops
     * that. A SQLite file is told as held ({@link DatabaseOutage#locked()}) while another connection's write lock
     * keeps the run from writing it, and waited for meanwhile rather than given up after its busy timeout; without
     * being told (outside a run) a write gives up after that timeout, as ever. A PostgreSQL worker's statement kept
     * waiting a few seconds for another session's lock is told likewise ({@link DatabaseOutage#onServer()}).
     */
    default void tellOutagesTo(RunListener listener) {
    }

    /**
     * Extends this worker's lease by its length from now: one row's update, whatever it holds, while the lease holds.
     * It must not queue behind this worker's claims (held up behind them under load, a live worker's lease ran
     * out): on a server it has a connection of its own; on SQLite it waits at most for one short transaction.
     * A lease that ran out before this renewal (the process was paused, or could not renew in time) may have lost
     * claims to another worker: it is renewed all the same, the claims no other worker took are kept (taken back),
     * and from then on {@link #stillClaimed} is false for the others, so that the runner sends none of those.
     *
     * @return false when the lease had lapsed
     */
    boolean renewLease(long runId);

    /**
     * Whether this worker may still send a record it claimed: false once a renewal after a lapse found another worker
     * holding it, or its answer stored. Asked before every request: an answer from memory, no database read.
     */
    default boolean stillClaimed(long runId, String recordId) {
        return true;
    }

    /**
     * This worker's bound on requests in flight, whether it is learnt ({@code --concurrency auto}) and, with several
     * servers, each one's ({@link Predictor#serverLimits()}), for {@code status} to show: kept in memory and stored
     * with the next renewal of the lease or by {@link #storeInFlight}, never a write of its own.
     */
    default void reportInFlight(long runId, int limit, boolean auto, List<ServerLimit> servers) {
    }

    /**
     * The requests this worker has out now ({@link RunListener#requestsOut}), for {@code status} to show against the
     * bound: kept in memory and stored with the next renewal of the lease or by {@link #storeInFlight}, never a write
     * of its own.
     */
    default void reportRequestsOut(long runId, int requests) {
    }

    /**
     * Since when this worker's session has been waiting for its server(s) to answer again ({@link ServerOutage#since}),
     * or null once one answers: for {@code status} to show a waiting run without a rate and an ETA. Kept in memory and
     * stored with the in-flight figures (the next renewal of the lease or {@link #storeInFlight}), never a write of
     * its own.
     */
    default void reportServerWait(long runId, Instant since) {
    }

    /**
     * What this worker's held records wait for that is not a server: requests held back before they are sent to keep
     * within a server's rate limit ({@link RunListener#waitingForRateLimit}), and records sleeping out a backoff before
     * they are sent again ({@link RunListener#waitingToSendAgain}). Neither is among {@link #reportRequestsOut}'s: for
     * {@code status} to say what a worker with few requests out waits for, as its progress line does. Kept in memory
     * and stored with the in-flight figures, never a write of its own.
     */
    default void reportRequestsWaiting(long runId, int forRateLimit, int toSendAgain) {
    }

    /**
     * Stores what this worker keeps in flight ({@link #reportInFlight}, {@link #reportRequestsOut},
     * {@link #reportRequestsWaiting}, {@link #reportServerWait}) between renewals of
     * its lease when it is due: soon after it changed (at most once a second), and every few seconds while it stays
     * the same, so that {@code status} shows what the run does now rather than as of the last renewal, and can say
     * how old a figure is. Asked by the writer each time it wakes: a look in memory that writes only when due, one
     * short update of this worker's row that leaves its lease as it is and waits for no claim on a server.
     */
    default void storeInFlight(long runId) {
    }

    /**
     * Whether another worker with a live lease holds claims on the run that it has not settled (records it may still
     * store; not a failure it stored this session and keeps, as a worker retrying failures does).
     */
    boolean othersAtWork(long runId);

    /**
     * Whether records that {@link #claim} would take, were no one holding them, are left that this worker does not
     * hold: free, or held by another worker (whatever its lease) that has not settled them this session (a worker
     * retrying failures keeps the claims of the failures it stored). The last word before a worker ends with no
     * claim and no one at work: another worker's claim still in its open transaction hides its records from both
     * (its rows are locked, its claims not yet seen), and this reads them as left, so the worker waits for them.
     */
    boolean leftToOthers(long runId, boolean includeFailed);

    /** The run's live workers, in the order they joined. */
    List<WorkerInfo> liveWorkers(long runId);

    /**
     * The run's worker that joined last, live or not, and once this process joined the run, the one that joined last
     * before it (as its joining found it): a session killed (kill -9, a crash) leaves its row until the next worker
     * joins, which drops it, so a resume can say what that session kept in flight whether its sync joined already or
     * not. Empty for a run whose workers all left as they stop (they say it then), or a store that keeps no workers.
     */
    Optional<WorkerInfo> lastWorker(long runId);

    /**
     * Whether the store knows workers of the run and none of them is live, as {@link #liveWorkers} judges them: each
     * is of this machine and its process is gone (kill -9, a crash), or its lease ran out. A run stored as running
     * with such workers has no process behind it ({@link ShownState}). False for a run without workers on record: a
     * store that keeps none says nothing by it.
     */
    default boolean workersAllGone(long runId) {
        return false;
    }

    /** Leaves the run: the worker's remaining claims are dropped, so others take them at once. */
    void leave(long runId);

    /**
     * Stores a completed prediction in its own transaction. A record that already has a completed prediction keeps
     * it; a failed one is replaced.
     *
     * @return false when the record already had a completed prediction (nothing was written)
     */
    boolean savePrediction(long runId, InputRecord record, Prediction prediction);

    /** Stores a failure in its own transaction, unless the record already has a completed prediction. */
    boolean saveFailure(long runId, InputRecord record, FailedPrediction failure);

    /**
     * Stores outcomes that queued up together, each exactly as {@link #savePrediction} or {@link #saveFailure} would
     * (whole or not at all, its claim dropped with it), and all of them durable against a killed process once this
     * returns. A store may commit them in one transaction, as the SQLite store does: one commit instead of one per
     * outcome when the writer falls behind. This default stores them one by one.
     *
     * @return for each outcome, in order, whether it was written (false: the record already had a prediction)
     * @throws OutcomesPartlySavedException when a write fails after others were committed (they stay)
     */
    default boolean[] saveOutcomes(long runId, List<RecordOutcome> outcomes) {
        boolean[] written = new boolean[outcomes.size()];
        for (int i = 0; i < written.length; i++) {
            RecordOutcome o = outcomes.get(i);
            try {
                written[i] = o.isDone()
                        ? savePrediction(runId, o.record(), o.prediction())
                        : saveFailure(runId, o.record(), o.failure());
            } catch (RuntimeException e) {
                if (i == 0) {
                    throw e;
                }
                throw new OutcomesPartlySavedException(Arrays.copyOf(written, i), e);
            }
        }
        return written;
    }

    /**
     * Commits the run's cursor durably: recomputes the low watermark, takes the counters, and stores the elapsed
     * time (never less than the stored one: with several workers it is the run's wall time), the time of saving and
     * the state. While other workers are live, a state other than done is stored as running: one worker's stop does
     * not stop the run.
     */
    Cursor saveCursor(long runId, long elapsedMs, RunState state);

    /**
     * Commits the cursor a session ends with as {@link #saveCursor} does and, in the same transaction, why it stopped
     * the run: {@code why} is kept with the run when the run is stored stopped ({@link RunState#STOPPED},
     * {@link RunState#FAILED}, {@link RunState#UNREACHABLE}); any other state stored (done, interrupted, or running for
     * other workers still at work) keeps none. A worker that joins the run forgets it ({@link #join}): a session killed
     * (kill -9) leaves none.
     *
     * @param why null when the session did not stop for a reason of its own (done, interrupted)
     */
    Cursor saveLastCursor(long runId, long elapsedMs, RunState state, StopReason why);

    /**
     * Stores outcomes as {@link #saveOutcomes} does and then commits the cursor as {@link #saveCursor} does, the
     * cursor counting them. A store may do both in one transaction, as the SQLite store does: the writer's outcomes
     * that complete a save interval then share the cursor's commit (and its sync) instead of paying one of their
     * own just before it. Either way every outcome is whole or absent, and once this returns all of them and the
     * cursor survive a power loss. This default makes the two calls one after the other.
     *
     * @throws OutcomesPartlySavedException when a write fails after outcomes were committed (they stay): the cursor's
     *                                      own included, such as a PostgreSQL lock given up on at a stop
     */
    default SavedOutcomes saveOutcomesWithCursor(long runId, List<RecordOutcome> outcomes, long elapsedMs,
                                                 RunState state) {
        boolean[] written = saveOutcomes(runId, outcomes);
        try {
            return new SavedOutcomes(written, saveCursor(runId, elapsedMs, state));
        } catch (RuntimeException e) {
            throw new OutcomesPartlySavedException(written, e);
        }
    }
}
