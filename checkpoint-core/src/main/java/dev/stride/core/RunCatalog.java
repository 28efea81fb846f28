package dev.stride.core;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The runs a database holds, and how a run is made or brought up to date with its input. */
public interface RunCatalog {

    Optional<RunInfo> findRun(String name);

    /** Every run in the database, oldest first. */
    List<RunInfo> listRuns();

    /**
     * The {@link InputDigest} of the input the run was last synced with: empty for a run read from a pipe or standard
     * input, one made before runs kept it, or no such run. It tells the run's own input file apart from any other
     * (an export over it would replace the user's dataset).
     */
    Optional<String> inputDigest(String run);

    /**
     * Creates the run if it is new, then makes its stored records equal to {@code input}: new ids are added, records
     * whose content hash changed are replaced and their outputs dropped (kept when the request made from the record,
     * {@link PromptTemplate#prompt} with the run's template, is the same: {@link SyncReport#relabelled}), ids no longer
     * in the input are removed with their outputs, and every record takes its new position. All in one transaction:
     * if the iterator throws (an {@link InvalidInputException} for a bad line) or two records share an id, nothing is
     * written.
     *
     * <p>Callers check the configuration first ({@link RunSpec#template()}, params, model): this method does not
     * refuse a changed one, it only records the base URLs given. The run's input is unknown afterwards (see the
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
     * with the same input skip reading it. Empty: the run's input is unknown. A store may ask it before reading
     * {@code input} too, when another command made the run while this sync waited for it (workers started together
     * on a new run): it then gives the digest of the input as it is, without reading it for the sync, or empty.
     */
    default SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> inputDigest) {
        return syncRun(spec, input, inputDigest, true);
    }

    /**
     * {@link #syncRun(RunSpec, Iterator, Supplier)}; with {@code dropAnswers} false, a sync that would drop answers
     * that need the user's word ({@link SyncReport#needsConsentToDrop()}) is refused instead and writes nothing.
     *
     * @throws AnswersWouldBeDroppedException when {@code dropAnswers} is false and the sync needs consent to drop
     * @throws SyncBrokeOffException          when the sync broke off midway and was rolled back: the same input, read
     *                                        again from its start, may be synced again
     */
    SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> inputDigest,
                       boolean dropAnswers);

    /**
     * {@link #syncRun(RunSpec, Iterator, Supplier, boolean)} for a process that goes on to work on the run: in the same
     * transaction it becomes a worker of the run under {@code lease}, the row {@link RunLedger#join} would make. From
     * the sync's commit on, another process whose input differs is refused as under any live worker, not only once
     * this one has joined. Its join then renews that worker; a process that does not go on to work (nothing left to
     * do, a refusal, an error) leaves it with {@link RunLedger#leave}, or its lease runs out. This default, for a
     * catalogue no other process works on, only syncs.
     */
    default SyncReport syncRunAsWorker(RunSpec spec, Iterator<InputRecord> input,
                                       Supplier<Optional<String>> inputDigest, boolean dropAnswers, Duration lease) {
        return syncRun(spec, input, inputDigest, dropAnswers);
    }

    /**
     * Tells {@code waiting} the run's name when a sync waits for another command's sync of the same run (workers
     * started together on a new run: one loads the input, the others wait for it, then join). This default, for a
     * catalogue no other process works on, never tells.
     */
    default void tellLoadWaitsTo(Consumer<String> waiting) {
    }

    /**
     * {@link #syncUnchanged} for a process that goes on to work on the run: when it finds the run, in the same
     * transaction it becomes a worker of it under {@code lease}, as {@link #syncRunAsWorker} does. This default only
     * syncs.
     */
    default Optional<SyncReport> syncUnchangedAsWorker(RunSpec spec, String inputDigest, Duration lease) {
        return syncUnchanged(spec, inputDigest);
    }

    /**
     * This process's place among the run's workers as its last sync as a worker ({@link #syncRunAsWorker},
     * {@link #syncUnchangedAsWorker}) made it one: its number, and the others live then, each of which became a
     * worker before it. With others live, this process joins a run at work rather than starting or resuming it.
     * Empty when no sync made it a worker of the run; this default, for a catalogue no other process works on, is
     * always empty.
     */
    default Optional<Joined> enlistedAs(long runId) {
        return Optional.empty();
    }

    /**
     * The sync of a run whose input is the one it was last synced with, without reading it: when {@code inputDigest}
     * equals the digest its last {@link #syncRun} remembered, records the base URLs given and reports what
     * {@code syncRun} would (no record added, edited or removed). Empty, with nothing written, for a new run, another
     * input, or a run whose input is unknown; the caller then syncs the input.
     */
    Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest);

    /**
     * What {@link #syncRun} would report for this input, without writing anything: the same work in a transaction
     * that is always rolled back ({@code stride run --dry-run}). Fails as {@code syncRun} does.
     */
    default SyncReport previewSync(RunSpec spec, Iterator<InputRecord> input) {
        return previewSync(spec, input, false).report();
    }

    /**
     * {@link #previewSync(RunSpec, Iterator)}, and the first record a run would then send, read in the same
     * transaction before it is rolled back: a record without an outcome, or with {@code includeFailed}
     * ({@code --retry-failed}) also a failed one.
     */
    SyncPreview previewSync(RunSpec spec, Iterator<InputRecord> input, boolean includeFailed);

    /** Sets the base URLs a run was last served from (a resume may point at other servers). */
    void updateBaseUrls(long runId, List<String> baseUrls);

    /**
     * Keeps with a run what it takes out of or requires of every answer ({@link RunSpec#outputRulesJson()}): a
     * resume that gives none goes on with these.
     */
    void keepOutputRules(long runId, String outputRulesJson);
}
