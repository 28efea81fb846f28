package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.RunOptions;
import dev.stride.app.RunPlan;
import dev.stride.core.Joined;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
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
 * The first line of a stored run's session planned while others were at work on it ({@code stride run --db x.db}
 * without the input): said at its join, which alone knows the worker's number and who is still live. WorkersIT shows
 * the joined line between two processes; here, what the join says when the others left between plan and join.
 */
class JoinSaidAtJoinTest {
    private static final RunInfo RUN = new RunInfo(7, "m", "m", List.of("http://127.0.0.1:8000/v1"), "Q: {{question}}",
            "{}", 100, 40, 0, 40, 1000, Instant.EPOCH, RunState.INTERRUPTED, Instant.EPOCH, 0);

    private final StringWriter text = new StringWriter();

    private List<String> linesAfterJoin(Set<Long> atWork, Joined joined) {
        PrintWriter out = new PrintWriter(text, true);
        try (RunRenderer renderer = new RunRenderer(new RunRenderer.Looks(out, Messages.ENGLISH, Duration.ZERO, true,
                Map.of(), RunSummary.Prices.NONE, Duration.ofMinutes(10)), "runs.db", false, "")) {
            renderer.planned(new RunPlan.ResumeStored(List.of(RUN), RunOptions.of("m", "http://127.0.0.1:8000/v1"),
                    atWork));
            RunListener session = renderer.sessionStarted(RUN);
            session.joined(joined);
            session.joined(joined); // said once, whatever tells it again
        }
        return text.toString().lines().toList();
    }

    @Test
    void othersStillAtWorkAtTheJoinMakeItTheJoinedLineAlone() {
        assertThat(linesAfterJoin(Set.of(7L), new Joined(3, 2))).containsExactly(
                "Joined run 'm' as worker 3 (2 other workers at work on it): 40/100 done, 60 to go");
    }

    @Test
    void othersGoneByTheJoinMakeItTheResumeLineAsWithNobodyAtWork() {
        List<String> gone = linesAfterJoin(Set.of(7L), new Joined(1, 0));
        text.getBuffer().setLength(0);

        assertThat(gone).containsExactly("Resuming 'm' from checkpoint: 40/100 done, 60 to go")
                .isEqualTo(linesAfterJoin(Set.of(), new Joined(1, 0)));
    }
}
