package dev.stride.core;

import static dev.stride.core.RunnerFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A run that picks up where a former session left it, and the state each ending leaves stored. */
class BatchRunnerResumeTest {

    @Test
    void startsAtTheStoredWatermarkAndFinishesRecordsBelowItLast() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(10);
        // r2's outcome was deleted by hand after the watermark passed it.
        f.ledger.given(List.of(0, 1, 3, 4, 5), List.of(), 6, 4_000);

        RunOutcome outcome = f.run(settings(1, 10));

        assertThat(f.predictor.asked()).containsExactly("r6", "r7", "r8", "r9", "r2");
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(outcome.completed()).isEqualTo(5);
        assertThat(f.ledger.pendingIds()).isEmpty();
        assertThat(outcome.cursor()).extracting(Cursor::state, Cursor::lowWatermark, Cursor::done, Cursor::elapsedMs)
                .containsExactly(RunState.DONE, 10L, 10L, 4_000L);
        assertThat(f.ledger.prediction("r0").answer().output()).as("a done record is not asked again").isEqualTo("earlier 0");
    }

    @Test
    void retryFailedRedoesTheFailedRecords() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.ledger.given(List.of(0, 2, 4), List.of(1, 3), 5, 0);

        RunOutcome outcome = f.run(RunnerFixture.retryingFailed(1));

        assertThat(f.predictor.asked()).containsExactly("r1", "r3");
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.ledger.failure("r1")).isNull();
        assertThat(f.ledger.prediction("r1")).isNotNull();
        assertThat(outcome.cursor()).extracting(Cursor::state, Cursor::done, Cursor::failed)
                .containsExactly(RunState.DONE, 5L, 0L);
    }

    @Test
    void withoutRetryFailedAFinishedRunWithFailuresAsksNothing() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.ledger.given(List.of(0, 2, 4), List.of(1, 3), 5, 0);

        RunOutcome outcome = f.run(settings(2, 10));

        assertThat(f.predictor.asked()).isEmpty();
        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(outcome.cursor()).extracting(Cursor::state, Cursor::done, Cursor::failed)
                .containsExactly(RunState.DONE_WITH_FAILURES, 3L, 2L);
        assertThat(f.ledger.run().state()).isEqualTo(RunState.DONE_WITH_FAILURES);
    }

    @Test
    void aRequestCancelledWithoutAStopLeavesItsRecordPendingAndTheRunInterrupted() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r1", ScriptedPredictor.cancelled());

        RunOutcome outcome = f.run(settings(1, 10));

        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(outcome.stopReason()).isNull();
        assertThat(f.ledger.stopReason()).as("an interrupt keeps no reason").isNull();
        assertThat(f.predictor.asked()).containsExactly("r0", "r1", "r2");
        assertThat(f.ledger.pendingIds()).containsExactly("r1");
        assertThat(outcome.cursor()).extracting(Cursor::state, Cursor::lowWatermark)
                .containsExactly(RunState.INTERRUPTED, 1L);
    }
}
