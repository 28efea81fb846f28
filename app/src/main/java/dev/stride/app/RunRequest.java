package dev.stride.app;

import dev.stride.core.InputFormat;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a caller asks of {@link CheckpointManager#plan}: a run of an input file, or the finishing of what the database
 * holds.
 *
 * @param input   the records; {@code -} for standard input; null to resume the database's unfinished runs (narrowed
 *                to the options' run or model when they name one)
 * @param format  how to read the input; null to choose by its extension (JSONL for standard input)
 * @param dryRun  only report what a run would do: nothing is sent or written
 * @param dropAnswers the sync may drop answers that need consent ({@code --drop-answers}): those of records the
 *                input no longer has, and those of changed records when they are most of the run's
 *                ({@link dev.stride.core.SyncReport#needsConsentToDrop()}); otherwise such an input is refused
 *                and nothing is written
 */
public record RunRequest(Path input, InputFormat format, RunOptions options, boolean dryRun, boolean dropAnswers) {

    public RunRequest {
        Objects.requireNonNull(options, "options");
    }

    /** A run of {@code input}, read by its extension. */
    public static RunRequest of(Path input, RunOptions options) {
        return new RunRequest(input, null, options, false, false);
    }

    /** The database's unfinished runs, finished without their input files. */
    public static RunRequest stored(RunOptions options) {
        return new RunRequest(null, null, options, false, false);
    }

    /** The same request as a dry run. */
    public RunRequest asDryRun() {
        return new RunRequest(input, format, options, true, dropAnswers);
    }

    /** The same request, allowed to drop answers that need consent ({@code --drop-answers}). */
    public RunRequest droppingAnswers() {
        return new RunRequest(input, format, options, dryRun, true);
    }
}
