package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.RunOptions;
import dev.stride.app.RunPlan;
import dev.stride.app.Session;
import dev.stride.core.Cursor;
import dev.stride.core.RunInfo;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A worker stopped (SIGTERM) as another answered the run's last records: its store saved the run done (WorkersTest),
 * and its last line says so, not "to continue, run the same command again".
 */
class InterruptedAfterTheRunEndedTest {
    private static final RunInfo RUN = new RunInfo(7, "m", "m", List.of("http://127.0.0.1:8000/v1"), "Q: {{question}}",
            "{}", 100, 40, 0, 40, 1000, Instant.EPOCH, RunState.RUNNING, Instant.EPOCH, 0);

    private String lastLine(RunState stored, long done) {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        try (RunRenderer renderer = new RunRenderer(new RunRenderer.Looks(out, Messages.ENGLISH, Duration.ZERO, true,
                Map.of(), RunSummary.Prices.NONE, Duration.ofMinutes(10)), "runs.db", false, "")) {
            renderer.planned(new RunPlan.ResumeStored(List.of(RUN), RunOptions.of("m", "http://127.0.0.1:8000/v1")));
            renderer.sessionStarted(RUN);
            Cursor saved = new Cursor(done, done, 0, 2000, Instant.EPOCH, stored);
            renderer.sessionEnded(new Session(RUN, new RunOutcome(RunState.INTERRUPTED, saved, 100, 30, 0, null, null),
                    List.of(), 0, 0, false));
        }
        return text.toString().lines().filter(l -> l.startsWith("Interrupted")).findFirst().orElseThrow();
    }

    @Test
    void aStopAfterTheOthersAnsweredTheRestSaysNothingIsLeft() {
        assertThat(lastLine(RunState.DONE, 100)).isEqualTo("Interrupted: 'm' 100/100 done (this session: 30"
                + " predictions, 0 failed, 0 retries); every record is answered, nothing is left to continue");
    }

    @Test
    void aStopWithRecordsLeftSaysHowToContinue() {
        assertThat(lastLine(RunState.INTERRUPTED, 70)).startsWith("Interrupted: 'm' saved at 70/100 done (")
                .contains("To continue, run the same command again");
    }
}
