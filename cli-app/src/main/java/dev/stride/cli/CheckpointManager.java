package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.InvalidInputException;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.db.SqliteCheckpointStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * stride for programs: the same runs as {@code stride run}, on the same database, from Java.
 *
 * <pre>{@code
 * try (CheckpointManager checkpoints = CheckpointManager.open(Path.of("runs.db"))) {
 *     checkpoints.loadCheckpoint("qwen-medical-lora-251106-f16")
 *             .ifPresent(c -> System.out.println(c.done() + "/" + c.total() + " done"));
 *     RunOutcome outcome = checkpoints.run(Path.of("questions.jsonl"),
 *             RunOptions.of("qwen-medical-lora-251106-f16", "http://localhost:8000/v1")
 *                     .withTemplate("Answer briefly: {{question}}")
 *                     .withSaveInterval(10));
 *     System.out.println(outcome.state());
 * }
 * }</pre>
 *
 * <p>A run started here resumes with {@code stride run} and the other way round. {@link #requestStop()} is the
 * program's Ctrl+C: from another thread, it makes a {@code run} in progress stop gracefully and return.
 */
public final class CheckpointManager implements AutoCloseable {
    private final Path db;
    private final CheckpointStore store;
    private final PredictorFactory predictors;
    private volatile StopSwitch stop = new StopSwitch();

    private CheckpointManager(Path db, CheckpointStore store, PredictorFactory predictors) {
        this.db = db;
        this.store = store;
        this.predictors = predictors;
    }

    /** Opens (creating it if needed) a run database. */
    public static CheckpointManager open(Path db) {
        return new CheckpointManager(db, SqliteCheckpointStore.open(db), HttpPredictor::create);
    }

    /** The checkpoint of a run (by default a run is named after its model), if the database has one. */
    public Optional<RunInfo> loadCheckpoint(String run) {
        return store.findRun(run);
    }

    /** Every run's checkpoint, oldest first. */
    public List<RunInfo> checkpoints() {
        return store.listRuns();
    }

    /** Forgets a run: its records, outputs and checkpoint. @return false when there was no such run */
    public boolean clearCheckpoint(String run) {
        return store.clearRun(run);
    }

    /**
     * Starts the run, or resumes it where it stopped (bringing its records up to date with {@code input}), and drives
     * it to its end or a stop. Every outcome is committed as it arrives; the cursor every save interval.
     *
     * @throws IllegalArgumentException for bad or conflicting settings (e.g. a changed template)
     * @throws InvalidInputException    for a bad input line, naming it; nothing is written
     */
    public RunOutcome run(Path input, RunOptions options) {
        return run(input, options, RunListener.NONE);
    }

    /** As {@link #run(Path, RunOptions)}, telling {@code listener} of every outcome and retry. */
    public RunOutcome run(Path input, RunOptions options, RunListener listener) {
        StopSwitch current = freshStop();
        try {
            options.check();
            RunInfo run = new RunPlanner(store, db).fromInput(input, options, current).run();
            return new RunDriver(store, predictors).drive(run, options, listener, current).outcome();
        } catch (UserError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Finishes a run from what the database holds, without its input file (a database copied from elsewhere);
     * {@code options}' base URL, when given, replaces the stored one.
     *
     * @throws IllegalArgumentException when there is no such run
     */
    public RunOutcome resume(String run, RunOptions options) {
        StopSwitch current = freshStop();
        try {
            options.check();
            RunInfo stored = store.findRun(run)
                    .orElseThrow(() -> new IllegalArgumentException(db + ": has no run '" + run + "'"));
            List<RunInfo> todo = new RunPlanner(store, db).toResume(options.withRun(stored.name()));
            RunInfo target = todo.isEmpty() ? stored : todo.get(0);
            return new RunDriver(store, predictors).drive(target, options, RunListener.NONE, current).outcome();
        } catch (UserError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Asks a run in progress to stop as Ctrl+C would: requests in flight get their grace, everything is saved. */
    public void requestStop() {
        stop.requestStop();
    }

    private StopSwitch freshStop() {
        StopSwitch s = new StopSwitch();
        stop = s;
        return s;
    }

    /** Closes the database; its write-ahead log is merged, so the file alone holds everything. */
    @Override
    public void close() {
        store.close();
    }
}
