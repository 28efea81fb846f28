package dev.stride.client;

import static dev.stride.client.CallFailure.Verdict.FAIL_RECORD;
import static dev.stride.client.CallFailure.Verdict.RETRY;
import static dev.stride.client.CallFailure.Verdict.STOP_RUN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each recorded error body, served with its status, gives the right kind, verdict and server message. */
@Timeout(120)
class ErrorFixturesTest {

    @StartStop
    public final MockWebServer server = new MockWebServer();

    static Stream<Arguments> recordedOpenAiErrors() {
        return Stream.of(
                Arguments.of("openai_error_400_empty_messages", FAIL_RECORD,
                        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."),
                Arguments.of("openai_error_401_invalid_api_key", STOP_RUN,
                        "Incorrect API key provided: mocked-key-****. You can find your API key at https://platform.openai.com/account/api-keys."),
                Arguments.of("openai_error_404_invalid_url", STOP_RUN,
                        "Invalid URL (POST /v1/chat/completions/chat/completions)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedOpenAiErrors")
    void openAiErrorWithItsRecordedStatus(String name, CallFailure.Verdict verdict, String message) {
        int status = Fixtures.recordedStatus(name + ".headers.txt");
        String contentType = Fixtures.recordedContentType(name + ".headers.txt");
        CallFailure f = failureFor(status, contentType, Fixtures.read(name + ".json"));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.HTTP_STATUS);
        assertThat(f.status()).isEqualTo(status);
        assertThat(f.code()).isEqualTo("http_" + status);
        assertThat(f.verdict()).isEqualTo(verdict);
        assertThat(f.serverMessage()).isEqualTo(message);
        assertThat(f.getMessage()).startsWith("HTTP " + status + ": " + message).doesNotContain("\n");
    }

    static Stream<Arguments> otherDialects() {
        return Stream.of(
                // llama.cpp: the OpenAI shape plus a numeric code.
                Arguments.of("llamacpp_error_400_grammar.json", 400, "application/json", FAIL_RECORD,
                        "Failed to parse grammar"),
                // Not Implemented will not heal, so the run stops rather than retrying every record.
                Arguments.of("llamacpp_error_501_not_supported.json", 501, "application/json", STOP_RUN,
                        "This server does not support metrics endpoint."),
                // TGI maps "overloaded" to 429 and "validation" to 422 (router/src/server.rs).
                Arguments.of("tgi_error_overloaded_doc.json", 429, "application/json", RETRY, "Model is overloaded"),
                Arguments.of("tgi_error_validation_doc.json", 422, "application/json", FAIL_RECORD,
                        "Input validation error"),
                Arguments.of("ollama_error.json", 500, "application/json", RETRY,
                        "the model failed to generate a response"),
                Arguments.of("proxy_nginx_502.html", 502, "text/html", RETRY, "502 Bad Gateway"),
                Arguments.of("proxy_nginx_504.html", 504, "text/html", RETRY, "504 Gateway Time-out"));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("otherDialects")
    void otherServersAndProxies(String fixture, int status, String contentType, CallFailure.Verdict verdict,
                                String message) {
        CallFailure f = failureFor(status, contentType, Fixtures.read(fixture));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.HTTP_STATUS);
        assertThat(f.status()).isEqualTo(status);
        assertThat(f.verdict()).isEqualTo(verdict);
        assertThat(f.serverMessage()).isEqualTo(message);
        assertThat(f.retryAfter()).isEmpty();
    }

    private CallFailure failureFor(int status, String contentType, String body) {
        server.enqueue(Fixtures.response(status, contentType, body));
        try (ModelClient client = Fixtures.clientFor(server)) {
            return catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));
        }
    }
}
