package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.db.SqliteCheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A run's database copied to another machine without its input, and the same command run there: the input is not
 * found, yet the database alone can finish the run. The error then says so, naming the run and the command.
 */
final class InputGoneHint {

    private InputGoneHint() {
    }

    /**
     * The error for an input that is not there when the SQLite database {@code db} holds an unfinished run that the
     * command names (by {@code runName} or {@code model}, when given); empty otherwise, and when the database cannot
     * be read as it is (the input's own error is then the one to show).
     */
    static Optional<UserError> of(Path input, Path db, String model, String runName) {
        if (input == null || input.toString().equals("-") || Files.exists(input) || db == null
                || !Files.isRegularFile(db)) {
            return Optional.empty();
        }
        // Read without a trace: the command fails, and must leave the database as it was (no -wal, no -shm).
        return SqliteCheckpointStore.peekRuns(db).stream()
                .filter(run -> run.pending() > 0)
                .filter(run -> runName != null ? run.name().equals(runName)
                        : model == null || run.model().equals(model))
                .findFirst()
                .map(run -> error(input, db, run));
    }

    private static UserError error(Path input, Path db, RunInfo run) {
        return UserError.usageOf("msg.run.inputGoneRunStored", input, db, run.name(), run.done(), run.total(),
                ShellWords.quoted(db));
    }
}
