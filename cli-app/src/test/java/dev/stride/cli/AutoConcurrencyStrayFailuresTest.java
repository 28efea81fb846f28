package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Outcome;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --concurrency auto} against a server that takes any number at once but refuses a share of its requests
 * whatever is in flight: the run still does every record. Only what the machine's speed cannot change is asserted
 * here; what the limit does with such failures is asserted on clocks the tests move: stray refusals leave the limit
 * high in {@code HandClockedPoolTest.strayRefusalsLeaveTheLimitHigh} (the pool against a server of its own; here the
 * simulator's real sleeps beside a busy build got 14 requests to it at once, not 16, at the same limit) and
 * {@code AdaptiveLimitTest.strayRefusalsAtAnyLoadLeaveTheLimitHigh}; answers too late for the timeout while others
 * are answered neither lower it ({@code AdaptiveLimitTest.strayTimeoutsAtAnyLoadLeaveTheLimitHigh}) nor make the
 * server "unreachable" ({@code BatchRunnerUnreachableTest}: a request without answer while others are answered is the
 * record's own). An end-to-end run of that against real timeouts depended on which came first, a simulated latency
 * or the timeout, on a loaded machine.
 */
class AutoConcurrencyStrayFailuresTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));

    @TempDir
    Path dir;

    @Test
    void strayRefusalsCostNoRecord() throws Exception {
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
            assertThat(sim.stats().count(Outcome.RATE_LIMITED)).as("refused at random").isPositive();
        }
    }
}
