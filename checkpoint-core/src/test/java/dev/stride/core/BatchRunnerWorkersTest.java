package dev.stride.core;

import static dev.stride.core.ScriptedPredictor.answer;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The runner as one worker among several: claims in small batches, waits for the others' claims, renews its lease. */
class BatchRunnerWorkersTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    private static RunnerSettings withLease(int concurrency) {
        return new RunnerSettings(concurrency, 10, RunnerFixture.MAX_RETRIES, RunnerFixture.BACKOFF_BASE,
                RunnerFixture.BACKOFF_MAX, RunnerFixture.GRACE, false, RunnerFixture.HEARTBEAT,
                RunnerSettings.DEFAULT_SERVER_WAIT, LEASE);
    }

    @Test
    void whileAnotherWorkerHoldsClaimsTheRunnerWaitsAndLooksAgainAndEndsOnlyWhenNoneAreLeft() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(3);
        f.ledger.othersAtWorkFor(2);
        RunnerFixture.Session session = f.start(withLease(2));

        f.time.awaitWaiting(1);
        // Its own requests are over; their outcomes reach the ledger through the writer thread, which may still be
        // storing the last one (bounded far above any machine's pace: this waits for a thread, not a time).
        for (int i = 0; i < 6_000 && !f.ledger.pendingIds().isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertThat(f.ledger.pendingIds()).isEmpty();
        assertThat(session.result()).as("others still hold records").isNotDone();
        f.time.advance(Duration.ofSeconds(1));
        f.time.awaitWaitsAsked(2);
        assertThat(session.result()).isNotDone();
        f.time.advance(Duration.ofSeconds(1));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.ledger.othersAsked()).isEqualTo(3);
        assertThat(f.time.waitsAsked()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(f.ledger.left()).isEqualTo(1);
        assertThat(f.predictor.asked()).containsExactlyInAnyOrder("r0", "r1", "r2");
    }

    @Test
    void aDeadWorkersRecordsThatComeFreeBetweenAClaimAndTheLookForOthersAreTakenNotLeftPending() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.ledger.heldByADeadWorkerUntilTheNextLook("r3", "r4");

        RunOutcome outcome = f.run(withLease(4));

        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.ledger.pendingIds()).isEmpty();
        assertThat(f.predictor.asked()).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4");
    }

    @Test
    void recordsAnotherWorkerIsStillClaimingKeepTheRunnerWaitingUntilTheyAreStored() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.ledger.inAnotherWorkersOpenClaim("r3", "r4");
        RunnerFixture.Session session = f.start(withLease(4));

        // Its claims find r3 and r4 locked and no one else at work: the other worker's claim is not committed yet.
        f.time.awaitWaiting(1);
        assertThat(session.result()).as("records are left to another worker").isNotDone();
        assertThat(f.ledger.leftToOthersAsked()).isEqualTo(1);
        f.ledger.storedByAnotherWorker("r3", "r4");
        f.time.advance(Duration.ofSeconds(1));

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.DONE);
        assertThat(f.ledger.pendingIds()).isEmpty();
        assertThat(f.predictor.asked()).containsExactlyInAnyOrder("r0", "r1", "r2");
        assertThat(f.ledger.leftToOthersAsked()).isEqualTo(2);
    }

    @Test
    void recordsOutOfReachForAWholeLeaseEndTheRunInterruptedRatherThanWaitingForever() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(5);
        f.ledger.inAnotherWorkersOpenClaim("r3", "r4");
        RunnerFixture.Session session = f.start(withLease(4));

        // Looks every second (a quarter of the lease, at most a second) for as long as a lease.
        for (int waits = 1; waits <= LEASE.toSeconds(); waits++) {
            f.time.awaitWaitsAsked(waits);
            assertThat(session.result()).as("waited %d s", waits - 1).isNotDone();
            f.time.advance(Duration.ofSeconds(1));
        }

        RunOutcome outcome = session.outcome();
        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(f.ledger.pendingIds()).containsExactly("r3", "r4");
        assertThat(f.time.waitsAsked()).hasSize((int) LEASE.toSeconds());
    }

    @Test
    void claimsAreAboutTheFreeSlotsNeverTheWholeRun() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(50);

        assertThat(f.run(withLease(4)).state()).isEqualTo(RunState.DONE);
        assertThat(f.ledger.claimSizes()).allMatch(n -> n <= 2 * 4);
        // A round of two slots' worth at a time, not one record per answer: 7 claims of up to 8, and the empty ones
        // that end the run (the first pass's, the pass from the start's, and the one after the look that found
        // nobody else at work). Rounds of one slot's worth took 13 claims of up to 4.
        assertThat(f.ledger.claimSizes()).hasSizeLessThanOrEqualTo(50 / 8 + 4);
        assertThat(f.predictor.asked()).hasSize(50).doesNotHaveDuplicates();
    }

    @Test
    void theNextRoundIsClaimedWhileHalfOfTheLastIsStillQueuedSoASlowClaimLeavesNoSlotEmpty() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(40);
        f.predictor.holdEverything();
        InMemoryLedger.HeldClaim third = f.ledger.holdClaim(3);
        RunnerFixture.Session session = f.start(withLease(4));
        f.predictor.awaitHeld("r0", "r1", "r2", "r3");

        // Rounds of 8 at 4 in flight: the first was half taken at once, so the second (r8..r15) was claimed ahead.
        f.predictor.release("r0", answer(null));
        f.predictor.release("r1", answer(null));
        f.predictor.release("r2", answer(null));
        f.predictor.release("r3", answer(null));
        f.predictor.awaitHeld("r4", "r5", "r6", "r7");
        // Four answers more take r8..r11 from the second round; with half of it left, the third claim begins at
        // once, not when a request ends and finds nothing queued.
        f.predictor.release("r4", answer(null));
        f.predictor.release("r5", answer(null));
        f.predictor.release("r6", answer(null));
        f.predictor.release("r7", answer(null));
        f.predictor.awaitHeld("r8", "r9", "r10", "r11");
        third.awaitReached();
        assertThat(f.predictor.heldIds()).containsExactlyInAnyOrder("r8", "r9", "r10", "r11");
        // While the claim is slow, the next answers still find records: the half round queued.
        f.predictor.release("r8", answer(null));
        f.predictor.release("r9", answer(null));
        f.predictor.awaitHeld("r12", "r13");
        third.release();
        f.predictor.answerEverything();

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
        assertThat(f.predictor.asked()).hasSize(40).doesNotHaveDuplicates();
        assertThat(f.predictor.maxInFlight()).isEqualTo(4);
    }

    @Test
    void theLeaseIsRenewedEveryThirdOfItWhileTheWorkerWorks() throws Exception {
        RunnerFixture f = RunnerFixture.withRecords(1);
        f.predictor.holdEverything();
        RunnerFixture.Session session = f.start(withLease(1));
        f.predictor.awaitHeld("r0");

        f.time.advance(LEASE.dividedBy(3).minusMillis(1));
        f.time.advance(Duration.ofMillis(1));
        f.ledger.awaitRenewals(1);
        f.time.advance(LEASE.dividedBy(3));
        f.ledger.awaitRenewals(2);
        f.predictor.release("r0", answer(null));

        assertThat(session.outcome().state()).isEqualTo(RunState.DONE);
    }
}
