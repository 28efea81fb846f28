package dev.stride.core;

import static dev.stride.core.RunnerFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.PredictionException.Disposition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** What a failed attempt leads to: a wait and another attempt, a failure stored, or no request at all. */
class BatchRunnerRetryTest {

    @Test
    void triesAPassingFailureAgainAfterAJitteredBackOffThenGivesUp() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);
        ScriptedPredictor.Reply busy = ScriptedPredictor.fail(Disposition.RETRY, "http_503", "503 busy");
        f.predictor.script("r0", busy, busy, busy, busy);
        RunnerFixture.Session session = f.start(settings(1, 10));

        for (int retry = 1; retry <= RunnerFixture.MAX_RETRIES; retry++) {
            Duration wait = f.time.awaitWaitsAsked(retry).get(retry - 1);
            Duration ceiling = ceiling(retry);
            assertThat(wait).as("wait before retry %d", retry).isBetween(Duration.ZERO, ceiling);
            assertThat(f.events.retryDelays().get(retry - 1)).isEqualTo(wait);
            // Full jitter may draw no wait at all: the retry then goes at once, and may already wait for the next
            // one, whose deadline moving the time now would bring nearer.
            if (!wait.isZero()) {
                f.time.advance(wait.minusNanos(1));
                assertThat(f.time.waiting()).as("still waiting before retry %d", retry).isEqualTo(1);
                assertThat(f.predictor.attempts("r0")).isEqualTo(retry);
                f.time.advance(Duration.ofNanos(1));
            }
        }

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        FailedPrediction failure = f.ledger.failure("r0");
        assertThat(failure.errorKind()).isEqualTo("http_503");
        assertThat(failure.error()).isEqualTo("gave up after 4 attempts: 503 busy");
        assertThat(failure.timing().attempts()).isEqualTo(RunnerFixture.MAX_RETRIES + 1);
        assertThat(f.predictor.attempts("r0")).isEqualTo(RunnerFixture.MAX_RETRIES + 1);
        assertThat(f.events.retryAttempts()).containsExactly(1, 2, 3);
        assertThat(f.time.waitsAsked()).hasSize(RunnerFixture.MAX_RETRIES);
        assertThat(outcome.cursor().state()).isEqualTo(RunState.DONE_WITH_FAILURES);
    }

    @Test
    void a429WhileOthersAreAnsweredIsTheBudgetsNotTheRecordsAndSpendsNoRetry() throws Exception {
        int refusals = RunnerFixture.MAX_RETRIES + 3;
        RunnerFixture f = refusedWhileOthersAreAnswered(refusals, true);

        assertThat(f.ledger.prediction("r0").timing().attempts()).isEqualTo(refusals + 1);
        // The first refusal came before anything was answered: a retry it spends.
        assertThat(f.events.retryAttempts()).as("the one retry spent").containsExactly(1);
        assertThat(f.events.busyAttempts()).as("sent again as the budget allowed").containsExactly(2, 3, 4, 5, 6);
    }

    @Test
    void a429ThatNoWaitCuresSpendsRetriesOnceTheRecordWaitedItsTurnLongEnough() throws Exception {
        // Refused 12 times while others are answered: the first refusal is a retry, the next ten are waits for its
        // turn; then ten minutes have passed since the first of those, and the rest spend retries until none is left.
        int refusals = 1 + 10 + RunnerFixture.MAX_RETRIES;
        RunnerFixture f = refusedWhileOthersAreAnswered(refusals, false, false, 11);

        assertThat(f.ledger.failure("r0").error())
                .isEqualTo("gave up after " + refusals + " attempts: HTTP 429: slow down");
        assertThat(f.events.busyAttempts()).hasSize(10);
        assertThat(f.events.retryAttempts()).containsExactly(1, 12, 13);
    }

    @Test
    void a429ThePredictorAlreadyWaitedOutSpendsARetryEvenWhileOthersAreAnswered() throws Exception {
        // The HTTP predictor's rate gate sent r0's request again after a 429 within each try, and it was refused still.
        int refusals = RunnerFixture.MAX_RETRIES + 1;
        RunnerFixture f = refusedWhileOthersAreAnswered(refusals, false, true, 0);

        assertThat(f.ledger.failure("r0").error())
                .isEqualTo("gave up after " + 2 * refusals + " attempts: HTTP 429: slow down");
        assertThat(f.events.busyAttempts()).isEmpty();
        assertThat(f.events.retryAttempts()).hasSize(RunnerFixture.MAX_RETRIES);
    }

    @Test
    void a503WhileOthersAreAnsweredIsTheServerFullNotTheRecordAndSpendsNoRetry() throws Exception {
        // Another worker (or another user) holds the server's slots: those it takes are answered, r0 is refused as
        // one too many. Its turn comes; its retries stay for failures of its own.
        int refusals = RunnerFixture.MAX_RETRIES + 3;
        RunnerFixture f = refusedWhileOthersAreAnswered(refusals, true, false, 0, BUSY);

        assertThat(f.ledger.prediction("r0").timing().attempts()).isEqualTo(refusals + 1);
        assertThat(f.events.retryAttempts()).as("the one retry spent").containsExactly(1);
        assertThat(f.events.busyAttempts()).as("sent again as the server had room").containsExactly(2, 3, 4, 5, 6);
    }

    @Test
    void a503WhileNothingElseIsAnsweredSpendsTheRecordsRetries() throws Exception {
        RunnerFixture f = refusedWhileNothingElseIsAnswered(BUSY);

        assertThat(f.ledger.failure("r0").error()).isEqualTo("gave up after 4 attempts: HTTP 503: server busy");
        assertThat(f.events.busyAttempts()).isEmpty();
    }

    @Test
    void a500WhileOthersAreAnsweredIsTheRecordsOwnAndSpendsRetries() throws Exception {
        // Others are answered while r0 sleeps (its slot serves them, so they are not held here: a held one would keep
        // the slot r0 waits for).
        int refusals = RunnerFixture.MAX_RETRIES + 1;
        RunnerFixture f = RunnerFixture.withRecords(1 + refusals);
        for (int i = 0; i < refusals; i++) {
            f.predictor.script("r0", ScriptedPredictor.fail(Disposition.RETRY, "http_500", "HTTP 500: internal error"));
        }
        RunnerFixture.Session session = f.start(settings(2, 10));
        for (int retry = 1; retry < refusals; retry++) {
            f.time.advance(f.time.awaitWaitsAsked(retry).get(retry - 1));
        }

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(f.ledger.failure("r0").error()).isEqualTo("gave up after " + refusals
                + " attempts: HTTP 500: internal error");
        assertThat(f.events.busyAttempts()).isEmpty();
    }

    /**
     * A server that answers every request alike and never usefully (a web page at the URL, a proxy whose model is
     * away) stops the run once records giving up have made ten tries, none answered: the rest stay pending, not failed
     * one by one after all their retries.
     */
    @Test
    void recordsGivingUpAfterTenTriesWithNothingAnsweredStopTheRunWithTheRestPending() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(12);
        f.predictor.otherwise(WEB_PAGE);

        RunOutcome outcome = f.run(RunnerFixture.withRetries(1, 0));

        assertThat(outcome.state()).isEqualTo(RunState.STOPPED);
        assertThat(outcome.stopReason()).isEqualTo("no request of this session has had an answer in 10 tries (10"
                + " records gave up, the last kept pending): malformed HTTP 200 response: Welcome to nginx!");
        assertThat(f.ledger.failure("r0").error()).isEqualTo("gave up after 1 attempt: malformed HTTP 200 response:"
                + " Welcome to nginx!");
        assertThat(f.ledger.pendingIds()).containsExactly("r9", "r10", "r11");
    }

    /**
     * A 503 or a 429 to every request while none is answered is no budget or full slots the run's own requests take
     * (a llama.cpp server loading its model answers 503 to each, an account out of quota 429): the run stops as for
     * any answer that never helps, the rest pending, instead of failing every record after all its retries.
     */
    @Test
    void refusalsOfEveryRequestWithNothingAnsweredStopTheRunWithTheRestPending() throws Exception {
        for (String words : List.of("HTTP 503: server busy", "HTTP 429: quota exceeded")) {
            RunnerFixture f = RunnerFixture.withRecords(12);
            f.predictor.otherwise(ScriptedPredictor.fail(Disposition.RETRY, "http_" + words.substring(5, 8), words));

            RunOutcome outcome = f.run(RunnerFixture.withRetries(1, 0));

            assertThat(outcome.state()).as(words).isEqualTo(RunState.STOPPED);
            assertThat(outcome.stopReason()).isEqualTo("no request of this session has had an answer in 10 tries (10"
                    + " records gave up, the last kept pending): " + words);
            assertThat(f.ledger.failure("r0").error()).isEqualTo("gave up after 1 attempt: " + words);
            assertThat(f.ledger.pendingIds()).containsExactly("r9", "r10", "r11");
        }
    }

    /**
     * A server whose slots the run's own requests fill (TGI past its max_concurrent_requests, long generations) holds
     * those and refuses the rest with 503s before any answer: not a server that refuses every request. The records
     * that give up fail as their own, as before, and the run goes on to the held request's answer (a review found the
     * run stopped here, and a rerun stopped the same way each time, the held requests lost).
     */
    @Test
    void refusalsWhileTheServerHoldsOneOfTheRunsRequestsDoNotStopTheRun() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(12);
        f.predictor.script("r0", ScriptedPredictor.hold());
        f.predictor.otherwise(BUSY);

        RunnerFixture.Session session = f.start(RunnerFixture.withRetries(2, 1));
        f.predictor.awaitHeld("r0");
        // Each refused record waits out one backoff: time moves on until all but r0 have an outcome, or the run ends.
        // (Not by counting the waits asked: the runner's other threads ask waits of this clock too.)
        while (f.ledger.pendingIds().size() > 1 && !session.result().isDone()) {
            f.time.advance(BatchRunner.HELD_AT_LEAST.multipliedBy(2));
            Thread.sleep(2);
        }
        f.predictor.release("r0", ScriptedPredictor.answer("{}"));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).as(String.valueOf(outcome.stopReason())).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(f.ledger.prediction("r0")).isNotNull();
        assertThat(f.ledger.failure("r11").error()).isEqualTo("gave up after 2 attempts: HTTP 503: server busy");
        assertThat(f.ledger.pendingIds()).isEmpty();
    }

    /** Fewer tries say little (with --retries 0, a server failing half its requests fails the first two often). */
    @Test
    void recordsGivingUpAfterFewerTriesFailEachAndTheRunEnds() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(9);
        f.predictor.otherwise(WEB_PAGE);

        RunOutcome outcome = f.run(RunnerFixture.withRetries(1, 0));

        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(f.ledger.pendingIds()).isEmpty();
    }

    /** One record the server cannot answer, first in line at --concurrency 1, fails alone; the others go on. */
    @Test
    void oneRecordGivingUpBeforeAnyAnswerFailsAloneAndTheRunGoesOn() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.script("r0", WEB_PAGE);

        RunOutcome outcome = f.run(RunnerFixture.withRetries(1, 0));

        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(f.ledger.failure("r0")).isNotNull();
        assertThat(f.ledger.pendingIds()).isEmpty();
    }

    /** Once anything was answered, records that give up fail each as before: the server does answer. */
    @Test
    void recordsGivingUpAfterAnAnswerFailEachAndTheRunEnds() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.otherwise(WEB_PAGE);
        f.predictor.script("r0", ScriptedPredictor.answer("fine"));

        RunOutcome outcome = f.run(RunnerFixture.withRetries(1, 0));

        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(f.ledger.prediction("r0")).isNotNull();
        for (String id : List.of("r1", "r2", "r3")) {
            assertThat(f.ledger.failure(id)).as(id).isNotNull();
        }
    }

    private static final ScriptedPredictor.Reply WEB_PAGE = ScriptedPredictor.fail(Disposition.RETRY,
            "malformed_response", "malformed HTTP 200 response: Welcome to nginx!");

    private static final ScriptedPredictor.Reply BUSY =
            ScriptedPredictor.fail(Disposition.RETRY, "http_503", "HTTP 503: server busy");

    private static RunnerFixture refusedWhileOthersAreAnswered(int refusals, boolean answered) throws Exception {
        return refusedWhileOthersAreAnswered(refusals, answered, false, 0);
    }

    private static RunnerFixture refusedWhileOthersAreAnswered(int refusals, boolean answered, boolean sentAgain,
                                                               int tenMinutesAfter) throws Exception {
        return refusedWhileOthersAreAnswered(refusals, answered, sentAgain, tenMinutesAfter,
                ScriptedPredictor.fail(Disposition.RETRY, "http_429", "HTTP 429: slow down"));
    }

    /**
     * Record r0 is refused with {@code tooMany} (a 429 unless given) {@code refusals} times (then answered, if
     * {@code answered}); before each refusal but the first, another record is answered while r0 waits: a server that
     * lets others through. The wait after refusal {@code tenMinutesAfter} (none when 0) lasts
     * {@link BatchRunner#BUDGET_TURN_WAIT} longer.
     *
     * <p>Each of r0's tries is held until the other record is answered: full jitter may draw no wait at all, and r0's
     * next try then goes at once, before the test has let the other through.
     */
    private static RunnerFixture refusedWhileOthersAreAnswered(int refusals, boolean answered, boolean sentAgain,
                                                               int tenMinutesAfter, ScriptedPredictor.Reply tooMany)
            throws Exception {
        int waits = answered ? refusals : refusals - 1;
        RunnerFixture f = RunnerFixture.withRecords(1 + waits);
        for (int i = 0; i < refusals + (answered ? 1 : 0); i++) {
            f.predictor.script("r0", ScriptedPredictor.hold());
        }
        for (int i = 1; i <= waits; i++) {
            f.predictor.script(InMemoryLedger.id(i), ScriptedPredictor.hold());
        }
        RunnerFixture.Session session = f.start(!sentAgain ? f.runner(settings(2, 10), f.predictor)
                : f.runner(settings(2, 10), sendingR0Again(f)));

        for (int refusal = 1; refusal <= refusals; refusal++) {
            f.predictor.awaitHeld("r0");
            f.predictor.release("r0", tooMany);
            if (refusal > waits) {
                break;
            }
            Duration wait = f.time.awaitWaitsAsked(refusal).get(refusal - 1);
            String other = InMemoryLedger.id(refusal);
            f.predictor.awaitHeld(other);
            f.predictor.release(other, ScriptedPredictor.answer(null));
            f.ledger.awaitOutcomes(refusal);
            f.time.advance(refusal == tenMinutesAfter ? wait.plus(BatchRunner.BUDGET_TURN_WAIT) : wait);
        }
        if (answered) {
            f.predictor.awaitHeld("r0");
            f.predictor.release("r0", ScriptedPredictor.answer("{}"));
        }
        assertThat(session.outcome().state()).isEqualTo(answered ? RunState.DONE : RunState.DONE_WITH_FAILURES);
        return f;
    }

    @Test
    void aFirst429JustAfterOthersWereAnsweredSpendsNoRetryEvenWithNoneToSpend() throws Exception {
        // One at a time: r0 is answered, then r1's first try is refused as one too many (a budget r0 used up). With
        // --retries 0 a charged refusal would be r1's end; it waits its turn instead.
        RunnerFixture f = RunnerFixture.withRecords(2);
        f.predictor.script("r1", ScriptedPredictor.fail(Disposition.RETRY, "http_429", "HTTP 429: slow down"),
                ScriptedPredictor.answer(null));
        RunnerFixture.Session session = f.start(RunnerFixture.withRetries(1, 0));
        f.time.advance(f.time.awaitWaitsAsked(1).get(0));

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.events.retryAttempts()).isEmpty();
        assertThat(f.events.busyAttempts()).containsExactly(1);
        assertThat(f.ledger.prediction("r1").timing().attempts()).isEqualTo(2);
    }

    @Test
    void aFirst429LongAfterTheLastAnswerSpendsARetry() throws Exception {
        // r0 answered, then nothing for longer than the look back before r1 is refused: a quota spent, not a turn.
        RunnerFixture f = RunnerFixture.withRecords(2);
        f.predictor.script("r1", ScriptedPredictor.hold(), ScriptedPredictor.answer(null));
        RunnerFixture.Session session = f.start(RunnerFixture.settings(1, 10));
        f.predictor.awaitHeld("r1");
        f.time.advance(BatchRunner.FIRST_TRY_LOOKBACK.multipliedBy(2));
        f.predictor.release("r1", ScriptedPredictor.fail(Disposition.RETRY, "http_429", "HTTP 429: quota"));
        f.time.advance(f.time.awaitWaitsAsked(1).get(0));

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.events.retryAttempts()).containsExactly(1);
        assertThat(f.events.busyAttempts()).isEmpty();
    }

    @Test
    void a429WhileNothingElseIsAnsweredSpendsTheRecordsRetries() throws Exception {
        RunnerFixture f = refusedWhileNothingElseIsAnswered(
                ScriptedPredictor.fail(Disposition.RETRY, "http_429", "HTTP 429: quota"));

        assertThat(f.ledger.failure("r0").error()).isEqualTo("gave up after 4 attempts: HTTP 429: quota");
        assertThat(f.events.busyAttempts()).isEmpty();
    }

    /** The one record r0, refused with {@code refusal} on each of its attempts: no other is ever answered. */
    private static RunnerFixture refusedWhileNothingElseIsAnswered(ScriptedPredictor.Reply refusal) throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);
        f.predictor.script("r0", refusal, refusal, refusal, refusal);
        RunnerFixture.Session session = f.start(settings(1, 10));
        for (int retry = 1; retry <= RunnerFixture.MAX_RETRIES; retry++) {
            f.time.advance(f.time.awaitWaitsAsked(retry).get(retry - 1));
        }
        assertThat(session.outcome().state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        return f;
    }

    @Test
    void requestsSentAgainWithinAttemptsAreTheRecordsAttemptsAndTheirTokensItsTokens() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);
        f.predictor.script("r0", ScriptedPredictor.fail(Disposition.RETRY, "http_503", "503 busy"),
                ScriptedPredictor.answer("{}"));
        List<RecordCost> costs = new CopyOnWriteArrayList<>();
        RunnerFixture.Session session = f.start(f.runner(settings(1, 10), settingAsideOneFirst(f, costs)));

        f.time.advance(f.time.awaitWaitsAsked(1).get(0));

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(costs).as("one cost per record, the same at each attempt").hasSize(2)
                .allSatisfy(cost -> assertThat(cost).isSameAs(costs.get(0)));
        Prediction p = f.ledger.prediction("r0");
        assertThat(p.timing().attempts()).as("two attempts, each after an answer set aside").isEqualTo(4);
        assertThat(p.answer().promptTokens()).as("10 + 10 set aside, 5 kept").isEqualTo(25);
        assertThat(p.answer().completionTokens()).as("1 + 1 set aside, 2 kept").isEqualTo(4);
        assertThat(f.events.retryAttempts()).as("the record's requests so far").containsExactly(2);
    }

    @Test
    void aRecordThatGivesUpCountsTheRequestsSentAgainWithinItsAttempts() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);
        ScriptedPredictor.Reply busy = ScriptedPredictor.fail(Disposition.RETRY, "http_503", "503 busy");
        f.predictor.script("r0", busy, busy, busy, busy);
        RunnerFixture.Session session = f.start(f.runner(settings(1, 10),
                settingAsideOneFirst(f, new CopyOnWriteArrayList<>())));

        for (int retry = 1; retry <= RunnerFixture.MAX_RETRIES; retry++) {
            f.time.advance(f.time.awaitWaitsAsked(retry).get(retry - 1));
        }

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        FailedPrediction failure = f.ledger.failure("r0");
        assertThat(failure.error()).isEqualTo("gave up after 8 attempts: 503 busy");
        assertThat(failure.timing().attempts()).isEqualTo(8);
        assertThat(f.events.retryAttempts()).containsExactly(2, 4, 6);
    }

    /**
     * The scripted predictor behind one that, at each attempt, first sets an answer aside and asks again (as the
     * JSON output checks do), remembering the cost it was given.
     */
    /** The scripted predictor, as one whose rate gate waits out a 429 of r0 and sends it again within each try. */
    private static Predictor sendingR0Again(RunnerFixture f) {
        return costing(f, (prompt, cost) -> {
            if (prompt.recordId().equals("r0")) {
                cost.sentAgainAfterRefusal();
            }
        });
    }

    private static Predictor settingAsideOneFirst(RunnerFixture f, List<RecordCost> costs) {
        return costing(f, (prompt, cost) -> {
            costs.add(cost);
            cost.askedAgainAfter(Answer.plain("not it", "stop", 10, 1));
        });
    }

    /** The scripted predictor, doing {@code first} with each attempt's prompt and record cost before it answers. */
    private static Predictor costing(RunnerFixture f, BiConsumer<Prompt, RecordCost> first) {
        return new Predictor() {
            @Override
            public Completion predict(Prompt prompt) throws PredictionException {
                throw new AssertionError("the runner hands each attempt its record's cost");
            }

            @Override
            public Completion predict(Prompt prompt, RecordCost cost) throws PredictionException {
                first.accept(prompt, cost);
                return f.predictor.predict(prompt);
            }

            @Override
            public void cancelAll() {
                f.predictor.cancelAll();
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void withNoRetriesAPassingFailureIsStoredAfterItsOneAttempt() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);
        f.predictor.script("r0", ScriptedPredictor.fail(Disposition.RETRY, "http_503", "503 busy"));
        RunnerSettings noRetries = new RunnerSettings(1, 10, 0, RunnerFixture.BACKOFF_BASE, RunnerFixture.BACKOFF_MAX,
                RunnerFixture.GRACE, false, RunnerFixture.HEARTBEAT);

        RunOutcome outcome = f.start(noRetries).outcome();

        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        // What `stride status` and the results show as the error: in words a person would write.
        assertThat(f.ledger.failure("r0").error()).isEqualTo("gave up after 1 attempt: 503 busy");
        assertThat(f.predictor.attempts("r0")).isEqualTo(1);
        assertThat(f.time.waitsAsked()).isEmpty();
    }

    @Test
    void backOffsStayWithinFullJitterForEveryAttempt() throws Exception {
        int records = 40;
        RunnerFixture f = RunnerFixture.withRecords(records);
        ScriptedPredictor.Reply busy = ScriptedPredictor.fail(Disposition.RETRY, "timeout", "read timed out");
        for (int seq = 0; seq < records; seq++) {
            f.predictor.script(InMemoryLedger.id(seq), busy, busy, busy);
        }
        RunnerFixture.Session session = f.start(settings(1, 10));

        for (int n = 1; n <= records * 3; n++) {
            List<Duration> waits = f.time.awaitWaitsAsked(n);
            f.time.advance(waits.get(n - 1));
        }

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        List<Duration> waits = f.events.retryDelays();
        List<Integer> attempts = f.events.retryAttempts();
        assertThat(waits).isEqualTo(f.time.waitsAsked()).hasSize(records * 3);
        for (int i = 0; i < waits.size(); i++) {
            assertThat(waits.get(i)).as("wait after attempt %d", attempts.get(i))
                    .isBetween(Duration.ZERO, ceiling(attempts.get(i)));
        }
        List<Duration> firstWaits = new ArrayList<>();
        for (int i = 0; i < waits.size(); i++) {
            if (attempts.get(i) == 1) {
                firstWaits.add(waits.get(i));
            }
        }
        assertThat(firstWaits).hasSize(records);
        assertThat(Set.copyOf(firstWaits)).as("jittered, not all the same").hasSizeGreaterThan(1);
    }

    @Test
    void neverRetriesSoonerThanTheServerAsked() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);
        Duration asked = Duration.ofSeconds(10);
        f.predictor.script("r0", ScriptedPredictor.retryAfter(asked, "http_429", "429 slow down"));
        RunnerFixture.Session session = f.start(settings(1, 10));

        Duration wait = f.time.awaitWaitsAsked(1).get(0);
        assertThat(wait).isGreaterThanOrEqualTo(asked);
        f.time.advance(wait.minusMillis(1));
        assertThat(f.time.waiting()).isEqualTo(1);
        assertThat(f.predictor.attempts("r0")).isEqualTo(1);
        f.time.advance(Duration.ofMillis(1));

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.ledger.prediction("r0").timing().attempts()).isEqualTo(2);
    }

    @Test
    void aRecordTheServerRefusesForGoodIsStoredAsFailedAtOnce() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.script("r1", ScriptedPredictor.fail(Disposition.FAIL_RECORD, "http_400", "400 prompt too long"));

        RunOutcome outcome = f.run(settings(1, 10));

        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(outcome.completed()).isEqualTo(2);
        assertThat(outcome.failed()).isEqualTo(1);
        FailedPrediction failure = f.ledger.failure("r1");
        assertThat(failure.errorKind()).isEqualTo("http_400");
        assertThat(failure.error()).isEqualTo("400 prompt too long");
        assertThat(failure.timing().attempts()).isEqualTo(1);
        assertThat(f.predictor.asked()).containsExactly("r0", "r1", "r2");
        assertThat(f.time.waitsAsked()).isEmpty();
        assertThat(outcome.cursor().state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(outcome.cursor().failed()).isEqualTo(1);
    }

    @Test
    void aRecordTheTemplateCannotFillFailsWithoutARequest() throws Exception {
        RunnerFixture f = RunnerFixture.withRecordJson("{\"prompt\":\"a\"}", "{\"question\":\"b\"}",
                "{\"prompt\":\"c\"}");

        RunOutcome outcome = f.run(settings(1, 10));

        assertThat(outcome.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        FailedPrediction failure = f.ledger.failure("r1");
        assertThat(failure.errorKind()).isEqualTo("template");
        assertThat(failure.error()).contains("prompt");
        assertThat(failure.timing().attempts()).isZero();
        assertThat(f.predictor.asked()).containsExactly("r0", "r2");
    }

    /** The longest back-off before retry {@code n}: min(max, base * 2^(n-1)). */
    private static Duration ceiling(int retry) {
        Duration doubled = RunnerFixture.BACKOFF_BASE.multipliedBy(1L << (retry - 1));
        return doubled.compareTo(RunnerFixture.BACKOFF_MAX) < 0 ? doubled : RunnerFixture.BACKOFF_MAX;
    }
}
