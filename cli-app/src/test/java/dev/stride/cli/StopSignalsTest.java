package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.cli.StopSignals.Meaning;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StopSignalsTest {
    private static final long T0 = 5_000_000_000L;

    private static long ms(long ms) {
        return T0 + TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Test
    void theFirstStopsAndACopyThatComesWithItChangesNothing() {
        StopSignals stops = new StopSignals();
        assertThat(stops.on(ms(0))).isEqualTo(Meaning.STOP);
        assertThat(stops.on(ms(0))).isEqualTo(Meaning.SAME_STOP);
        assertThat(stops.on(ms(StopSignals.SAME_STOP_MS - 1))).isEqualTo(Meaning.SAME_STOP);
    }

    @Test
    void oneThatComesLaterQuits() {
        StopSignals stops = new StopSignals();
        assertThat(stops.on(ms(0))).isEqualTo(Meaning.STOP);
        assertThat(stops.on(ms(StopSignals.SAME_STOP_MS))).isEqualTo(Meaning.QUIT);
        assertThat(stops.on(ms(60_000))).isEqualTo(Meaning.QUIT);
    }

    @Test
    void theWindowIsTheFirstOnesNotTheLastOnes() {
        StopSignals stops = new StopSignals();
        stops.on(ms(0));
        stops.on(ms(200));
        assertThat(stops.on(ms(300))).as("300 ms after the first, whatever came between").isEqualTo(Meaning.QUIT);
    }

    @Test
    void aHangupStopsOnlyWhenNothingElseDidAndStartsTheWindow() {
        StopSignals stops = new StopSignals();
        assertThat(stops.stopOnly(ms(0))).isTrue();
        assertThat(stops.stopOnly(ms(1))).isFalse();
        assertThat(stops.on(ms(10))).as("a SIGTERM with the terminal's SIGHUP").isEqualTo(Meaning.SAME_STOP);
        assertThat(stops.on(ms(1_000))).isEqualTo(Meaning.QUIT);

        StopSignals afterTerm = new StopSignals();
        afterTerm.on(ms(0));
        assertThat(afterTerm.stopOnly(ms(1))).isFalse();
    }

    @Test
    void timesBeforeZeroOnTheNanoClockCountAsWell() {
        StopSignals stops = new StopSignals();
        assertThat(stops.on(-T0)).isEqualTo(Meaning.STOP);
        assertThat(stops.on(-T0 + 1)).isEqualTo(Meaning.SAME_STOP);
    }
}
