package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.RunOptions;
import dev.stride.app.RunPlan;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code stride run --db runs.db} resumes the stored runs one after the other; one cleared before its turn is said
 * gone in one line, after its resume line of the plan (StoredRunsReadAtTheirTurnTest drives it on a real file).
 */
class RunGoneAtItsTurnLineTest {
    private static final RunInfo RUN = new RunInfo(7, "rb", "rb", List.of("http://127.0.0.1:8000/v1"),
            "Q: {{question}}", "{}", 40, 5, 0, 5, 1000, Instant.EPOCH, RunState.INTERRUPTED, Instant.EPOCH, 0);

    private List<String> lines(Messages m) {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        try (RunRenderer renderer = new RunRenderer(new RunRenderer.Looks(out, m, Duration.ZERO, true, Map.of(),
                RunSummary.Prices.NONE, Duration.ofMinutes(10)), "runs.db", false, "")) {
            renderer.planned(new RunPlan.ResumeStored(List.of(RUN), RunOptions.of(null, null), Set.of()));
            renderer.runGone(RUN);
        }
        return text.toString().lines().toList();
    }

    @Test
    void aRunClearedBeforeItsTurnIsSaidGone() {
        assertThat(lines(Messages.ENGLISH)).containsExactly(
                "Resuming 'rb' from checkpoint: 5/40 done, 35 to go",
                "Run 'rb' is no longer in runs.db (cleared since this command started): nothing was sent for it");
    }
}
