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
 * A request that a server refuses (503 or 429) and {@code --concurrency auto}'s limit backs off for is the run's
 * overshoot, not trouble of the record's: with {@code --retries 0} every record is still done. Counts only.
 *
 * <p>The refusals are the simulator's at random, seeded: the same requests of the run's sequence are refused however
 * fast the machine is. With seed {@value #SEED} the first two requests the server gets are refused, while the limit
 * holds the run to one request at a time and nothing was answered yet: no other answer passed them, so only the mark
 * of a refusal the limit backs off for can forgive them. Refusals beyond a server's slots, the probe of slow start,
 * need requests to overlap at the server, which a loaded machine's client did not always manage (no refusal to
 * forgive); that slow start overshoots and that the pool marks each such refusal are {@code HandClockedPoolTest}'s,
 * on a clock the test moves.
 */
class AutoConcurrencyRetriesTest {
    private static final int RECORDS = 120;
    /**
     * One in twenty: a record refused six times in a row (one more than is forgiven) has a chance of one in 64
     * million.
     */
    private static final double REFUSED = 0.05;
    /** java.util.Random's first two draws for it are 0.049 and 0.019: under {@link #REFUSED}, both refused. */
    private static final long SEED = 4640;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = WhenBusy.class, names = {"REJECT", "RATE_LIMIT"})
    void refusalsTheLimitBacksOffForCostNoRetry(WhenBusy whenBusy) throws Exception {
        Path input = questions(dir, "q.jsonl", RECORDS);
        Path db = dir.resolve("runs.db");
        SimulatorSettings.Builder settings = SimulatorSettings.builder().latency(Duration.ofMillis(20))
                .retryAfter(Duration.ZERO).seed(SEED);
        try (Simulator sim = new Simulator((whenBusy == WhenBusy.REJECT ? settings.unavailable(REFUSED)
                        : settings.rateLimited(REFUSED)).build()).start(0);
             CheckpointManager runs = CheckpointManager.open(db)) {
            RunOutcome outcome = runs.run(input, RunOptions.of("m", sim.url()).withTemplate("Q: {{question}}")
                    .withAutoConcurrency(256).withRetries(0, Duration.ofMillis(50)));

            long refused = sim.stats().count(Outcome.UNAVAILABLE) + sim.stats().count(Outcome.RATE_LIMITED);
            assertThat(refused).as("refused, of %s", sim.stats().summary()).isGreaterThanOrEqualTo(2);
            assertThat(outcome.state()).isEqualTo(RunState.DONE);
            assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'failed'")).isZero();
            assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(RECORDS);
        }
    }
}
