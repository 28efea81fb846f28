package dev.stride.core;

import static dev.stride.core.ScriptedPredictor.answer;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * {@code --concurrency auto}: the runner's bound follows what the predictor learns its servers take, up and down.
 * Request threads keep their slot from record to record, so these check that one gives its slot back when the bound
 * shrank below the slots taken, and that a bound that grew is used at once, without waiting for an answer.
 */
class BatchRunnerLearntLimitTest {

    @Test
    void requestsInFlightFollowALearntLimitUpAndDown() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(20);
        f.predictor.holdEverything();
        Learning learning = new Learning(f.predictor, 4);
        RunnerFixture.Session session = f.start(f.runner(RunnerFixture.settings(8, 10), learning));
        f.predictor.awaitHeld("r0", "r1", "r2", "r3");

        learning.learn(6);
        f.predictor.awaitHeld("r4", "r5");
        assertThat(f.predictor.heldIds()).hasSize(6);

        learning.learn(2);
        learning.awaitSeen();
        // Six in flight against a bound of two: the next request goes only once fewer than two are left.
        for (String id : new String[] {"r0", "r1", "r2", "r3"}) {
            f.predictor.release(id, answer(null));
        }
        f.ledger.awaitOutcomes(4);
        f.predictor.release("r4", answer(null));
        f.predictor.awaitHeld("r6");
        f.ledger.awaitOutcomes(5);
        assertThat(f.predictor.heldIds()).containsExactlyInAnyOrder("r5", "r6");
        f.predictor.answerEverything();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).hasSize(20).doesNotHaveDuplicates();
        assertThat(f.predictor.maxInFlight()).isEqualTo(6);
    }

    @Test
    void eachServersOwnLimitIsToldAsItChangesAlsoWhenTheirTotalStaysTheSame() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.holdEverything();
        Learning learning = new Learning(f.predictor, 0);
        ServerLimit a4 = new ServerLimit("http://a:8000/v1", 4, false);
        ServerLimit b4 = new ServerLimit("http://b:8000/v1", 4, false);
        learning.learn(a4, b4);
        RunnerFixture.Session session = f.start(f.runner(RunnerFixture.settings(8, 10), learning));
        f.predictor.awaitHeld("r0", "r1", "r2", "r3");

        ServerLimit a2 = new ServerLimit("http://a:8000/v1", 2, false);
        ServerLimit b6 = new ServerLimit("http://b:8000/v1", 6, false);
        learning.learn(a2, b6);
        f.events.awaitLimitsTold(2);
        f.predictor.answerEverything();

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.events.inFlightLimits()).containsExactly(8, 8);
        assertThat(f.events.serverLimits()).containsExactly(List.of(a4, b4), List.of(a2, b6));
        assertThat(f.ledger.serverLimitsReported()).as("what status shows").isEqualTo(List.of(a2, b6));
    }

    @Test
    void aRecordWaitingOutARefusalDoesNotKeepTheServersBelowTheirLimit() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(6);
        f.predictor.holdEverything();
        f.predictor.script("r0", ScriptedPredictor.refusedOverLimit(Duration.ofSeconds(1)));
        Learning learning = new Learning(f.predictor, 2);
        RunnerFixture.Session session = f.start(f.runner(RunnerFixture.settings(8, 10), learning));

        // r0 is refused and sleeps out its Retry-After (the test's clock stands still); the servers take 2 still.
        f.predictor.awaitHeld("r1", "r2");
        assertThat(f.time.awaitWaitsAsked(1)).containsExactly(Duration.ofSeconds(1));
        assertThat(f.events.inFlightLimits()).as("the limit a user is shown").containsOnly(2);

        f.predictor.release("r1", answer(null));
        f.predictor.release("r2", answer(null));
        f.ledger.awaitOutcomes(2);
        f.predictor.awaitHeld("r3", "r4");
        f.time.advance(Duration.ofSeconds(1));
        f.predictor.answerEverything();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).as("r0 twice, the others once").hasSize(7);
        assertThat(f.ledger.prediction("r0").timing().attempts()).isEqualTo(2);
        assertThat(f.events.inFlightLimits()).containsOnly(2);
    }

    @Test
    void recordsWaitingOutRefusalsAtMostDoubleTheBound() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(8);
        for (int i = 0; i < 8; i++) {
            f.predictor.script(InMemoryLedger.id(i), ScriptedPredictor.refusedOverLimit(Duration.ofSeconds(60)));
        }
        Learning learning = new Learning(f.predictor, 1);
        RunnerFixture.Session session = f.start(f.runner(RunnerFixture.settings(8, 10), learning));

        // A server that refuses everything: r0 is refused and waits, r1 goes in its place and is refused too; with
        // two waiting against a limit of one, nothing more is sent until a wait is over.
        f.time.awaitWaitsAsked(2);
        for (int look = 0; look < 10; look++) {
            // Twenty looks of the runner at the limit: time for a third record to go, were the bound raised again.
            learning.learn(1);
            learning.awaitSeen();
        }
        assertThat(f.predictor.asked()).containsExactlyInAnyOrder("r0", "r1");

        // Each wait over, its record is answered and the next refused record takes its place.
        while (!session.result().isDone()) {
            f.time.advance(Duration.ofSeconds(60));
            Thread.onSpinWait();
        }
        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).as("each record refused once, then answered").hasSize(16);
    }

    /** A predictor whose learnt limit the test sets, and which counts the runner's looks at it since. */
    private static final class Learning implements Predictor {
        private final ScriptedPredictor calls;
        private int limit;
        private List<ServerLimit> servers = List.of();
        private int looksSinceLearnt;

        Learning(ScriptedPredictor calls, int limit) {
            this.calls = calls;
            this.limit = limit;
        }

        synchronized void learn(int now) {
            limit = now;
            looksSinceLearnt = 0;
        }

        /** Several servers: the total is theirs, each as given. */
        synchronized void learn(ServerLimit... each) {
            servers = List.of(each);
            learn(servers.stream().mapToInt(ServerLimit::limit).sum());
        }

        @Override
        public synchronized List<ServerLimit> serverLimits() {
            return servers;
        }

        /** Waits until the runner looked twice since: the first look's change is then applied. */
        synchronized void awaitSeen() throws InterruptedException {
            Guard.await(this, () -> looksSinceLearnt >= 2, "the runner looks at the learnt limit");
        }

        @Override
        public synchronized OptionalInt concurrencyLimit() {
            looksSinceLearnt++;
            notifyAll();
            return OptionalInt.of(limit);
        }

        @Override
        public Completion predict(Prompt prompt) throws PredictionException {
            return calls.predict(prompt);
        }

        @Override
        public void cancelAll() {
            calls.cancelAll();
        }

        @Override
        public void close() {
        }
    }
}
