package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rate-limit headers of OpenAI, Azure OpenAI, Anthropic, LiteLLM and generic gateways, and junk. */
class RateLimitHeadersTest {

    private static final Instant NOW = Instant.parse("2026-11-30T21:00:00Z");

    // value | wait in ms, or none for "not a reset time"
    @ParameterizedTest(name = "reset ''{0}''")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "1s                          | 1000",
            "6m0s                        | 360000",
            "20ms                        | 20",
            "1h2m3.5s                    | 3723500",
            "7.66s                       | 7660",
            "2m59.56s                    | 179560",
            "3000us                      | 3",
            "12                          | 12000",
            "0.5                         | 500",
            "0                           | 0",
            "' 3 '                       | 3000",
            // epoch seconds and milliseconds (GitHub-style, OpenRouter-style)
            "1796072460                  | 60000",
            "1796072460000               | 60000",
            "1796072340                  | 0",
            // Anthropic's RFC 3339, an HTTP date
            "2026-11-30T21:00:30Z        | 30000",
            "2026-11-30T22:00:30+01:00   | 30000",
            "2026-11-30T20:59:00Z        | 0",
            "'Mon, 30 Nov 2026 21:00:05 GMT' | 5000",
            // junk: never a crash, never a wait
            "''                          | none",
            "soon                        | none",
            "-5                          | none",
            "1d                          | none",
            "5x                          | none",
            "s                           | none",
            "NaN                         | none",
            "Infinity                    | none",
            "1e3                         | none",
            "99999999999999999999999     | none",
            "90000                       | none",
            "2027-12-30T21:00:30Z        | none",
            "1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h1h | none",
    })
    void resetTimes(String value, Long millis) {
        Optional<Duration> parsed = ResetTime.parse(value, NOW);
        if (millis == null) {
            assertThat(parsed).isEmpty();
        } else {
            assertThat(parsed).contains(Duration.ofMillis(millis));
        }
    }

    @Test
    void openAiHeadersGiveBothBudgets() {
        RateLimitReading r = RateLimitReading.of(Map.of(
                "x-ratelimit-limit-requests", "5000",
                "x-ratelimit-remaining-requests", "4999",
                "x-ratelimit-reset-requests", "12ms",
                "x-ratelimit-limit-tokens", "160000",
                "x-ratelimit-remaining-tokens", "159976",
                "x-ratelimit-reset-tokens", "6m0s")::get, NOW);
        assertThat(r.requests()).isEqualTo(new RateLimitReading.Budget(5000, 4999, Duration.ofMillis(12)));
        assertThat(r.tokens()).isEqualTo(new RateLimitReading.Budget(160000, 159976, Duration.ofMinutes(6)));
    }

    @Test
    void azureSendsRemainingWithoutReset() {
        RateLimitReading r = RateLimitReading.of(Map.of(
                "x-ratelimit-remaining-requests", "0",
                "x-ratelimit-remaining-tokens", "1200")::get, NOW);
        assertThat(r.requests()).isEqualTo(new RateLimitReading.Budget(-1, 0, null));
        assertThat(r.tokens()).isEqualTo(new RateLimitReading.Budget(-1, 1200, null));
    }

    @Test
    void anthropicResetsAreInstants() {
        RateLimitReading r = RateLimitReading.of(Map.of(
                "anthropic-ratelimit-requests-limit", "50",
                "anthropic-ratelimit-requests-remaining", "0",
                "anthropic-ratelimit-requests-reset", "2026-11-30T21:00:02Z",
                "anthropic-ratelimit-tokens-remaining", "30000")::get, NOW);
        assertThat(r.requests()).isEqualTo(new RateLimitReading.Budget(50, 0, Duration.ofSeconds(2)));
        assertThat(r.tokens()).isEqualTo(new RateLimitReading.Budget(-1, 30000, null));
    }

    @Test
    void litellmCountsMayHaveAFraction() {
        RateLimitReading r = RateLimitReading.of(Map.of(
                "x-ratelimit-remaining-requests", "59.0",
                "x-ratelimit-limit-requests", "60")::get, NOW);
        assertThat(r.requests()).isEqualTo(new RateLimitReading.Budget(60, 59, null));
    }

    @Test
    void aBudgetOfUnnamedKindCountsRequests() {
        RateLimitReading r = RateLimitReading.of(Map.of(
                "x-ratelimit-limit", "20",
                "x-ratelimit-remaining", "7",
                "x-ratelimit-reset", "1796072405")::get, NOW);
        assertThat(r.requests()).isEqualTo(new RateLimitReading.Budget(20, 7, Duration.ofSeconds(5)));
        assertThat(r.tokens().known()).isFalse();
    }

    @Test
    void junkCountsAndNoHeadersAreNoReading() {
        assertThat(RateLimitReading.of(Map.<String, String>of()::get, NOW)).isEqualTo(RateLimitReading.NONE);
        assertThat(RateLimitReading.of(Map.of(
                "x-ratelimit-remaining-requests", "lots",
                "x-ratelimit-remaining-tokens", "-3",
                "x-ratelimit-remaining", "99999999999999999999")::get, NOW)).isEqualTo(RateLimitReading.NONE);
        RateLimitReading badReset = RateLimitReading.of(Map.of(
                "x-ratelimit-remaining-requests", "3",
                "x-ratelimit-reset-requests", "tomorrow")::get, NOW);
        assertThat(badReset.requests()).isEqualTo(new RateLimitReading.Budget(-1, 3, null));
    }
}
