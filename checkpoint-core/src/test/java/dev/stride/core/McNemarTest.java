package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class McNemarTest {

    @Test
    void smallCountsGiveTheExactBinomialTail() {
        assertThat(McNemar.exactPValue(0, 5)).isCloseTo(0.0625, within(1e-12));
        assertThat(McNemar.exactPValue(5, 0)).isCloseTo(0.0625, within(1e-12));
        // 2 * (1 + 10) / 1024
        assertThat(McNemar.exactPValue(1, 9)).isCloseTo(22.0 / 1024, within(1e-12));
        assertThat(McNemar.exactPValue(1, 9)).isCloseTo(0.02148, within(5e-6));
        // 2 * (1 + 12 + 66 + 220) / 4096 (scipy.stats.binomtest(3, 12).pvalue)
        assertThat(McNemar.exactPValue(3, 9)).isCloseTo(598.0 / 4096, within(1e-12));
    }

    @Test
    void equalCountsAndNoDiscordantPairsSayNothing() {
        assertThat(McNemar.exactPValue(0, 0)).isEqualTo(1.0);
        assertThat(McNemar.exactPValue(7, 7)).isEqualTo(1.0);
        assertThat(McNemar.exactPValue(4, 5)).isEqualTo(1.0); // 2 * P(X <= 4 | n = 9) = 2 * 0.5 + the middle: capped
    }

    @Test
    void largeCountsStayExactWhereTheTermsUnderflowADouble() {
        // n = 2000: 2^-2000 underflows; the normal approximation (z = 2.236) gives about 0.0253
        double p = McNemar.exactPValue(950, 1050);
        assertThat(p).isBetween(0.02, 0.03);
        // far in the tail: 2 * 2^-100000, which is about 10^-30103, is below the smallest double
        assertThat(McNemar.exactPValue(0, 100_000)).isEqualTo(0.0);
        assertThat(McNemar.exactPValue(500_000, 500_000)).isEqualTo(1.0);
        assertThat(McNemar.exactPValue(499_000, 501_000)).isBetween(0.04, 0.06);
        assertThat(McNemar.exactPValue(40, 60)).isCloseTo(0.0569, within(1e-4));
    }

    @Test
    void thePairedTableCountsEachCellAndItsAccuracies() {
        PairedOutcomes t = PairedOutcomes.NONE.plus(true, true).plus(true, false).plus(true, false)
                .plus(false, true).plus(false, false);
        assertThat(t).isEqualTo(new PairedOutcomes(1, 2, 1, 1));
        assertThat(t.total()).isEqualTo(5);
        assertThat(t.discordant()).isEqualTo(3);
        assertThat(t.accuracyA().correct()).isEqualTo(3);
        assertThat(t.accuracyB().correct()).isEqualTo(2);
        assertThat(t.pValue()).isEqualTo(1.0);
    }
}
