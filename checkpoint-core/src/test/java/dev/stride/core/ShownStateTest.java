package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The label a stored run is shown with: interrupted when nothing goes on with it, waiting when all it does is wait. */
class ShownStateTest {
    private static final Instant NOW = Instant.parse("2026-12-07T06:00:00Z");

    private static RunInfo running(Instant savedAt) {
        return new RunInfo(1, "m", "m", List.of("http://gpu1:8000/v1"), "{{prompt}}", "{}", 100, 40, 0, 40, 10_000,
                savedAt, RunState.RUNNING, NOW.minusSeconds(60), 0);
    }

    private static WorkerInfo worker(int number, Instant waitingSince, Instant figuresAt) {
        return new WorkerInfo(number, "gpu" + number, 40 + number, NOW.minusSeconds(60), NOW.minusSeconds(2), 20, 0,
                8, false, List.of(), 0, false, figuresAt, waitingSince, 0, 0);
    }

    @Test
    void aRunIsWaitingOnlyWhileEveryLiveWorkerOfItWaitsForItsServer() {
        RunInfo run = running(NOW.minusSeconds(1));
        WorkerInfo waits = worker(1, NOW.minusSeconds(12), NOW.minusSeconds(1));
        WorkerInfo answered = worker(2, null, NOW.minusSeconds(1));

        assertThat(ShownState.label(run, false, List.of(waits), NOW)).isEqualTo(ShownState.WAITING);
        assertThat(ShownState.label(run, false, List.of(waits, worker(3, NOW.minusSeconds(3), NOW)), NOW))
                .isEqualTo(ShownState.WAITING);
        assertThat(ShownState.label(run, false, List.of(waits, answered), NOW))
                .as("another worker's answers come: the run goes on").isEqualTo("running");
        assertThat(ShownState.label(run, false, List.of(), NOW)).as("no live worker known").isEqualTo("running");
        assertThat(ShownState.label(run, false, null, NOW)).isEqualTo("running");
    }

    @Test
    void aWaitSaidLongAgoIsStillTheLastWordOfALiveWorker() {
        // A frozen process (kill -STOP) stops writing its figures: what it said last is what is known of it, not a
        // rate it no longer makes; once its cursor is stale, the run is interrupted.
        WorkerInfo frozen = worker(1, NOW.minusSeconds(40), NOW.minusSeconds(30));

        assertThat(ShownState.label(running(NOW.minusSeconds(5)), false, List.of(frozen), NOW))
                .isEqualTo(ShownState.WAITING);
        assertThat(ShownState.label(running(NOW.minusSeconds(25)), false, List.of(frozen), NOW))
                .isEqualTo("interrupted");
        assertThat(ShownState.label(running(NOW.minusSeconds(1)), true, List.of(frozen), NOW))
                .as("every worker gone").isEqualTo("interrupted");
    }
}
