package dev.stride.core;

import java.util.List;
import java.util.Optional;

/**
 * What the runner needs of a store, and nothing more: the records still to do, a place for each outcome as it
 * arrives, and the cursor. Kept apart from the catalogue, the results and the administration of runs so that a store
 * shared by several workers (records claimed under a lease rather than read in order) changes only this port.
 *
 * <p>Durability contract: {@link #savePrediction} and {@link #saveFailure} commit in their own transaction and
 * survive a killed process once they return; {@link #saveCursor} additionally survives a power loss (it is synced
 * to disk, and with it every commit before it).
 */
public interface RunLedger {

    /** The run as stored now, with its counters. */
    Optional<RunInfo> findRun(String name);

    /**
     * The next records without an outcome (and, with {@code includeFailed}, those whose outcome is a failure), in
     * input order, strictly after {@code afterSeq}. Each call is a short read, so a long run never holds a read
     * transaction open.
     */
    List<InputRecord> pendingRecords(long runId, long afterSeq, int limit, boolean includeFailed);

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
     * Commits the run's cursor durably: recomputes the low watermark, takes the counters, and stores the elapsed
     * time, the time of saving and the state.
     */
    Cursor saveCursor(long runId, long elapsedMs, RunState state);
}
