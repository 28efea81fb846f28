package dev.stride.core;

import static dev.stride.core.RunnerFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.PredictionException.Disposition;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The latency stored for a record is its request's own time, as the predictor measured it, not the whole call: a
 * predictor may wait before it sends (a rate limit's pacing, a server at its learnt limit), and that wait is the
 * run's, not the server's.
 */
class BatchRunnerLatencyTest {

    /** Waits {@code before} (on the runner's clock) before "sending", then answers or fails in {@code took}. */
    private static Predictor waitingThen(ManualTime time, Duration before, Duration took, boolean fail) {
        return new Predictor() {
            @Override
            public Completion predict(Prompt prompt) throws PredictionException {
                time.advance(before.plus(took));
                if (fail) {
                    throw new PredictionException(Disposition.FAIL_RECORD, "http_400", "too long", null)
                            .withLatency(took);
                }
                return Completion.of(Answer.plain("ok", "stop", 1, 1), took);
            }

            @Override
            public void cancelAll() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void anAnswerIsStoredWithItsRequestsTimeNotTheWaitBeforeIt() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);

        f.start(f.runner(settings(1, 10), waitingThen(f.time, Duration.ofSeconds(5), Duration.ofMillis(20), false)))
                .outcome();

        Timing timing = f.ledger.prediction("r0").timing();
        assertThat(timing.latencyMs()).isEqualTo(20);
        assertThat(timing.attempts()).isEqualTo(1);
    }

    @Test
    void aFailureIsStoredWithItsRequestsTimeNotTheWaitBeforeIt() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);

        f.start(f.runner(settings(1, 10), waitingThen(f.time, Duration.ofSeconds(5), Duration.ofMillis(30), true)))
                .outcome();

        assertThat(f.ledger.failure("r0").timing().latencyMs()).isEqualTo(30);
    }

    @Test
    void aPredictorThatMeasuresNothingIsTimedWholeAsBefore() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);
        Predictor untimed = new Predictor() {
            @Override
            public Completion predict(Prompt prompt) {
                f.time.advance(Duration.ofMillis(70));
                return Completion.of(Answer.plain("ok", "stop", 1, 1));
            }

            @Override
            public void cancelAll() {
            }

            @Override
            public void close() {
            }
        };

        f.start(f.runner(settings(1, 10), untimed)).outcome();

        assertThat(f.ledger.prediction("r0").timing().latencyMs()).isEqualTo(70);
    }
}
