package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Retry-After handling, after the table in fixtures/openai_python_retry_after_test_vectors.py.txt. There, "fallback"
 * means the client ignores the header and uses its own backoff; here that is an empty {@code retryAfter()}.
 */
@Timeout(120)
class RetryAfterTest {

    /** The instant the reference table is computed at: Fri, 29 Sep 2023 16:26:37 GMT. */
    private static final Instant NOW = Instant.ofEpochSecond(1696004797L);

    @StartStop
    public final MockWebServer server = new MockWebServer();

    // header value | honoured wait in ms, or empty for "ignored, use own backoff" | verdict of a 429
    @ParameterizedTest(name = "Retry-After: ''{0}''")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "20                                  | 20000  | RETRY",
            "0                                   | none   | RETRY",
            "-10                                 | none   | RETRY",
            "60                                  | 60000  | RETRY",
            "61                                  | 61000  | RETRY",
            "120                                 | 120000 | RETRY",
            "121                                 | none   | STOP_RUN",
            "1.5                                 | 1500   | RETRY",
            "'Fri, 29 Sep 2023 16:26:57 GMT'     | 20000  | RETRY",
            "'Fri, 29 Sep 2023 16:26:37 GMT'     | none   | RETRY",
            "'Fri, 29 Sep 2023 16:26:27 GMT'     | none   | RETRY",
            "'Fri, 29 Sep 2023 16:27:37 GMT'     | 60000  | RETRY",
            "'Fri, 29 Sep 2023 16:27:38 GMT'     | 61000  | RETRY",
            "'Fri, 29 Sep 2023 16:28:37 GMT'     | 120000 | RETRY",
            "'Fri, 29 Sep 2023 16:28:38 GMT'     | none   | STOP_RUN",
            "99999999999999999999999999999999999 | none   | RETRY",
            "inf                                 | none   | RETRY",
            "nan                                 | none   | RETRY",
            "'Zun, 29 Sep 2023 16:26:27 GMT'     | none   | RETRY",
            "'Fri, 29 Sep 100000 16:26:57 GMT'   | none   | RETRY",
            "''                                  | none   | RETRY",
    })
    void retryAfterHeaderOn429(String header, Long expectedMillis, CallFailure.Verdict verdict) {
        CallFailure f = failure429(new MockResponse.Builder().code(429).addHeaderLenient("Retry-After", header));

        assertThat(f.retryAfter()).isEqualTo(Optional.ofNullable(expectedMillis).map(Duration::ofMillis));
        assertThat(f.verdict()).isEqualTo(verdict);
        assertThat(f.code()).isEqualTo("http_429");
    }

    // retry-after-ms wins over Retry-After; same 120 s ceiling as the reference's second table.
    @ParameterizedTest(name = "retry-after-ms: {0}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "120000  | 120000 | RETRY",
            "120001  | none   | STOP_RUN",
            "250.5   | 250    | RETRY",
            "junk    | none   | RETRY",
            "-5      | none   | RETRY",
    })
    void retryAfterMsOn429(String header, Long expectedMillis, CallFailure.Verdict verdict) {
        CallFailure f = failure429(new MockResponse.Builder().code(429).addHeaderLenient("retry-after-ms", header));

        assertThat(f.retryAfter().map(Duration::toMillis)).isEqualTo(Optional.ofNullable(expectedMillis));
        assertThat(f.verdict()).isEqualTo(verdict);
    }

    @Test
    void millisecondsHeaderTakesPrecedenceOverSeconds() {
        CallFailure f = failure429(new MockResponse.Builder().code(429)
                .addHeader("retry-after-ms", "1500").addHeader("Retry-After", "30"));

        assertThat(f.retryAfter()).contains(Duration.ofMillis(1500));
    }

    @Test
    void junkMillisecondsFallBackToSeconds() {
        CallFailure f = failure429(new MockResponse.Builder().code(429)
                .addHeader("retry-after-ms", "soon").addHeader("Retry-After", "3"));

        assertThat(f.retryAfter()).contains(Duration.ofSeconds(3));
    }

    @Test
    void serviceUnavailableCarriesRetryAfterToo() {
        CallFailure f = failure429(new MockResponse.Builder().code(503).addHeader("Retry-After", "7")
                .body("{\"error\":\"Model is loading\"}"));

        assertThat(f.status()).isEqualTo(503);
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
        assertThat(f.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(f.getMessage()).isEqualTo("HTTP 503: Model is loading (server asks to wait 7 s)");
    }

    @Test
    void tooLongAWaitStopsTheRunAndSaysWhy() {
        CallFailure f = failure429(new MockResponse.Builder().code(429).addHeader("Retry-After", "3600"));

        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.STOP_RUN);
        assertThat(f.getMessage()).contains("server asks to wait 3600 s");
    }

    private CallFailure failure429(MockResponse.Builder response) {
        server.enqueue(response.build());
        Clock frozen = Clock.fixed(NOW, ZoneOffset.UTC);
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server), frozen)) {
            return catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));
        }
    }
}
