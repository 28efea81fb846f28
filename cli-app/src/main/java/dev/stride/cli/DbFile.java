package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** Small facts about a database file and its runs that several commands need. */
final class DbFile {
    /** A run whose writer has not saved for this long is not running any more (its process died). */
    static final Duration STALE_AFTER = Duration.ofSeconds(20);

    private DbFile() {
    }

    static void requireExists(Path db) {
        if (!Files.exists(db)) {
            throw UserError.usageOf("msg.noSuchDatabase", db);
        }
    }

    /** The state to show: a run stored as running whose heartbeat stopped was killed, so it is interrupted. */
    static String shownState(RunInfo run, Instant now) {
        if (run.state() == RunState.RUNNING
                && (run.savedAt() == null || run.savedAt().plus(STALE_AFTER).isBefore(now))) {
            return RunState.INTERRUPTED.label();
        }
        return run.state().label();
    }
}
