package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the runner says is in flight: the requests out, which the bound only limits. */
class BatchRunnerInFlightTest {

    @Test
    void theRequestsOutAreToldNotTheBoundAndNeverMoreThanTheRecordsLeft() throws Exception {
        // 3 records at a bound of 16: 3 out at most, then fewer as they are answered.
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(RunnerFixture.settings(16, 10));
        f.predictor.awaitHeld("r0", "r1", "r2");
        f.events.awaitRequestsOut(3);
        assertThat(f.ledger.requestsOutReported()).as("what status shows").isEqualTo(3);

        f.predictor.release("r0", ScriptedPredictor.answer(null));
        f.ledger.awaitOutcomes(1);
        f.events.awaitRequestsOut(2);
        f.predictor.answerEverything();

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.events.inFlightLimits()).as("the bound, told apart").containsOnly(16);
        assertThat(f.events.requestsOut()).allSatisfy(n -> assertThat(n).isBetween(0, 3)).contains(3, 2);
    }

    @Test
    void aRecordWaitingForItsServerToComeBackIsNotOut() throws Exception {
        // r0 is answered; then r2 finds no server and waits for it while r1 is still at the server: one out.
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r0", ScriptedPredictor.hold());
        f.predictor.script("r1", ScriptedPredictor.hold());
        f.predictor.script("r2", ScriptedPredictor.hold(), ScriptedPredictor.answer(null));
        RunnerFixture.Session session = f.start(RunnerFixture.settings(16, 10));
        f.predictor.awaitHeld("r0", "r1", "r2");
        f.predictor.release("r0", ScriptedPredictor.answer(null));
        f.events.awaitRequestsOut(2);
        // r0's answer counted as the server's before r2 finds none: else the run, told of no answer yet this session,
        // stops at once as one whose server was never there (it did, once in a CI run).
        f.ledger.awaitOutcomes(1);
        f.predictor.release("r2", ScriptedPredictor.unreachable("connection", "connection refused"));
        f.time.awaitWaiting(1);
        f.events.awaitRequestsOut(1);
        assertThat(f.ledger.requestsOutReported()).as("what status shows").isEqualTo(1);

        f.predictor.release("r1", ScriptedPredictor.answer(null));

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.attempts("r2")).isEqualTo(2);
    }

    @Test
    void aRecordSleepingBeforeItIsSentAgainIsNotOutButToldApart() throws Exception {
        // r0 is refused and sleeps out its backoff while r1 and r2 are at the server: two out, one waiting.
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r0", ScriptedPredictor.hold(), ScriptedPredictor.answer(null));
        f.predictor.script("r1", ScriptedPredictor.hold());
        f.predictor.script("r2", ScriptedPredictor.hold());
        RunnerFixture.Session session = f.start(RunnerFixture.settings(16, 10));
        f.predictor.awaitHeld("r0", "r1", "r2");
        f.predictor.release("r0", ScriptedPredictor.fail(PredictionException.Disposition.RETRY, "http_500",
                "HTTP 500: oops"));
        Duration backoff = f.time.awaitWaitsAsked(1).get(0);
        // Told after the requests out it was counted with: by now those are told too.
        f.events.awaitWaitingToSendAgain(1);
        assertThat(f.events.requestsOut()).last().isEqualTo(2);
        assertThat(f.ledger.requestsOutReported()).as("what status shows").isEqualTo(2);

        f.time.advance(backoff);
        f.events.awaitWaitingToSendAgain(0);
        f.predictor.answerEverything();

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
    }

    @Test
    void requestsHeldForARateLimitAreToldWithHowLongTheServersWordHoldsThem() throws Exception {
        // A predictor whose two requests wait at a server's spent budget, an hour before its reset.
        RunnerFixture f = RunnerFixture.withRecords(2);
        f.predictor.holdEverything();
        Duration hour = Duration.ofHours(1);
        Predictor held = new Predictor() {
            @Override
            public Completion predict(Prompt prompt) throws PredictionException {
                return f.predictor.predict(prompt);
            }

            @Override
            public int waitingForRateLimit() {
                return 2;
            }

            @Override
            public Duration rateLimitHold() {
                return hour;
            }

            @Override
            public void cancelAll() {
                f.predictor.cancelAll();
            }

            @Override
            public void close() {
            }
        };
        RunnerFixture.Session session = f.start(f.runner(RunnerFixture.settings(8, 10), held));

        f.events.awaitRateLimitHold(hour);
        f.predictor.answerEverything();
        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
    }
}
