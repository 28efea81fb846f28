package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Durations as people write them, and as stride itself prints them, read back the same. */
class DurationsTest {
    private final Durations durations = new Durations();

    @Test
    void oneUnitABareNumberOfSecondsOrIso() {
        assertThat(durations.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(durations.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(durations.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(durations.convert("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(durations.convert("10")).isEqualTo(Duration.ofSeconds(10));
        assertThat(durations.convert("PT90S")).isEqualTo(Duration.ofSeconds(90));
    }

    /** A walk had `1h30m` refused, and stride's own "waited 2m30s" could not be given back to it. */
    @Test
    void partsTogetherAsStridePrintsThem() {
        assertThat(durations.convert("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(durations.convert("1m05s")).isEqualTo(Duration.ofSeconds(65));
        assertThat(durations.convert("2m 30s")).isEqualTo(Duration.ofSeconds(150));
        assertThat(durations.convert("1s500ms")).isEqualTo(Duration.ofMillis(1500));
        for (long millis : new long[] {65_000, 3_723_000, 36_000_000}) {
            assertThat(durations.convert(Durations.human(millis))).as(Durations.human(millis))
                    .isEqualTo(Duration.ofMillis(millis));
        }
    }

    @Test
    void anythingElseIsRefusedWithWhatToWrite() {
        for (String bad : new String[] {"soon", "", "30m2h", "1h1h", "5 minutes", "ms"}) {
            assertThatThrownBy(() -> durations.convert(bad)).as(bad)
                    .hasMessageContaining("is not a duration; write e.g. 500ms, 30s, 2m");
        }
    }
}
