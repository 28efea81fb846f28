package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --concurrency auto} against a server that takes any number at once but refuses or answers too late a share
 * of its requests whatever is in flight: such failures are not about the load, and the limit must not fall for them,
 * nor a late answer make a server that answers the others "unreachable".
 */
class AutoConcurrencyStrayFailuresTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));

    @TempDir
    Path dir;

    @Test
    void strayRefusalsLeaveTheLimitHigh() throws Exception {
        Path input = questions(dir, "q.jsonl", 800);
        Path db = dir.resolve("a.db");
        SimulatorSettings settings = SimulatorSettings.builder().latency(Duration.ofMillis(20)).rateLimited(0.05)
                .retryAfter(Duration.ZERO).seed(15).build();
        try (Simulator sim = new Simulator(settings).start(0)) {
            Cli.Result r = EN.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                    sim.url(), "--template", "{{question}}", "--concurrency", "auto", "--max-concurrency", "32",
                    "--log-every", "0");

            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(query(db, "SELECT done FROM progress").get(0))
                    .containsEntry("done", 800);
            // One in twenty refused at random used to cut the limit each time, down to 1 in flight; now it grows
            // past its start of 4 as with a server that refuses nothing.
            assertThat(sim.held().peak()).as("the most the server held at once").isGreaterThanOrEqualTo(16);
        }
    }

    @Test
    void lateAnswersWhileOthersAreAnsweredAreNoOutage() throws Exception {
        Path input = questions(dir, "q.jsonl", 120);
        Path db = dir.resolve("t.db");
        // 150 to 450 ms: about one answer in six comes after the 400 ms timeout, whatever is in flight.
        SimulatorSettings settings = SimulatorSettings.builder().latency(Duration.ofMillis(300))
                .jitter(Duration.ofMillis(150)).seed(15).build();
        try (Simulator sim = new Simulator(settings).start(0)) {
            Cli.Result r = EN.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                    sim.url(), "--template", "{{question}}", "--concurrency", "auto", "--timeout", "400ms",
                    "--log-every", "1ms");

            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(query(db, "SELECT done FROM progress").get(0))
                    .containsEntry("done", 120);
            assertThat(r.out() + r.err()).doesNotContain("unreachable").doesNotContain("answers again");
            assertThat(r.out()).as("the progress lines").doesNotContain("in flight 1, auto")
                    .doesNotContain("(auto, limit 1)");
        }
    }
}
