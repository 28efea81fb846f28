package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gate on a clock the test moves: when each request may go, never how long anything took. */
@Timeout(60)
class RateGateTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final AtomicLong clock = new AtomicLong(1_000_000 * MS);

    private RateGate gate(long rpm, long tpm) {
        return new RateGate(new RateLimits(rpm, tpm), clock::get);
    }

    /** Books a request as {@link RateGate#enter} does, without waiting for its time: the clock stands still here. */
    private RateGate.Permit booked(RateGate g, long tokens) {
        g.schedule(tokens, clock.get());
        return new RateGate.Permit(tokens, g.paceDrops(), g.tokenRestarts(), g.spentRefusals());
    }

    private long at(long goAt) {
        return (goAt - clock.get()) / MS;
    }

    @Test
    void requestsPerMinuteArePacedEvenlyAfterASmallBurst() {
        RateGate g = gate(600, 0);
        long[] goAt = new long[700];
        for (int i = 0; i < goAt.length; i++) {
            goAt[i] = at(g.schedule(1, clock.get()));
        }
        // A quarter second's worth (and the first) at once, then one every 100 ms: never a minute's worth at once.
        assertThat(goAt[0]).isZero();
        assertThat(goAt[2]).isZero();
        assertThat(goAt[3]).isEqualTo(50);
        assertThat(goAt[4] - goAt[3]).isEqualTo(100);
        long inFirstMinute = java.util.Arrays.stream(goAt).filter(t -> t < 60_000).count();
        assertThat(inFirstMinute).isBetween(600L, 603L);
    }

    @Test
    void tokensAreChargedTheEstimateThenTheDifferenceFromUsage() {
        RateGate g = gate(0, 60_000); // one token per millisecond
        long estimate = g.estimate(400, 900); // 400 bytes / 4 + max_tokens 900
        assertThat(estimate).isEqualTo(1000);
        RateGate.Permit first = g.enter(estimate);
        assertThat(first.tokens()).isEqualTo(1000);
        // Booked for 1000 tokens: the next request waits for the estimate less the burst.
        long before = at(g.schedule(1000, clock.get()));
        assertThat(before).isEqualTo(750);
        // The answer used 100 tokens: 900 are given back, and the request after that waits 900 ms less.
        g.answered(first, 60, 40, RateLimitReading.NONE);
        assertThat(at(g.schedule(1000, clock.get()))).isEqualTo(1750 - 900);
    }

    @Test
    void aCorrectionFromUsageMovesUpTheRequestsAlreadyWaiting() throws Exception {
        RateGate g = gate(0, 60_000); // one token per millisecond
        RateGate.Permit first = g.enter(100_000);
        // Booked behind the first's estimate of 100,000 tokens: due in 99.75 s, on a clock the test moves; only the
        // correction's signal can let it go before the test's timeout.
        CompletableFuture<RateGate.Permit> second = CompletableFuture.supplyAsync(() -> g.enter(1000));
        while (g.waiting() == 0) {
            Thread.onSpinWait();
        }
        clock.addAndGet(100 * MS);
        assertThat(second).isNotDone();
        // The first cost 100 tokens: the second's place moves up by 99.9 s, to before now; it goes.
        g.answered(first, 60, 40, RateLimitReading.NONE);
        assertThat(second.get().tokens()).isEqualTo(1000);
    }

    @Test
    void anEstimateForgivenByAnIdleScheduleIsNotGivenBackTwice() {
        RateGate g = gate(0, 60_000);
        RateGate.Permit slow = g.enter(1000);
        // A long answer: the schedule runs idle meanwhile and starts again from now, owing nothing.
        clock.addAndGet(5000 * MS);
        assertThat(at(g.schedule(1000, clock.get()))).isZero();
        long waiting = at(g.schedule(1000, clock.get()));
        assertThat(waiting).isEqualTo(750);
        // The slow one cost 100 of its 1000: nothing to give back, for the schedule kept none of its charge.
        g.answered(slow, 60, 40, RateLimitReading.NONE);
        assertThat(at(g.schedule(1000, clock.get()))).isEqualTo(1750);
    }

    @Test
    void withoutMaxTokensTheEstimateLearnsTheMeanAnswer() {
        RateGate g = gate(0, 60_000);
        assertThat(g.estimate(40, null)).isEqualTo(10 + RateGate.FIRST_ANSWER_TOKENS);
        for (int i = 0; i < 100; i++) {
            g.answered(booked(g, g.estimate(40, null)), 10, 16, RateLimitReading.NONE);
        }
        assertThat(g.estimate(40, null)).isBetween(10 + 16L, 10 + 20L);
    }

    @Test
    void aSpentBudgetWithoutALimitHoldsUntilItsReset() {
        RateGate g = gate(0, 0);
        assertThat(g.engaged()).isFalse();
        g.answered(RateGate.Permit.unpaced(2), 1, 1, new RateLimitReading(
                new RateLimitReading.Budget(-1, 0, Duration.ofSeconds(2)), RateLimitReading.Budget.NONE));
        assertThat(g.engaged()).isTrue();
        assertThat(at(g.schedule(1, clock.get()))).isEqualTo(2000);
        // Azure: remaining 0 and no reset: a second.
        RateGate azure = gate(0, 0);
        azure.answered(RateGate.Permit.unpaced(2), 1, 1, new RateLimitReading(
                new RateLimitReading.Budget(-1, 0, null), RateLimitReading.Budget.NONE));
        assertThat(at(azure.schedule(1, clock.get()))).isEqualTo(RateGate.HOLD_WITHOUT_RESET_MS);
    }

    @Test
    void aHoldOnTheServersWordIsToldForAsLongAsItLasts() {
        RateGate g = gate(0, 0);
        assertThat(g.heldNanos()).as("a gate that never heard of limits").isZero();
        g.answered(RateGate.Permit.unpaced(2), 1, 1, new RateLimitReading(
                new RateLimitReading.Budget(-1, 0, Duration.ofMinutes(62)), RateLimitReading.Budget.NONE));
        assertThat(Duration.ofNanos(g.heldNanos())).isEqualTo(Duration.ofMinutes(62));

        clock.addAndGet(Duration.ofMinutes(60).toNanos());
        assertThat(Duration.ofNanos(g.heldNanos())).isEqualTo(Duration.ofMinutes(2));
        clock.addAndGet(Duration.ofMinutes(3).toNanos());
        assertThat(g.heldNanos()).as("the reset passed").isZero();

        // A budget paced at its limit holds nothing on the server's word: its requests wait only for the pace.
        RateGate paced = gate(0, 0);
        paced.answered(RateGate.Permit.unpaced(2), 1, 1, new RateLimitReading(
                new RateLimitReading.Budget(600, 0, Duration.ofSeconds(2)), RateLimitReading.Budget.NONE));
        assertThat(paced.heldNanos()).isZero();
    }

    @Test
    void aLowBudgetWithItsLimitIsPacedAtItsRefillRate() {
        RateGate g = gate(0, 0);
        // 600 a minute, 0 left (full again in 2 s: the reset is no rate): one every 100 ms.
        g.answered(RateGate.Permit.unpaced(2), 1, 1, new RateLimitReading(
                new RateLimitReading.Budget(600, 0, Duration.ofSeconds(2)), RateLimitReading.Budget.NONE));
        long first = at(g.schedule(1, clock.get()));
        long second = at(g.schedule(1, clock.get()));
        assertThat(second - first).isEqualTo(100);
        // Room again: no pacing.
        RateGate.Permit p = booked(g, 1);
        g.answered(p, 1, 1, new RateLimitReading(
                new RateLimitReading.Budget(600, 500, Duration.ofSeconds(10)), RateLimitReading.Budget.NONE));
        assertThat(at(g.schedule(1, clock.get()))).isLessThanOrEqualTo(second + 100);
        assertThat(at(g.schedule(1, clock.get()))).isLessThanOrEqualTo(second + 100);
    }

    @Test
    void aRefusalWhilePacingHoldsForRetryAfterAndSlowsDown() {
        RateGate g = gate(600, 0);
        RateGate.Permit p = g.enter(1);
        assertThat(g.refused(p, Duration.ofSeconds(3), RateLimitReading.NONE)).isTrue();
        assertThat(g.pace()).isEqualTo(0.8);
        assertThat(at(g.heldUntil())).isEqualTo(3000);
        long a = at(g.schedule(1, clock.get()));
        long b = at(g.schedule(1, clock.get()));
        long c = at(g.schedule(1, clock.get()));
        long d = at(g.schedule(1, clock.get()));
        assertThat(a).isGreaterThanOrEqualTo(3000);
        // 100 ms a request at full pace, 125 ms at 0.8.
        assertThat(d - c).isEqualTo(125);
        for (int i = 0; i < 20; i++) {
            g.refused(booked(g, 1), null, RateLimitReading.NONE);
        }
        assertThat(g.pace()).isEqualTo(RateGate.SLOWEST);
    }

    @Test
    void aBurstRefusedTogetherSlowsThePaceOnce() {
        RateGate g = gate(600, 0);
        RateGate.Permit[] burst = {g.enter(1), g.enter(1), g.enter(1)};
        for (RateGate.Permit p : burst) {
            assertThat(g.refused(p, Duration.ofMillis(300), RateLimitReading.NONE)).isTrue();
        }
        assertThat(g.pace()).isEqualTo(0.8);
        // A request sent at the slower pace and refused again: slower still.
        g.refused(booked(g, 1), null, RateLimitReading.NONE);
        assertThat(g.pace()).isEqualTo(0.8 * 0.8);
    }

    @Test
    void requestsBookedBeforeTheDropThatGoAfterItDoNotDropThePaceAgain() throws Exception {
        RateGate g = gate(600, 0);
        RateGate.Permit[] burst = {g.enter(1), g.enter(1), g.enter(1)};
        CompletableFuture<RateGate.Permit> booked = CompletableFuture.supplyAsync(() -> g.enter(1));
        while (g.waiting() == 0) {
            Thread.onSpinWait();
        }
        for (RateGate.Permit p : burst) {
            g.refused(p, Duration.ofMillis(300), RateLimitReading.NONE);
        }
        assertThat(g.pace()).isEqualTo(0.8);
        // The hold ends; the request booked at the old pace goes, and is refused as one of the same burst.
        clock.addAndGet(10_000 * MS);
        g.refused(booked.get(), null, RateLimitReading.NONE);
        assertThat(g.pace()).isEqualTo(0.8);
    }

    @Test
    void refusalsOfRequestsSentBeforeTheGatePacedHoldButDoNotSlowIt() {
        RateGate g = gate(0, 0);
        RateGate.Permit[] firstBurst = new RateGate.Permit[8];
        for (int i = 0; i < firstBurst.length; i++) {
            firstBurst[i] = g.enter(50);
        }
        // The server speaks of its limits only in its refusals: 3,000 tokens a minute, none left.
        RateLimitReading spent = new RateLimitReading(RateLimitReading.Budget.NONE,
                new RateLimitReading.Budget(3000, 0, Duration.ofMillis(400)));
        for (RateGate.Permit p : firstBurst) {
            assertThat(g.refused(p, Duration.ofMillis(300), spent)).isTrue();
        }
        assertThat(g.engaged()).isTrue();
        assertThat(at(g.heldUntil())).isEqualTo(300);
        assertThat(g.pace()).isEqualTo(1.0);
        // The next waits for room for one such request (50 tokens at 50 a second), not for a guessed answer of 256;
        // and from then on the pace is the server's 50 tokens a second, not half of it.
        long a = at(g.schedule(50, clock.get()));
        long b = at(g.schedule(50, clock.get()));
        assertThat(a).isEqualTo(1000);
        assertThat(b - a).isEqualTo(1000);
    }

    private static RateLimitReading requestsSpent(long limit, Duration reset) {
        return new RateLimitReading(new RateLimitReading.Budget(limit, 0, reset), RateLimitReading.Budget.NONE);
    }

    @Test
    void aBudgetRefusedAgainAfterItsPaceIsAWindowAndItsResetIsWaitedFor() {
        RateGate g = gate(0, 0);
        // 100 a minute, none left, whole again in 40 s: paced at one every 600 ms, as a bucket that drips refills.
        g.answered(RateGate.Permit.unpaced(1), 1, 1, requestsSpent(100, Duration.ofSeconds(40)));
        // A burst refused together is one refusal: each waits only for the server's Retry-After (here none: 1 s).
        RateGate.Permit[] burst = {booked(g, 1), booked(g, 1), booked(g, 1)};
        for (RateGate.Permit p : burst) {
            assertThat(g.refused(p, null, requestsSpent(100, Duration.ofSeconds(40)))).isTrue();
        }
        assertThat(at(g.heldUntil())).isEqualTo(1000);
        // Sent after that refusal, and refused again: the budget did not drip back; nothing goes before its reset.
        clock.addAndGet(1_500 * MS);
        assertThat(g.refused(booked(g, 1), null, requestsSpent(100, Duration.ofMillis(38_500)))).isTrue();
        assertThat(at(g.heldUntil())).isEqualTo(38_500);
        assertThat(at(g.schedule(1, clock.get()))).isGreaterThanOrEqualTo(38_500);
        // An answer ends the row: the next single refusal waits for its Retry-After again, not for a reset.
        clock.addAndGet(40_000 * MS);
        g.answered(booked(g, 1), 1, 1, new RateLimitReading(
                new RateLimitReading.Budget(100, 99, Duration.ofMillis(600)), RateLimitReading.Budget.NONE));
        assertThat(g.spentRefusals()).isZero();
        g.refused(booked(g, 1), Duration.ofSeconds(2), requestsSpent(100, Duration.ofSeconds(50)));
        assertThat(at(g.heldUntil())).isEqualTo(2000);
    }

    @Test
    void aRefusalWithoutAResetIsNotHeldLongerThanItsRetryAfterWhenRepeated() {
        RateGate g = gate(0, 0);
        g.answered(RateGate.Permit.unpaced(1), 1, 1, requestsSpent(100, null));
        g.refused(booked(g, 1), null, requestsSpent(100, null));
        clock.addAndGet(1_500 * MS);
        g.refused(booked(g, 1), Duration.ofSeconds(3), requestsSpent(100, null));
        assertThat(at(g.heldUntil())).isEqualTo(3000);
    }

    @Test
    void aRefusalIsTheCallersWhenTheGateDoesNotPace() {
        RateGate g = gate(0, 0);
        assertThat(g.enter(1).paced()).isFalse();
        assertThat(g.refused(RateGate.Permit.unpaced(2), Duration.ofSeconds(1), RateLimitReading.NONE)).isFalse();
        assertThat(g.engaged()).isFalse();
    }

    @Test
    void cancelAllWakesAWaiterAtOnceAndStopSendingForGood() throws Exception {
        RateGate g = new RateGate(RateLimits.NONE, System::nanoTime);
        // The server says: nothing left for an hour.
        g.answered(RateGate.Permit.unpaced(2), 1, 1, new RateLimitReading(
                new RateLimitReading.Budget(-1, 0, Duration.ofHours(1)), RateLimitReading.Budget.NONE));
        CompletableFuture<RateGate.Permit> waiting = CompletableFuture.supplyAsync(() -> g.enter(1));
        while (g.waits() == 0) {
            Thread.onSpinWait();
        }
        assertThat(waiting).isNotDone();
        g.cancelAll();
        // Returns (within the test's timeout, far below the hour) without a permit: nothing is sent.
        assertThat(waiting.get()).isNull();

        CompletableFuture<RateGate.Permit> next = CompletableFuture.supplyAsync(() -> g.enter(1));
        while (g.waits() < 2) {
            Thread.onSpinWait();
        }
        g.stopSending();
        assertThat(next.get()).isNull();
        assertThat(g.enter(1)).isNull();
    }
}
