package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The rate learnt from 429s alone, on a clock the test moves. */
class RefusalPaceTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final RefusalPace pace = new RefusalPace();
    private long now = 1_000_000 * MS;
    private long answered;

    /** A second of a server that lets {@code answers} through and refuses the others, spread evenly. */
    private boolean unpacedSecond(int answers, int refusals) {
        boolean started = false;
        int events = answers + refusals;
        for (int i = 0; i < events; i++) {
            now += 1000 * MS / events;
            if (answersLeft(i, answers, events)) {
                answered++;
            } else {
                started |= pace.refusedUnpaced(now, answered);
            }
        }
        return started;
    }

    /** Spreads the answers over the second: event i is an answer when it brings the answers so far to their share. */
    private static boolean answersLeft(int i, int answers, int events) {
        return (long) (i + 1) * answers / events > (long) i * answers / events;
    }

    /** A second of paced traffic: {@code answers} and {@code refusals}, spread evenly. */
    private void pacedSecond(int answers, int refusals) {
        int events = answers + refusals;
        for (int i = 0; i < events; i++) {
            now += 1000 * MS / events;
            if (answersLeft(i, answers, events)) {
                pace.answered(now);
            } else {
                pace.refused(now);
            }
        }
    }

    @Test
    void aServerRefusingAQuarterOrMoreStartsThePaceAtTheRateThatPassed() {
        assertThat(unpacedSecond(3, 9)).isFalse();
        assertThat(pace.pacing()).isFalse();
        // The refusal that ends the window (a second, eight requests or more) starts the pace.
        now += 100 * MS;
        assertThat(pace.refusedUnpaced(now, answered)).isTrue();
        assertThat(pace.pacing()).isTrue();
        // The window began at the first refusal, a twelfth into the second.
        assertThat(pace.perSecond()).as("3 answers in its 1.02 s, and a twentieth more")
                .isCloseTo(3 / (1.1 - 1.0 / 12) * 1.05, within(1e-6));
        assertThat(pace.requestNanos()).isCloseTo(1e9 / pace.perSecond(), within(1.0));
    }

    @Test
    void aServerRefusingNowAndThenWhateverTheRateStartsNothing() {
        for (int second = 0; second < 30; second++) {
            assertThat(unpacedSecond(90, 10)).as("second %d", second).isFalse();
        }
        assertThat(pace.pacing()).isFalse();
        assertThat(pace.requestNanos()).isZero();
    }

    @Test
    void aWindowThatLetNothingThroughStartsAtOneASecond() {
        unpacedSecond(0, 10);
        now += 100 * MS;
        assertThat(pace.refusedUnpaced(now, answered)).isTrue();
        assertThat(pace.perSecond()).isEqualTo(RefusalPace.SLOWEST_START_PER_SECOND);
    }

    @Test
    void refusalsSetThePaceToWhatPassedAndQuietWindowsRaiseItByATenth() {
        startAt(10);
        // Paced at 10 a second, the server lets 8 through and refuses 2: the pace follows what passed.
        pacedSecond(8, 2);
        assertThat(pace.perSecond()).isCloseTo(8 * 1.05, within(1e-9));
        // Everything sent passes, 8 at a pace of 8.4: a tenth more.
        pacedSecond(8, 0);
        assertThat(pace.perSecond()).isCloseTo(8.4 * 1.1, within(1e-9));
    }

    @Test
    void aRefusalInFiftyIsQuietAndRaisesThePace() {
        double start = startAt(100);
        pacedSecond(99, 1);
        assertThat(pace.perSecond()).as("one refusal in a hundred: not the rate's").isCloseTo(start * 1.1,
                within(1e-9));
    }

    @Test
    void aQuietWindowRaisesNoFurtherThanAQuarterOverWhatPassed() {
        startAt(100);
        // The run sends only 10 a second, whatever the pace allows (its concurrency holds it back).
        pacedSecond(10, 0);
        assertThat(pace.perSecond()).isCloseTo(10 * 1.25 * 1.1, within(1e-9));
    }

    @Test
    void aWindowOfRefusalsAloneCutsThePaceToAQuarterAtMost() {
        double start = startAt(100);
        pacedSecond(0, 50);
        assertThat(pace.perSecond()).isCloseTo(start / 4, within(1e-9));
        for (int i = 0; i < 20; i++) {
            pacedSecond(0, 10);
        }
        assertThat(pace.perSecond()).isEqualTo(RefusalPace.SLOWEST_PER_SECOND);
    }

    /** Starts the pace at about {@code perSecond}: a second in which that many passed and as many were refused. */
    private double startAt(double perSecond) {
        int n = (int) Math.round(perSecond / RefusalPace.OVER_WHAT_PASSED);
        assertThat(unpacedSecond(n, n)).isFalse();
        now += 100 * MS;
        assertThat(pace.refusedUnpaced(now, answered)).isTrue();
        assertThat(pace.perSecond()).isCloseTo(perSecond, within(perSecond * 0.1));
        return pace.perSecond();
    }
}
