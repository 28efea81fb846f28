package dev.stride.app;

import static dev.stride.app.Inputs.count;
import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.sim.Outcome;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import dev.stride.sim.SimulatorSettings.WhenBusy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --concurrency auto} finds a server's slots by overshooting them: the requests it refuses (503 or 429) are the
 * run's probe, which the limit backs off for, not trouble of the records'. With {@code --retries 0} every record is
 * still done. Counts only.
 */
class AutoConcurrencyRetriesTest {
    /**
     * Two slots held 30 ms each: slow start reaches 4 in flight after its first two windows, and 4 requests sent
     * together overlap at the server even on a loaded machine. With 8 slots of 20 ms a busy machine's client did not
     * always get 9 requests to the server at once, and the run had no refusal to forgive.
     */
    private static final int SLOTS = 2;
    private static final int RECORDS = 120;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = WhenBusy.class, names = {"REJECT", "RATE_LIMIT"})
    void refusalsTheLimitBacksOffForCostNoRetry(WhenBusy whenBusy) throws Exception {
        Path input = questions(dir, "q.jsonl", RECORDS);
        Path db = dir.resolve("runs.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(30))
                .maxConcurrent(SLOTS).whenBusy(whenBusy).retryAfter(Duration.ZERO).build()).start(0);
             CheckpointManager runs = CheckpointManager.open(db)) {
            RunOutcome outcome = runs.run(input, RunOptions.of("m", sim.url()).withTemplate("Q: {{question}}")
                    .withAutoConcurrency(256).withRetries(0, Duration.ofMillis(50)));

            long refused = sim.stats().count(Outcome.BUSY) + sim.stats().count(Outcome.BUSY_429);
            // Slow start doubles past the server's 2 slots before its first drop: there are refusals to forgive.
            assertThat(refused).as("refused, of %s", sim.stats().summary()).isPositive();
            assertThat(outcome.state()).isEqualTo(RunState.DONE);
            assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'failed'")).isZero();
            assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(RECORDS);
        }
    }
}
