package dev.stride.app;

import static dev.stride.app.Inputs.count;
import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.client.RateLimits;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.core.ServerLimit;
import dev.stride.sim.Outcome;
import dev.stride.sim.RateBudget;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --concurrency auto} with {@code --rpm} against the simulator enforcing a hosted budget: the gate paces the
 * requests in a whole run, and the learnt limit reaches the runner. Counts only: what the limit learns from the time a
 * request spends at the server, not at the gate, is PacedAdaptivePoolTest's, on a clock that no stall moves.
 */
@Timeout(300)
class AutoConcurrencyRateLimitTest {
    private static final int RECORDS = 300;
    /** 20 a second: a fifth of what even a loaded machine's client sends unpaced at the first limit (4 × 20 ms). */
    private static final long RPM = 1_200;

    @TempDir
    Path dir;

    @Test
    void theGatesWaitIsNotTakenForAQueue() throws Exception {
        Path input = questions(dir, "q.jsonl", RECORDS);
        Path db = dir.resolve("runs.db");
        List<Integer> limits = new CopyOnWriteArrayList<>();
        // A bucket of a second's worth that sends no x-ratelimit-* headers: only the user's --rpm keeps within it.
        SimulatorSettings budget = SimulatorSettings.builder().latency(Duration.ofMillis(20))
                .rateBudget(new RateBudget(RPM, 0, Duration.ofSeconds(1), false)).build();
        try (Simulator sim = new Simulator(budget).start(0);
             CheckpointManager runs = CheckpointManager.open(db)) {
            RunOutcome outcome = runs.run(input, RunOptions.of("m", sim.url()).withTemplate("Q: {{question}}")
                    .withAutoConcurrency(256).withRateLimits(new RateLimits(RPM, 0)), new RunListener() {
                        @Override
                        public void inFlightLimit(int limit, boolean auto, List<ServerLimit> servers) {
                            limits.add(limit);
                        }
                    });

            assertThat(outcome.state()).isEqualTo(RunState.DONE);
            // Paced at the server's own budget, next to nothing is refused (none in the runs measured), and what
            // is refused the gate waits out: every record is done in its first attempt.
            assertThat(sim.stats().count(Outcome.RATE_LIMITED)).as("429s of %s", sim.stats().summary())
                    .isLessThanOrEqualTo(RECORDS / 50);
            assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done' AND attempts = 1"))
                    .isEqualTo(RECORDS);
        }
        // The learnt limit reached the runner, and grew: its first window (30 answers at 1 in flight) always doubles
        // it. That it then never drops for the gate's wait is checked where the clock is the test's (the client
        // module's PacedAdaptivePoolTest): here a JVM stalled on a loaded machine makes one window's answers late
        // (96 ms against 32 were seen), which the limit rightly reads as a queue; at a load average of 15 that failed
        // 2 runs in 20.
        assertThat(limits).as("the runner's bound as it moved").anyMatch(limit -> limit > 1);
    }
}
