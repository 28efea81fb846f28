package dev.stride.core;

import static dev.stride.core.RunnerFixture.settings;
import static dev.stride.core.RunnerFixture.waitingForServer;
import static dev.stride.core.ScriptedPredictor.answer;
import static dev.stride.core.ScriptedPredictor.fail;
import static dev.stride.core.ScriptedPredictor.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server that cannot be reached is not the records' fault: the run stops with them pending when none ever
 * answered, waits (uncharged) for one that went away, and stops the same way when it stays away too long. Only a
 * failure while the server answers others is a record's own.
 */
class BatchRunnerUnreachableTest {
    private static final String REFUSED = "connection refused (http://127.0.0.1:9/v1)";

    @Test
    void whenNoServerHasAnsweredTheRunStopsAtOnceWithEveryRecordPending() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(10);
        f.predictor.otherwise(unreachable("connection", REFUSED));

        RunOutcome outcome = f.run(settings(4, 10));

        assertThat(outcome.state()).isEqualTo(RunState.UNREACHABLE);
        assertThat(outcome.failed()).isZero();
        assertThat(f.ledger.pendingIds()).hasSize(10);
        assertThat(f.ledger.run().failed()).isZero();
        assertThat(outcome.stopReason()).isEqualTo(REFUSED);
        assertThat(outcome.outage().answeredBefore()).isFalse();
        assertThat(outcome.outage().kind()).isEqualTo("connection");
        assertThat(outcome.outage().reason()).isEqualTo(REFUSED);
        assertThat(f.ledger.stopReason().english()).isEqualTo("no server answered: " + REFUSED);
        assertThat(f.time.waitsAsked()).as("no back-off, at most the grace of the stop")
                .allSatisfy(w -> assertThat(w).isEqualTo(RunnerFixture.GRACE));
        assertThat(f.events.retryAttempts()).isEmpty();
        assertThat(f.predictor.asked()).as("at most the first requests in flight, each once")
                .hasSizeLessThanOrEqualTo(4).doesNotHaveDuplicates();
        assertThat(outcome.cursor().state()).as("stored as every stop that needs a person").isEqualTo(RunState.STOPPED);
    }

    @Test
    void aServerThatGoesAwayIsWaitedForWithoutSpendingRetriesAndTheRunFinishes() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        int away = RunnerFixture.MAX_RETRIES + 3;
        for (int i = 0; i < away; i++) {
            f.predictor.script("r1", unreachable("connection", REFUSED));
        }
        RunnerFixture.Session session = f.start(settings(1, 10));

        Duration waited = Duration.ZERO;
        for (int n = 1; n <= away; n++) {
            Duration wait = f.time.awaitWaitsAsked(n).get(n - 1);
            assertThat(wait).as("wait %d", n).isBetween(Duration.ofMillis(100), RunnerFixture.BACKOFF_MAX);
            f.time.advance(wait);
            waited = waited.plus(wait);
        }

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(outcome.failed()).isZero();
        assertThat(f.predictor.attempts("r1")).isEqualTo(away + 1);
        assertThat(f.ledger.prediction("r1").timing().attempts())
                .as("the one request a server received: a refused connection is none").isEqualTo(1);
        assertThat(f.events.retryAttempts()).as("none charged to the record").isEmpty();
        List<ServerOutage> told = f.events.unreachable();
        assertThat(told).hasSize(away).allSatisfy(o -> {
            assertThat(o.answeredBefore()).isTrue();
            assertThat(o.reason()).isEqualTo(REFUSED);
            assertThat(o.waitLimit()).isEqualTo(RunnerSettings.DEFAULT_SERVER_WAIT);
        });
        assertThat(told.get(0).lasted()).isZero();
        assertThat(told.get(away - 1).since()).isEqualTo(told.get(0).since());
        Duration outage = waited;
        assertThat(f.events.back()).singleElement().satisfies(o -> assertThat(o.lasted()).isEqualTo(outage));
        // For status: the wait told once as it began, from the outage's start, and once as it ended; not per try.
        assertThat(f.ledger.serverWaitsReported()).containsExactly(told.get(0).since(), null);
    }

    @Test
    void aServerAwayLongerThanTheWaitStopsTheRunWithItsRecordsPending() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        Duration serverWait = Duration.ofSeconds(10);
        f.predictor.script("r0", answer(null));
        f.predictor.otherwise(unreachable("connection", REFUSED));
        RunnerFixture.Session session = f.start(waitingForServer(1, serverWait));

        int waits = 0;
        while (!session.result().isDone()) {
            if (f.time.waiting() == 1 && f.time.waitsAsked().size() > waits) {
                f.time.advance(f.time.waitsAsked().get(waits++));
            }
            Thread.onSpinWait();
        }

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.UNREACHABLE);
        assertThat(outcome.outage().lasted()).as("waited exactly as long as allowed, the last wait cut to fit")
                .isEqualTo(serverWait);
        assertThat(outcome.outage().answeredBefore()).isTrue();
        assertThat(outcome.stopReason()).isEqualTo(REFUSED);
        assertThat(outcome.failed()).isZero();
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r2", "r3", "r4");
        assertThat(f.events.unreachable()).hasSize((int) f.predictor.attempts("r1") - 1)
                .allSatisfy(o -> assertThat(o.lasted()).isLessThan(serverWait));
        assertThat(f.predictor.asked()).doesNotContain("r2");
        assertThat(f.events.back()).isEmpty();
    }

    @Test
    void noWaitForAServerStopsAtTheFirstRequestThatFindsNone() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r0", answer(null));
        f.predictor.otherwise(unreachable("unknown_host", "unknown host: gpu1 (http://gpu1:8000/v1)"));

        RunOutcome outcome = f.run(waitingForServer(1, Duration.ZERO));

        assertThat(outcome.state()).isEqualTo(RunState.UNREACHABLE);
        assertThat(outcome.outage().answeredBefore()).isTrue();
        assertThat(f.time.waitsAsked()).isEmpty();
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r2");
    }

    @Test
    void recordsWaitingForTheServerGoOnAsSoonAsItAnswersAgain() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r0", answer(null));
        f.predictor.script("r1", ScriptedPredictor.hold());
        f.predictor.script("r2", unreachable("connection", REFUSED));
        RunnerFixture.Session session = f.start(settings(2, 10));
        f.predictor.awaitHeld("r1");
        f.time.awaitWaiting(1);

        f.predictor.release("r1", answer(null));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).as("done without the time moving").isEqualTo(RunState.DONE);
        assertThat(f.predictor.attempts("r2")).isEqualTo(2);
        assertThat(f.events.back()).singleElement().satisfies(o -> assertThat(o.lasted()).isZero());
    }

    @Test
    void aTimeoutWhileTheServerSeemsGoneIsSentAgainUnchargedAndToldAsTheRetryItIs() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(2);
        // r0 is answered; r1's request reached the server and got no answer in time, with nothing answered since.
        f.predictor.script("r1", unreachable(PredictionException.TIMEOUT, "no answer within 1s"));
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.time.advance(f.time.awaitWaitsAsked(1).get(0));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.events.unreachable()).as("waited for as an outage").hasSize(1);
        assertThat(f.ledger.prediction("r1").timing().attempts()).as("both requests the server received")
                .isEqualTo(2);
        // Not charged to the record, and no retry of its own: sent again while no server answered, told apart so
        // that the summary names it (a run at --retries 0 whose server hung said "24 retries").
        assertThat(f.events.retryAttempts()).isEmpty();
        assertThat(f.events.awayAttempts()).containsExactly(1);
        assertThat(f.events.retriesSent()).isEqualTo(1);
    }

    /**
     * The last record of a run, alone in flight: nothing else can be answered while it waits, so "nothing answered
     * since" says nothing. The server answered r0 just before it was sent, within the second r1 then waited: a slow
     * answer of its own, a retry, not an outage ("server unreachable ... answers again after 0.4s" at the end of runs).
     */
    /**
     * A server hung (SIGSTOP) with two requests in flight: the answer to another came a moment after the first of them
     * was sent, and nothing after. Both timeouts are the outage's, not their records' own: with "answered since it was
     * sent" each in flight but the last sent was charged, and failed under --retries 0 ("7 failed").
     */
    @Test
    void requestsInFlightWhenTheServerHungWaitForItThoughAnotherWasAnsweredJustAfterTheyWereSent() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(waitingForServer(2, 0, Duration.ofMinutes(10)));
        f.predictor.awaitHeld("r0", "r1");
        f.predictor.release("r0", answer(null));
        f.predictor.awaitHeld("r2");
        f.time.advance(Duration.ofMillis(10));
        f.predictor.release("r1", answer(null));
        f.predictor.awaitHeld("r3");
        f.ledger.awaitOutcomes(2);

        f.time.advance(Duration.ofSeconds(3));
        f.predictor.release("r2", unreachable(PredictionException.TIMEOUT, "no answer within 3s"));
        f.time.awaitWaitsAsked(1);
        f.predictor.release("r3", unreachable(PredictionException.TIMEOUT, "no answer within 3s"));
        f.time.awaitWaitsAsked(2);
        f.predictor.answerEverything();
        f.time.advance(RunnerFixture.BACKOFF_MAX);

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(outcome.failed()).as("none charged: the server answered nothing while they were overdue").isZero();
        assertThat(f.events.unreachable()).hasSize(2);
        assertThat(f.events.retryAttempts()).isEmpty();
        assertThat(f.events.awayAttempts()).containsExactly(1, 1);
    }

    /**
     * A record charged for a timeout after the server's last answer (it had waited more than half its time while the
     * server still answered) and then the outage that stops the run: its failure is counted as the outage's, so the
     * stop's line does not call it earlier.
     */
    @Test
    void aRecordThatGaveUpAfterTheLastAnswerIsCountedOnTheOutageThatStopsTheRun() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(waitingForServer(3, 0, Duration.ZERO));
        f.predictor.awaitHeld("r0", "r1", "r2");
        f.time.advance(Duration.ofMillis(600));
        f.predictor.release("r1", answer(null));
        f.ledger.awaitOutcomes(1);
        // r0 waited a second, the server answering 0.6 s into it: its own, and --retries 0 ends it.
        f.time.advance(Duration.ofMillis(400));
        f.predictor.release("r0", unreachable(PredictionException.TIMEOUT, "no answer within 1s"));
        f.ledger.awaitOutcomes(2);
        // r2 waited 1.6 s, nothing answered in the later half of it: the outage, and no wait for it.
        f.time.advance(Duration.ofMillis(600));
        f.predictor.release("r2", unreachable(PredictionException.TIMEOUT, "no answer within 1s"));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.UNREACHABLE);
        assertThat(outcome.failed()).isEqualTo(1);
        assertThat(outcome.outage().failedSinceLastAnswer()).isEqualTo(1);
        assertThat(f.ledger.pendingIds()).containsExactly("r2");
        assertThat(f.events.noAnswerInTime()).as("its timeout is no request in flight at the stop")
                .containsExactly("r2");
    }

    @Test
    void aTimeoutAloneInFlightRightAfterAnAnswerIsTheRecordsOwn() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(2);
        f.predictor.script("r1", ScriptedPredictor.hold());
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.predictor.awaitHeld("r1");
        f.time.advance(Duration.ofSeconds(1));
        f.predictor.release("r1", unreachable(PredictionException.TIMEOUT, "no answer within 1s"));
        f.time.advance(f.time.awaitWaitsAsked(1).get(0));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.events.unreachable()).as("waited for as an outage").isEmpty();
        assertThat(f.events.retryAttempts()).as("charged to the record").containsExactly(1);
        assertThat(f.ledger.prediction("r1").timing().attempts()).isEqualTo(2);
    }

    /**
     * A connect timeout while the server answers others (its accept backlog full, the connection never made) is the
     * record's own and it is tried again; but no request went out, so the try that then reaches the server is its
     * first request, not a retry. A single-threaded server slow to accept showed "42 sent, 11 retries" for 40 records
     * whose stored attempts added up to 42.
     */
    @Test
    void aConnectTimeoutWhileOthersAreAnsweredIsNoRequestAndTheNextTryNoRetry() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(2);
        f.predictor.script("r1", ScriptedPredictor.hold());
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.predictor.awaitHeld("r1");
        f.time.advance(Duration.ofSeconds(1));
        f.predictor.release("r1", ScriptedPredictor.connectTimeout("connect timed out after 10 s"));
        f.time.advance(f.time.awaitWaitsAsked(1).get(0));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.events.unreachable()).as("not an outage: the server answered r0").isEmpty();
        assertThat(f.predictor.attempts("r1")).isEqualTo(2);
        assertThat(f.ledger.prediction("r1").timing().attempts()).as("the one request the server received")
                .isEqualTo(1);
        assertThat(f.events.retryAttempts()).as("nothing sent to retry").isEmpty();
        assertThat(f.events.retriesSent()).as("its one request is no retry").isZero();
    }

    @Test
    void aRetryThatFindsNoServerIsToldAsSentOnlyWhenATryReachesOne() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(2);
        // r1 fails on the server's side, then its retry and the next find no server, and the third reaches it.
        f.predictor.script("r1", fail(PredictionException.Disposition.RETRY, "http_500", "internal error"),
                unreachable("connection", REFUSED), unreachable("connection", REFUSED));
        RunnerFixture.Session session = f.start(settings(1, 10));
        for (int n = 1; n <= 3; n++) {
            f.time.advance(f.time.awaitWaitsAsked(n).get(n - 1));
        }

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.attempts("r1")).isEqualTo(4);
        assertThat(f.ledger.prediction("r1").timing().attempts()).as("the 500 and the answer").isEqualTo(2);
        assertThat(f.events.retryAttempts()).containsExactly(1);
        assertThat(f.events.retriesSent()).as("once, by the try that reached the server").isEqualTo(1);
        assertThat(f.events.retriesNotSent()).isZero();
    }

    @Test
    void aRetryThatOnlyFoundNoServerBeforeAStopWasNeverSent() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(2);
        f.predictor.script("r0", answer(null));
        f.predictor.script("r1", fail(PredictionException.Disposition.RETRY, "http_503", "busy"));
        f.predictor.otherwise(unreachable("connection", REFUSED));
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.time.advance(f.time.awaitWaitsAsked(1).get(0));
        // The retry found no server: the record waits for one.
        f.time.awaitWaitsAsked(2);

        session.runner().requestStop();

        assertThat(session.outcome().state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(f.predictor.attempts("r1")).as("the 503, then a try refused at connect").isEqualTo(2);
        assertThat(f.events.retriesSent()).as("the retry reached no server").isZero();
        assertThat(f.events.retriesNotSent()).isEqualTo(1);
    }

    @Test
    void aStopEndsTheWaitForAServer() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r0", answer(null));
        f.predictor.otherwise(unreachable("connection", REFUSED));
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.time.awaitWaiting(1);

        session.runner().requestStop();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(outcome.outage()).isNull();
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r2");
    }

    @Test
    void aRequestInFlightWhenTheServerWentAwayWaitsForItThoughOthersWereAnsweredMeanwhile() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(settings(2, 10));
        f.predictor.awaitHeld("r0", "r1");
        f.predictor.release("r1", answer(null));
        f.ledger.awaitOutcomes(1);

        // The server died with r0 in flight: its retry on a new connection was refused.
        f.predictor.release("r0", unreachable("connection", REFUSED));
        f.time.advance(f.time.awaitWaitsAsked(1).get(0));
        f.predictor.answerEverything();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(outcome.failed()).isZero();
        assertThat(f.events.retryAttempts()).as("not charged to the record").isEmpty();
        assertThat(f.events.unreachable()).as("waited for as an outage").hasSize(1);
    }

    @Test
    void aConnectionDroppedDuringAnOutageIsNoSignThatTheServerIsBack() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(settings(2, 10));
        f.predictor.awaitHeld("r0", "r1");
        f.predictor.release("r0", answer(null));
        f.predictor.awaitHeld("r2");

        // kill -9 of the server: r1's retry on a new connection is refused, r2's open connection is reset.
        f.predictor.release("r1", unreachable("connection", REFUSED));
        f.time.awaitWaitsAsked(1);
        f.predictor.release("r2", fail(PredictionException.Disposition.RETRY, "connection",
                "connection failed: Connection reset (http://127.0.0.1:9/v1)"));
        f.time.awaitWaitsAsked(2);

        assertThat(f.events.unreachable()).as("the outage, told once").hasSize(1);
        assertThat(f.events.back()).as("a reset is not an answer").isEmpty();
        f.predictor.answerEverything();
        f.time.advance(RunnerFixture.BACKOFF_MAX);
        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.events.back()).as("back once a server answers").singleElement();
    }

    @Test
    void aRequestWithoutAnswerWhileOthersAreAnsweredIsTheRecordsOwnAndFailsAfterItsRetries() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(10);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(settings(2, 10));

        // Each attempt at r0 is still waiting when another record is answered; then it times out.
        for (int attempt = 1; attempt <= RunnerFixture.MAX_RETRIES + 1; attempt++) {
            String other = InMemoryLedger.id(attempt);
            f.predictor.awaitHeld("r0", other);
            f.predictor.release(other, answer(null));
            f.ledger.awaitOutcomes(attempt);
            f.predictor.release("r0", unreachable("timeout", "read timed out: no data for 10 m (http://gpu1/v1)"));
            if (attempt <= RunnerFixture.MAX_RETRIES) {
                f.time.advance(f.time.awaitWaitsAsked(attempt).get(attempt - 1));
            }
        }
        f.ledger.awaitOutcomes(RunnerFixture.MAX_RETRIES + 2);
        f.predictor.answerEverything();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        FailedPrediction failure = f.ledger.failure("r0");
        assertThat(failure.errorKind()).isEqualTo("timeout");
        assertThat(failure.error()).isEqualTo("gave up after 4 attempts: read timed out: no data for 10 m"
                + " (http://gpu1/v1)");
        assertThat(f.events.retryAttempts()).containsExactly(1, 2, 3);
        assertThat(f.events.unreachable()).isEmpty();
        assertThat(outcome.completed()).isEqualTo(9);
    }
}
