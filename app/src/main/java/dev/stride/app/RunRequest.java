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
 */
public record RunRequest(Path input, InputFormat format, RunOptions options, boolean dryRun) {

    public RunRequest {
        Objects.requireNonNull(options, "options");
    }

    /** A run of {@code input}, read by its extension. */
    public static RunRequest of(Path input, RunOptions options) {
        return new RunRequest(input, null, options, false);
    }

    /** The database's unfinished runs, finished without their input files. */
    public static RunRequest stored(RunOptions options) {
        return new RunRequest(null, null, options, false);
    }

    /** The same request as a dry run. */
    public RunRequest asDryRun() {
        return new RunRequest(input, format, options, true);
    }
}
