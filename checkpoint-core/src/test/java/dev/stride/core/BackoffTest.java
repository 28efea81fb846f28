package dev.stride.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final BatchRunner runner = new BatchRunner(null, null, PromptTemplate.parse("{{prompt}}"),
            new RunnerSettings(1, 1, 5, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1), false,
                    Duration.ofSeconds(5)), RunListener.NONE, Clock.systemUTC());

    @Test
    void waitsGrowUpToTheCapWithJitter() {
        for (int i = 0; i < 200; i++) {
            assertThat(runner.backoff(1, null)).isBetween(Duration.ZERO, Duration.ofMillis(100));
            assertThat(runner.backoff(3, null)).isBetween(Duration.ZERO, Duration.ofMillis(400));
            assertThat(runner.backoff(40, null)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    @Test
    void neverWaitsLessThanTheServerAsked() {
        for (int i = 0; i < 200; i++) {
            assertThat(runner.backoff(1, Duration.ofSeconds(2))).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        }
    }
}
