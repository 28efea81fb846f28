package dev.stride.core;

import static dev.stride.core.InMemoryLedger.id;
import static dev.stride.core.RunnerFixture.settings;
import static dev.stride.core.ScriptedPredictor.answer;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a run moves forward: requests in flight, cursors saved, time measured. */
class BatchRunnerProgressTest {

    @Test
    void keepsExactlyTheConcurrencyInFlightWhileThereIsWork() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(12);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(settings(3, 100));

        f.predictor.awaitHeld("r0", "r1", "r2");
        assertThat(f.predictor.heldIds()).containsExactlyInAnyOrder("r0", "r1", "r2");
        for (int next = 3; next < 12; next++) {
            f.predictor.release(f.predictor.heldIds().get(0), answer(null));
            f.predictor.awaitHeld(id(next));
            assertThat(f.predictor.heldIds()).as("held once %s came", id(next)).hasSize(3);
        }
        f.predictor.answerEverything();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(outcome.completed()).isEqualTo(12);
        assertThat(f.predictor.maxInFlight()).isEqualTo(3);
    }

    @Test
    void commitsACursorEverySaveIntervalOutcomesAndNoMoreOften() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(7);

        RunOutcome outcome = f.run(settings(2, 3));

        List<Cursor> cursors = f.ledger.cursors();
        assertThat(cursors).extracting(Cursor::state)
                .containsExactly(RunState.RUNNING, RunState.RUNNING, RunState.DONE);
        assertThat(cursors).extracting(Cursor::done).containsExactly(3L, 6L, 7L);
        assertThat(f.events.cursors()).isEqualTo(cursors);
        assertThat(outcome.cursor()).isEqualTo(cursors.get(2));
        assertThat(outcome.cursor().lowWatermark()).isEqualTo(7);
    }

    @Test
    void savesAHeartbeatCursorWhenTheSaveIntervalIsNotReached() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r1", ScriptedPredictor.hold());
        RunnerFixture.Session session = f.start(settings(1, 100));
        f.predictor.awaitHeld("r1");
        f.ledger.awaitOutcomes(1);
        assertThat(f.ledger.cursors()).isEmpty();

        f.time.advance(RunnerFixture.HEARTBEAT);
        f.ledger.awaitCursors(1);
        Cursor heartbeat = f.ledger.cursors().get(0);
        assertThat(heartbeat.state()).isEqualTo(RunState.RUNNING);
        assertThat(heartbeat.done()).isEqualTo(1);
        assertThat(heartbeat.lowWatermark()).isEqualTo(1);
        assertThat(heartbeat.elapsedMs()).isEqualTo(RunnerFixture.HEARTBEAT.toMillis());
        f.predictor.release("r1", answer(null));

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.ledger.cursors()).as("one heartbeat, then the final cursor").extracting(Cursor::state)
                .containsExactly(RunState.RUNNING, RunState.DONE);
    }

    @Test
    void measuresLatencyAndElapsedTimeAndStampsOutcomesWithItsTime() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(2);
        f.ledger.given(List.of(), List.of(), 0, 1_000);
        f.predictor.script("r0", ScriptedPredictor.hold());
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.predictor.awaitHeld("r0");

        f.time.advance(Duration.ofMillis(1_500));
        f.predictor.release("r0", answer("slow"));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        Prediction slow = f.ledger.prediction("r0");
        assertThat(slow.answer().output()).isEqualTo("slow");
        assertThat(slow.timing().latencyMs()).isEqualTo(1_500);
        assertThat(slow.timing().attempts()).isEqualTo(1);
        assertThat(slow.timing().finishedAt()).isEqualTo(f.time.now());
        assertThat(f.ledger.prediction("r1").timing().latencyMs()).isZero();
        assertThat(outcome.cursor().elapsedMs()).as("the earlier sessions' time plus this one's").isEqualTo(2_500);
        assertThat(outcome.cursor().savedAt()).isEqualTo(f.time.now());
    }
}
