package dev.stride.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The model's own accounting, checked where the answer is known: with every answer taking the same time, the limit
 * keeps a queueing server of 4 slots at its capacity without a queue of more than half its slots (what
 * {@code AdaptiveLimitTest} finds with its own model); and a run at one slot cannot beat one answer per latency.
 */
class AutoLimitModelTest {

    @Test
    void answersOfOneLengthFillAQueueingServerWithoutPilingUp() {
        AutoLimitModel.Outcome o = AutoLimitModel.run(4, 4000, 0, 1);
        assertThat(o.throughputShare()).isBetween(0.9, 1.0);
        assertThat(o.inFlightPerSlot()).isBetween(0.9, 1.5);
    }

    @Test
    void oneSlotServesOneAnswerPerLatencyAtMost() {
        for (long seed = 1; seed <= 5; seed++) {
            AutoLimitModel.Outcome o = AutoLimitModel.run(1, 500, 0.5, seed);
            assertThat(o.throughputShare()).isBetween(0.8, 1.05);
            assertThat(o.inFlightPerSlot()).isGreaterThanOrEqualTo(0.99);
        }
    }
}
