package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stride.app.RunResult;
import dev.stride.app.Session;
import dev.stride.core.Cursor;
import dev.stride.core.Phrase;
import dev.stride.core.RunInfo;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.db.StoreException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The line and the exit code of a session whose database failed with answers received and not saved: a stop the
 * database could not follow to the end stays a stop (130); a database that failed on its own is the database's (4).
 * Either way the line counts what was not saved, in the reader's language.
 */
class UnsavedAnswersLineTest {
    private static final String DB = "dev.stride.db.messages";
    private static final Phrase CUT = Phrase.of(DB, "pg.stoppedWaiting", "db.example:5432", 3, "Connection refused");
    private static final Phrase GAVE_UP = Phrase.of(DB, "pg.gaveUp", "db.example:5432", 120, "Connection refused");

    private static RunResult ended(RunState state, Phrase why, long unsaved) {
        RunInfo run = new RunInfo(1, "r", "m", List.of("http://127.0.0.1:8000/v1"), "Q: {{question}}", "{}", 1000,
                20, 0, 20, 1000, Instant.EPOCH, RunState.RUNNING, Instant.EPOCH, 0);
        StoreException error = new StoreException(why);
        RunOutcome outcome = new RunOutcome(state, new Cursor(20, 20, 0, 1000, Instant.EPOCH, RunState.RUNNING),
                1000, 0, 0, error.getMessage(), error, null, unsaved);
        return new RunResult(List.of(new Session(run, outcome, List.of(), 0, 0, false)), false);
    }

    private static UserError line(RunResult result) {
        return catchThrowableOfType(() -> RunRenderer.exitCode(result, KeyHint.NONE, true), UserError.class);
    }

    @Test
    void aStopTheDatabaseCouldNotFollowExits130AndSaysWhatWasNotSaved() {
        UserError error = line(ended(RunState.INTERRUPTED, CUT, 3));

        assertThat(ErrorHandler.exitCode(error)).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(ErrorHandler.oneLine(error, Messages.ENGLISH)).isEqualTo("run 'r' interrupted: "
                + CUT.english() + "; 3 answers received could not be saved (20/1,000 done and saved)");
        assertThat(ErrorHandler.oneLine(error, Messages.of(Locale.CHINESE))).isEqualTo("任务 'r' 已中断："
                + CUT.in(Locale.CHINESE) + "；收到的 3 条回答未能保存（已完成并保存 20/1,000 条）");
    }

    @Test
    void aStopWithEverythingSavedIsAPlainInterrupt() {
        RunInfo run = new RunInfo(1, "r", "m", List.of("http://127.0.0.1:8000/v1"), "Q", "{}", 10, 2, 0, 2, 0,
                Instant.EPOCH, RunState.RUNNING, Instant.EPOCH, 0);
        RunOutcome outcome = new RunOutcome(RunState.INTERRUPTED, null, 10, 2, 0, "interrupted", null);

        assertThat(RunRenderer.exitCode(new RunResult(List.of(new Session(run, outcome, List.of(), 0, 0, false)),
                false), KeyHint.NONE, true)).isEqualTo(ExitCodes.INTERRUPTED);
    }

    @Test
    void aDatabaseThatFailedOnItsOwnExits4AndCountsWhatWasNotSaved() {
        UserError error = line(ended(RunState.FAILED, GAVE_UP, 1));

        assertThat(ErrorHandler.exitCode(error)).isEqualTo(ExitCodes.DATABASE);
        assertThat(ErrorHandler.oneLine(error, Messages.ENGLISH)).isEqualTo("run 'r' failed: "
                + GAVE_UP.english() + "; 1 answer received could not be saved (20/1,000 done and saved)");
        assertThat(ErrorHandler.oneLine(error, Messages.of(Locale.CHINESE))).endsWith(
                "；收到的 1 条回答未能保存（已完成并保存 20/1,000 条）");
    }

    @Test
    void nothingLostSaysNothingOfIt() {
        UserError error = line(ended(RunState.FAILED, GAVE_UP, 0));

        assertThat(ErrorHandler.oneLine(error, Messages.ENGLISH))
                .isEqualTo("run 'r' failed: " + GAVE_UP.english() + " (20/1,000 done and saved)");
    }
}
