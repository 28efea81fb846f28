package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The Wilson interval against values worked out by hand (and by R's prop.test without correction). */
class AccuracyTest {

    @Test
    void wilsonIntervalMatchesKnownValues() {
        Accuracy a = Accuracy.wilson(71, 100);
        assertThat(a.value()).isEqualTo(0.71);
        assertThat(a.low()).isCloseTo(0.6146, within(1e-4));
        assertThat(a.high()).isCloseTo(0.7898, within(1e-4));
        Accuracy half = Accuracy.wilson(5, 10);
        assertThat(half.low()).isCloseTo(0.2366, within(1e-4));
        assertThat(half.high()).isCloseTo(0.7634, within(1e-4));
    }

    @Test
    void allRightOrAllWrongStaysInsideZeroToOne() {
        Accuracy all = Accuracy.wilson(10, 10);
        assertThat(all.high()).isEqualTo(1.0);
        assertThat(all.low()).isCloseTo(0.7225, within(1e-4));
        Accuracy none = Accuracy.wilson(0, 10);
        assertThat(none.low()).isEqualTo(0.0);
        assertThat(none.high()).isCloseTo(0.2775, within(1e-4));
    }

    @Test
    void nothingScoredIsZerosNotNaN() {
        assertThat(Accuracy.wilson(0, 0)).isEqualTo(new Accuracy(0, 0, 0, 0));
        assertThat(Accuracy.wilson(0, 0).value()).isZero();
    }
}
