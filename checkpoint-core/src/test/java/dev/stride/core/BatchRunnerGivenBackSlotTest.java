package dev.stride.core;

import static dev.stride.core.RunnerFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.PredictionException.Disposition;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A record sleeping out the backoff of a failure of its own gives its slot to others meanwhile, and takes the next
 * free one when its backoff is over; one refused by a busy server, or timed out, keeps its slot as it sleeps.
 * At one slot, the order of the requests shows which.
 */
class BatchRunnerGivenBackSlotTest {
    private static final ScriptedPredictor.Reply ERROR_500 =
            ScriptedPredictor.fail(Disposition.RETRY, "http_500", "HTTP 500: internal error");

    @Test
    void aRecordSleepingAfterA500LetsOthersBeSentAndIsSentAgainAfterItsBackoff() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.script("r1", ERROR_500);
        RunnerFixture.Session session = f.start(settings(1, 10));

        Duration wait = f.time.awaitWaitsAsked(1).get(0);
        f.ledger.awaitOutcomes(3);
        assertThat(f.predictor.asked()).as("sent while r1 sleeps").containsExactly("r0", "r1", "r2", "r3");
        assertThat(f.ledger.pendingIds()).containsExactly("r1");
        f.time.advance(wait);

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).as("over only once r1 was sent again").isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).containsExactly("r0", "r1", "r2", "r3", "r1");
        assertThat(f.ledger.prediction("r1").timing().attempts()).isEqualTo(2);
        assertThat(f.predictor.maxInFlight()).isEqualTo(1);
    }

    @Test
    void aFailureBeforeTheSessionsFirstAnswerKeepsItsSlot() throws Exception {
        // Nothing answered yet: the failure may be every request's (a web page at the URL), which the run stops for
        // after ten tries; with slots given back, every record would be tried meanwhile.
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r0", ERROR_500);
        RunnerFixture.Session session = f.start(settings(1, 10));

        Duration wait = f.time.awaitWaitsAsked(1).get(0);
        nothingSentMeanwhile(f, "r0");
        f.time.advance(wait);

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).containsExactly("r0", "r0", "r1", "r2");
    }

    @Test
    void recordsSleepingWithoutTheirSlotNeverPutMoreRequestsInFlightThanTheBound() throws Exception {
        // Every record but the first fails twice: up to four per slot sleep with their slot given back, the rest
        // keep theirs.
        RunnerFixture f = RunnerFixture.withRecords(40);
        for (int i = 1; i < 40; i++) {
            f.predictor.script(InMemoryLedger.id(i), ERROR_500, ERROR_500);
        }
        // Each call stays out a while (until a fourth joins it, which the bound forbids): a fourth let out by a slot
        // given back twice would be seen.
        f.predictor.lingerUntilInFlight(4, Duration.ofMillis(20));
        RunnerFixture.Session session = f.start(settings(3, 10));
        while (!session.result().isDone()) {
            f.time.advance(RunnerFixture.BACKOFF_MAX);
            LockSupport.parkNanos(1_000_000);
        }

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).hasSize(1 + 39 * 3);
        assertThat(f.predictor.maxInFlight()).isLessThanOrEqualTo(3);
    }

    @Test
    void aRecordWokenFromItsBackoffIsSentBeforeRecordsNotYetSent() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        // r1 waits for the slot r2's thread holds; that thread's next record would be r3.
        RunnerFixture.Session session = r1WokenWaitsForTheSlotR2Holds(f);
        f.predictor.release("r2", ScriptedPredictor.answer(null));

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).containsExactly("r0", "r1", "r2", "r1", "r3", "r4");
    }

    @Test
    void aRecordRefusedAsBusyKeepsItsSlotWhileItSleeps() throws Exception {
        for (String busy : new String[] {"http_503", "http_429"}) {
            RunnerFixture f = RunnerFixture.withRecords(4);
            f.predictor.script("r1", ScriptedPredictor.fail(Disposition.RETRY, busy, "busy"));
            RunnerFixture.Session session = f.start(settings(1, 10));

            Duration wait = f.time.awaitWaitsAsked(1).get(0);
            nothingSentMeanwhile(f, "r0", "r1");
            f.time.advance(wait);

            assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
            assertThat(f.predictor.asked()).as(busy).containsExactly("r0", "r1", "r1", "r2", "r3");
        }
    }

    @Test
    void aRecordRefusedOverALearntLimitKeepsItsSlotWhileItSleeps() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.script("r1", ScriptedPredictor.refusedOverLimit(Duration.ofSeconds(1)));
        RunnerFixture.Session session = f.start(settings(1, 10));

        Duration wait = f.time.awaitWaitsAsked(1).get(0);
        nothingSentMeanwhile(f, "r0", "r1");
        f.time.advance(wait);

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).containsExactly("r0", "r1", "r1", "r2", "r3");
    }

    @Test
    void aRecordThatTimedOutKeepsItsSlotWhileItSleeps() throws Exception {
        // r1 times out alone in flight a second after r0's answer: its own trouble (a generation too long), retried.
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.script("r1", ScriptedPredictor.hold());
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.predictor.awaitHeld("r1");
        f.time.advance(Duration.ofSeconds(1));
        f.predictor.release("r1", ScriptedPredictor.unreachable(PredictionException.TIMEOUT, "timeout"));

        Duration wait = f.time.awaitWaitsAsked(1).get(0);
        nothingSentMeanwhile(f, "r0", "r1");
        f.time.advance(wait);

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.events.retryAttempts()).as("a retry of its own, not a wait for the server").containsExactly(1);
        assertThat(f.predictor.asked()).containsExactly("r0", "r1", "r1", "r2", "r3");
    }

    @Test
    void aStopWhileARecordSleepsWithoutItsSlotLeavesItPending() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.script("r1", ERROR_500);
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.time.awaitWaitsAsked(1);
        f.ledger.awaitOutcomes(3);

        session.runner().requestStop();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(f.ledger.pendingIds()).containsExactly("r1");
        assertThat(f.ledger.prediction("r2")).isNotNull();
        assertThat(f.ledger.prediction("r3")).isNotNull();
        assertThat(outcome.failed()).isZero();
        assertThat(f.events.retriesNotSent()).isEqualTo(1);
        assertThat(f.predictor.asked()).containsExactly("r0", "r1", "r2", "r3");
    }

    @Test
    void aStopWhileAWokenRecordWaitsForASlotLeavesItPending() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        RunnerFixture.Session session = r1WokenWaitsForTheSlotR2Holds(f);

        session.runner().requestStop();
        f.predictor.release("r2", ScriptedPredictor.answer(null));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r3");
        assertThat(outcome.failed()).isZero();
        assertThat(f.events.retriesNotSent()).isEqualTo(1);
        assertThat(f.predictor.asked()).containsExactly("r0", "r1", "r2");
    }

    /**
     * At one slot: r0 answered, r1 failed with a 500 and slept with its slot given back, r2 was sent and is held, and
     * r1, woken, now waits for the slot r2's thread holds.
     */
    private static RunnerFixture.Session r1WokenWaitsForTheSlotR2Holds(RunnerFixture f) throws Exception {
        f.predictor.script("r1", ERROR_500);
        f.predictor.script("r2", ScriptedPredictor.hold());
        RunnerFixture.Session session = f.start(settings(1, 10));
        Duration wait = f.time.awaitWaitsAsked(1).get(0);
        f.predictor.awaitHeld("r2");
        f.time.advance(wait);
        Guard.until(BatchRunnerGivenBackSlotTest::aRecordWaitsForItsSlot, "r1 waiting for a slot again");
        return session;
    }

    /**
     * While the backoff's clock stands still, a slot given back would send the next record within moments: nothing
     * but {@code asked} may have been sent after a while. (On a busy machine a runner that gave the slot back might
     * not be caught in that while; one that kept it always passes.)
     */
    private static void nothingSentMeanwhile(RunnerFixture f, String... asked) throws InterruptedException {
        Thread.sleep(200);
        assertThat(f.predictor.asked()).as("sent while a record sleeps holding its slot").containsExactly(asked);
    }

    /**
     * Whether a request thread waits to take its slot back: nothing the runner tells says it, and the moment between
     * its wake and that wait is what the order of the requests depends on.
     */
    private static boolean aRecordWaitsForItsSlot() {
        return Thread.getAllStackTraces().values().stream().anyMatch(stack -> Arrays.stream(stack).anyMatch(
                frame -> frame.getClassName().equals(GivenBackSlots.class.getName())
                        && frame.getMethodName().equals("takeBack"))
                && Arrays.stream(stack).anyMatch(frame -> frame.getMethodName().equals("tryAcquire")));
    }
}
