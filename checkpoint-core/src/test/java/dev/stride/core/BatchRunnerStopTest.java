package dev.stride.core;

import static dev.stride.core.RunnerFixture.settings;
import static dev.stride.core.ScriptedPredictor.answer;
import static dev.stride.core.ScriptedPredictor.hold;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.PredictionException.Disposition;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** How a run ends early: a stop asked for, a server that refuses everything, a store or a request that breaks. */
class BatchRunnerStopTest {

    @Test
    void aStopSendsNothingNewAndStoresWhatFinishesWithinTheGrace() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(settings(2, 10));
        f.predictor.awaitHeld("r0", "r1");

        session.runner().requestStop();
        // r0 ends while the runner may still be sending: its freed slot must not take r2. r1 ends while the runner
        // waits out the grace: it must be let finish, not cancelled.
        f.predictor.release("r0", answer(null));
        f.time.awaitWaiting(1);
        f.predictor.release("r1", answer(null));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(outcome.completed()).isEqualTo(2);
        assertThat(f.predictor.asked()).containsExactlyInAnyOrder("r0", "r1");
        assertThat(f.predictor.cancels()).isZero();
        assertThat(f.ledger.pendingIds()).containsExactly("r2", "r3", "r4");
        assertThat(outcome.cursor().state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(outcome.cursor().lowWatermark()).isEqualTo(2);
        assertThat(f.ledger.run().state()).isEqualTo(RunState.INTERRUPTED);
    }

    /**
     * A stopping worker waiting out its grace (--grace 30s) for the requests it has out still writes what it has in
     * flight: they are in flight, and figures left to age showed it as silent, its requests out of the dashboard's
     * total, after 5 s.
     */
    @Test
    void aStopWaitingOutItsGraceKeepsWritingTheInFlightFigures() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(settings(2, 10));
        f.predictor.awaitHeld("r0", "r1");

