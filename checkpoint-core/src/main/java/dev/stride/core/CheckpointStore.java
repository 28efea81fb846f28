package dev.stride.core;

import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where runs, their records, their outputs and their cursors are kept. One store is one database; it holds any
 * number of runs, each with its own independent checkpoint.
 *
 * <p>Durability contract: {@link #savePrediction} and {@link #saveFailure} commit in their own transaction and
 * survive a killed process once they return; {@link #saveCursor} additionally survives a power loss (it is synced
 * to disk, and with it every commit before it).
 *
 * <p>Implementations are safe for one writing thread plus any number of reading threads.
 */
public interface CheckpointStore extends AutoCloseable {

    Optional<RunInfo> findRun(String name);

    /** Every run in the database, oldest first. */
    List<RunInfo> listRuns();

    /**
     * Creates the run if it is new, then makes its stored records equal to {@code input}: new ids are added, records
     * whose content hash changed are replaced and their outputs dropped, ids no longer in the input are removed with
     * their outputs, and every record takes its new position. All in one transaction: if the iterator throws (an
     * {@link InvalidInputException} for a bad line) or two records share an id, nothing is written.
     *
     * <p>Callers check the configuration first ({@link RunSpec#template()}, params, model): this method does not
     * refuse a changed one, it only records the base URL given. The run's input is unknown afterwards (see the
     * three-argument form).
     *
     * @throws InvalidInputException for a duplicate id, naming both lines
     */
    default SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input) {
        return syncRun(spec, input, Optional::empty);
    }

    /**
     * {@link #syncRun(RunSpec, Iterator)}, remembering in the same transaction which input the run's records now
     * come from: {@code inputDigest} is asked once {@code input} has been read to its end, and what it gives (the
     * {@link InputDigest} of the bytes read, {@link RecordReader#inputDigest()}) lets a later {@link #syncUnchanged}
     * with the same input skip reading it. Empty: the run's input is unknown.
     */
    SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> inputDigest);

    /**
     * The sync of a run whose input is the one it was last synced with, without reading it: when {@code inputDigest}
     * equals the digest its last {@link #syncRun} remembered, records the base URL given and reports what
     * {@code syncRun} would (no record added, edited or removed). Empty, with nothing written, for a new run, another
     * input, or a run whose input is unknown; the caller then syncs the input.
     */
    Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest);

    /**
     * What {@link #syncRun} would report for this input, without writing anything: the same work in a transaction
     * that is always rolled back ({@code stride run --dry-run}). Fails as {@code syncRun} does.
     */
    SyncReport previewSync(RunSpec spec, Iterator<InputRecord> input);

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

    /** Sets the base URL a run was last served from (a resume may point at another server). */
    void updateBaseUrl(long runId, String baseUrl);

    /** Forgets a run: its records, outputs and cursor. @return false when there was no such run */
    boolean clearRun(String name);

    /** Forgets every run. @return how many there were */
    int clearAll();

    /** Every record of a run with its outcome, in input order, streamed to {@code sink}. */
    void forEachResult(long runId, Consumer<ResultRow> sink);

    /** Closes the store; the write-ahead log is merged into the database file, so the file alone holds everything. */
    @Override
    void close();
}