        session.runner().requestStop();
        f.predictor.release("r0", answer(null));
        f.ledger.awaitOutcomes(1);
        f.time.awaitWaiting(1);
        // r0 stored after the stop, r1 still out, the grace not over (the fixture's time stands still): written again.
        f.ledger.awaitInFlightStoredAt(1);
        assertThat(f.predictor.cancels()).isZero();
        f.time.advance(RunnerFixture.GRACE);

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(f.predictor.cancels()).as("r1, at the grace's end").isEqualTo(1);
    }

    /**
     * A stop that comes before the session starts (a Ctrl+C while the client is set up) still bounds the store's
     * waits: telling the store of the new session takes back an earlier stop's bound, and a held lock or a server
     * away was then waited for as if no stop had come (a second Ctrl+C the only way out).
     */
    @Test
    void aStopBeforeTheSessionStartsStillBoundsTheStoresWaits() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        BatchRunner runner = f.runner(settings(2, 10));
        runner.requestStop();

        RunOutcome outcome = f.start(runner).outcome();

        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(f.predictor.asked()).isEmpty();
        assertThat(f.ledger.waitBound()).as("the stop's bound, after the session was told to the store")
                .isNotNull().isLessThanOrEqualTo(RunnerFixture.GRACE);
    }

    @Test
    void whenTheGraceRunsOutHeldRequestsAreCancelledAndTheirRecordsAskedAgainNextTime() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(settings(2, 10));
        f.predictor.awaitHeld("r0", "r1");

        session.runner().requestStop();
        f.predictor.release("r0", answer(null));
        f.ledger.awaitOutcomes(1);
        f.time.awaitWaiting(1);
        f.time.advance(RunnerFixture.GRACE.minusMillis(1));
        assertThat(f.time.waiting()).as("still within the grace").isEqualTo(1);
        assertThat(f.predictor.cancels()).isZero();
        f.time.advance(Duration.ofMillis(1));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(f.predictor.cancels()).isEqualTo(1);
        assertThat(f.ledger.prediction("r0")).isNotNull();
        assertThat(f.ledger.failure("r1")).as("a cancelled request stores nothing").isNull();
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r2");
        assertThat(outcome.cursor().state()).isEqualTo(RunState.INTERRUPTED);

        ScriptedPredictor next = new ScriptedPredictor();
        RunOutcome resumed = f.start(f.runner(settings(2, 10), next)).outcome();
        assertThat(resumed.state()).isEqualTo(RunState.DONE);
        assertThat(next.asked()).containsExactlyInAnyOrder("r1", "r2");
    }

    @Test
    void anAnswerThatComesAfterTheEndWasQueuedIsStoredAndTheRunStillEnds() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        Set<Thread> before = requestThreads();
        // r1's call ignores interrupts, as a blocking socket read does: its answer comes when the test lets it, after
        // the grace, after the request threads were interrupted and the writer was told that nothing more comes.
        CountDownLatch answerR1 = new CountDownLatch(1);
        CountDownLatch r1Sent = new CountDownLatch(1);
        Predictor late = new Predictor() {
            @Override
            public Completion predict(Prompt prompt) throws PredictionException {
                if (!prompt.recordId().equals("r1")) {
                    return f.predictor.predict(prompt);
                }
                r1Sent.countDown();
                boolean interrupted = false;
                while (answerR1.getCount() > 0) {
                    try {
                        answerR1.await();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return Completion.of(Answer.plain("late answer", "stop", 5, 2));
            }

            @Override
            public void cancelAll() {
                f.predictor.cancelAll();
            }

            @Override
            public void close() {
            }
        };
        f.predictor.script("r2", hold());
        // The writer is busy with r0 while the end is queued, and then r1's answer after it.
        InMemoryLedger.FailingWrite r0Write = f.ledger.hold(InMemoryLedger.Write.PREDICTION, 1);
        RunnerFixture.Session session = f.start(f.runner(settings(2, 10), late));
        r0Write.awaitReached();
        f.predictor.awaitHeld("r2");
        // r2 held means r1 was taken, not that it was sent: a thread taken off the CPU in between finds the stop and
        // sends nothing (seen once in CI, on a loaded machine).
        assertThat(r1Sent.await(Guard.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).as("r1 sent").isTrue();

        session.runner().requestStop();
        f.time.awaitWaiting(1);
        f.time.advance(RunnerFixture.GRACE);
        Guard.until(() -> waitsForTheWriter("test-run"), "the run waits for its writer to end");
        answerR1.countDown();
        Guard.until(() -> requestThreads().stream().filter(t -> !before.contains(t)).noneMatch(Thread::isAlive),
                "r1's answer handed to the writer and its thread ended");
        r0Write.release();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(f.ledger.prediction("r0")).isNotNull();
        assertThat(f.ledger.prediction("r1")).as("an answer paid for is stored, however late").isNotNull();
        assertThat(f.ledger.pendingIds()).containsExactly("r2");
    }

    private static Set<Thread> requestThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("stride-request-")).collect(Collectors.toSet());
    }

    /** Whether the thread named so is in the runner's wait for its writer thread (the end is queued by then). */
    private static boolean waitsForTheWriter(String threadName) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals(threadName))
                .anyMatch(e -> Arrays.stream(e.getValue())
                        .anyMatch(frame -> frame.getMethodName().equals("joinQuietly")));
    }

    @Test
    void aStopCutsABackOffShort() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(2);
        f.predictor.script("r0", ScriptedPredictor.retryAfter(Duration.ofMinutes(1), "http_429", "slow down"));
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.time.awaitWaiting(1);

        session.runner().requestStop();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        // The back-off is the first wait, and the test never lets it run out. A loaded machine may find the request
        // thread not yet ended as the stop comes in, and ask the grace period too (seen once at load 16, beside
        // another module's tests): no other wait.
        List<Duration> waits = f.time.waitsAsked();
        assertThat(waits).as("a wait the test never let run out").startsWith(Duration.ofMinutes(1));
        assertThat(waits.subList(1, waits.size())).as("after the back-off, only the grace").isSubsetOf(
                RunnerFixture.GRACE);
        assertThat(f.predictor.asked()).containsExactly("r0");
        assertThat(f.ledger.pendingIds()).containsExactly("r0", "r1");
    }

    @Test
    void aServerThatWouldRefuseEveryRequestStopsTheRunAndStoresNothingForItsRecord() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(4);
        f.predictor.script("r1", ScriptedPredictor.fail(Disposition.STOP_RUN, "http_401", "401 Unauthorized: bad key"));

        RunOutcome outcome = f.run(settings(1, 10));

        assertThat(outcome.state()).isEqualTo(RunState.STOPPED);
        assertThat(outcome.stopReason()).isEqualTo("401 Unauthorized: bad key");
        assertThat(outcome.error()).isInstanceOfSatisfying(PredictionException.class,
                refusal -> assertThat(refusal.kind()).isEqualTo("http_401"));
        assertThat(f.predictor.asked()).containsExactly("r0", "r1");
        assertThat(f.ledger.failure("r1")).isNull();
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r2", "r3");
        assertThat(outcome.cursor().state()).isEqualTo(RunState.STOPPED);
        assertThat(f.ledger.run().state()).isEqualTo(RunState.STOPPED);
        // Kept with the cursor for status to say later, as the stop line says it.
        assertThat(f.ledger.stopReason().english())
                .isEqualTo("every request would fail the same way: 401 Unauthorized: bad key");
        assertThat(f.ledger.stopReason().phrase().key()).isEqualTo("stop.everyRequestFails");
    }

    @Test
    void aWriteThatFailsEndsTheRunFailedAndNoRequestFollowsIt() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.predictor.holdEverything();
        IllegalStateException diskFull = new IllegalStateException("disk full");
        InMemoryLedger.FailingWrite write = f.ledger.holdThenFail(InMemoryLedger.Write.PREDICTION, 1, diskFull);
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.predictor.awaitHeld("r0");
        f.predictor.release("r0", answer(null));
        write.awaitReached();
        f.predictor.awaitHeld("r1");

        write.release();
        Guard.until(session.runner()::stopping, "the runner stops on the failed write");
        f.predictor.release("r1", answer(null));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.FAILED);
        assertThat(outcome.error()).isSameAs(diskFull);
        // Both answers came and neither was saved: counted for the line a user reads, which words it.
        assertThat(outcome.stopReason()).isEqualTo("cannot write to the database: disk full");
        assertThat(outcome.unsaved()).isEqualTo(2);
        assertThat(f.predictor.asked()).containsExactly("r0", "r1");
        assertThat(f.ledger.pendingIds()).as("nothing is written after a failed write")
                .containsExactly("r0", "r1", "r2", "r3", "r4");
        assertThat(outcome.completed()).isZero();
        assertThat(outcome.cursor().state()).isEqualTo(RunState.STOPPED);
        assertThat(f.ledger.stopReason()).isEqualTo(StopReason.of(outcome.stopPhrase()));
        assertThat(f.ledger.stopReason().english()).isEqualTo("cannot write to the database: disk full");
    }

    @Test
    void aStopBeforeTheDatabaseFailsStaysAStopWithWhatCouldNotBeSaved() throws Exception {
        // As with a PostgreSQL server away when Ctrl+C comes: the stop cuts the wait for it, and the write fails.
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.predictor.holdEverything();
        IllegalStateException away = new IllegalStateException("stopped without waiting longer for the server");
        InMemoryLedger.FailingWrite write = f.ledger.holdThenFail(InMemoryLedger.Write.PREDICTION, 1, away);
        RunnerFixture.Session session = f.start(settings(1, 10));
        f.predictor.awaitHeld("r0");
        f.predictor.release("r0", answer(null));
        write.awaitReached();
        f.predictor.awaitHeld("r1");

        session.runner().requestStop();
        f.predictor.release("r1", answer(null)); // within the grace: answered, queued behind the held write
        write.release();

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(outcome.error()).isSameAs(away);
        assertThat(outcome.stopReason()).isEqualTo("stopped without waiting longer for the server");
        assertThat(outcome.unsaved()).isEqualTo(2);
        assertThat(outcome.completed()).isZero();
        assertThat(f.ledger.pendingIds()).containsExactly("r0", "r1", "r2", "r3", "r4");
    }

    /**
     * As a PostgreSQL worker's save when the cursor's write gives up on a lock another session holds: the store
     * committed the batch's outcomes on their own first, and they stay. Counted as not saved, they made the session's
     * summary say fewer answers saved, and more to ask again, than the database holds.
     */
    @Test
    void outcomesCommittedBeforeTheirCursorsWriteGaveUpAreCountedSaved() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.predictor.holdEverything();
        IllegalStateException lockGivenUp = new IllegalStateException("stopped without waiting longer for a lock");
        InMemoryLedger.FailingWrite cursor = f.ledger.holdThenFail(InMemoryLedger.Write.CURSOR, 1, lockGivenUp);
        RunnerFixture.Session session = f.start(settings(1, 1));
        f.predictor.awaitHeld("r0");
        f.predictor.release("r0", answer(null));
        cursor.awaitReached();
        f.predictor.awaitHeld("r1");

        cursor.release();
        Guard.until(session.runner()::stopping, "the runner stops on the failed write");
        f.predictor.release("r1", answer(null));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.FAILED);
        assertThat(outcome.error()).isSameAs(lockGivenUp);
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r2", "r3", "r4");
        assertThat(outcome.completed()).as("r0, committed before the cursor gave up").isEqualTo(1);
        assertThat(outcome.unsaved()).as("r1 alone, answered once the run failed").isEqualTo(1);
        assertThat(f.ledger.cursors()).extracting(Cursor::done).as("the final cursor counts r0").containsExactly(1L);
    }

    /** Likewise a batch stored one outcome at a time (PostgreSQL's) whose second write gives up: the first stays. */
    @Test
    void outcomesCommittedBeforeALaterOneOfTheirBatchGaveUpAreCountedSaved() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(6);
        f.predictor.holdEverything();
        CountDownLatch slowCommit = f.ledger.holdNextOutcome();
        IllegalStateException lockGivenUp = new IllegalStateException("stopped without waiting longer for a lock");
        // Writes 1 (r0, alone), 2 and 3 (r1 and r2, queued together behind it): the third fails.
        f.ledger.failOn(InMemoryLedger.Write.PREDICTION, 3, lockGivenUp);
        RunnerFixture.Session session = f.start(settings(3, 10));
        f.predictor.awaitHeld("r0", "r1", "r2");
        f.predictor.release("r0", answer(null));
        f.ledger.awaitHeldOutcomeReached();
        f.predictor.release("r1", answer(null));
        f.predictor.release("r2", answer(null));
        // Each thread takes its next record once its outcome is queued: r3, r4 and r5 asked means r1 and r2 are queued
        // (r0's thread alone takes r3: waiting for five asked, CI found r2 not yet queued). Which of the two is queued
        // (and written) first is the threads' race.
        Guard.until(() -> f.predictor.asked().size() == 6, "r1 and r2 queued behind the held write");

        slowCommit.countDown();
        Guard.until(session.runner()::stopping, "the runner stops on the failed write");
        f.predictor.release("r3", answer(null));
        f.predictor.release("r4", answer(null));
        f.predictor.release("r5", answer(null));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.FAILED);
        assertThat(outcome.error()).isSameAs(lockGivenUp);
        assertThat(f.ledger.batchSizes()).containsExactly(2);
        List<String> pending = f.ledger.pendingIds();
        assertThat(pending).hasSize(4).endsWith("r3", "r4", "r5");
        assertThat(pending.get(0)).as("the second of the batch, whose write gave up").isIn("r1", "r2");
        assertThat(outcome.completed()).as("r0 and the first of the batch").isEqualTo(2);
        assertThat(outcome.unsaved()).as("the second of the batch, and r3 to r5, answered after").isEqualTo(4);
    }

    @Test
    void aCursorThatCannotBeSavedEndsTheRunFailed() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        IllegalStateException readOnly = new IllegalStateException("read-only file");
        f.ledger.failOn(InMemoryLedger.Write.CURSOR, 1, readOnly);

        RunOutcome outcome = f.run(settings(1, 1));

        assertThat(outcome.state()).isEqualTo(RunState.FAILED);
        assertThat(outcome.error()).isSameAs(readOnly);
        // The in-memory ledger, as PostgreSQL's store, commits the outcomes before the cursor: r0 stays and counts as
        // saved. (Whether r1 was answered before the run stopped, and so counted unsaved, is a race here; the counts
        // are the two tests above.)
        assertThat(outcome.stopReason()).isEqualTo("cannot write to the database: read-only file");
        assertThat(outcome.completed()).isEqualTo(1);
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r2");
        assertThat(f.ledger.cursors()).as("the final cursor is still saved").extracting(Cursor::state)
                .containsExactly(RunState.STOPPED);
    }

    @Test
    void aRequestThatBreaksUnexpectedlyEndsTheRunFailed() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        IllegalStateException bug = new IllegalStateException("bug");
        f.predictor.script("r1", ScriptedPredictor.crash(bug));

        RunOutcome outcome = f.run(settings(1, 10));

        assertThat(outcome.state()).isEqualTo(RunState.FAILED);
        assertThat(outcome.error()).isSameAs(bug);
        assertThat(outcome.stopReason()).isEqualTo("record r1: java.lang.IllegalStateException: bug");
        assertThat(f.predictor.asked()).containsExactly("r0", "r1");
        assertThat(f.ledger.pendingIds()).containsExactly("r1", "r2");
        assertThat(outcome.cursor().state()).isEqualTo(RunState.STOPPED);
    }
}
