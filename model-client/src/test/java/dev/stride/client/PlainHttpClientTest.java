package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.ConnectionSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client for an http:// server is built without TLS: OkHttp loads the JDK's trust store as it builds a client that
 * may speak TLS, before the first request (0.04 s of CPU at every start). An https:// server still gets a client
 * that speaks TLS ({@code ModelClientTest.tlsAgainstAPlainHttpServerReachedNoServer} sees its handshake).
 */
@Timeout(120)
class PlainHttpClientTest {
    private static final String OK_BODY = """
            {"id":"x","model":"m","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}""";

    @StartStop
    public final MockWebServer server = new MockWebServer();

    @Test
    void anHttpServersClientHasNoTlsAndAnswers() throws Exception {
        server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            assertThat(client.http().connectionSpecs()).containsExactly(ConnectionSpec.CLEARTEXT);
            assertThat(client.http().x509TrustManager()).as("no trust store loaded").isNull();

            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
        }
    }

    @Test
    void anHttpsServersClientSpeaksTls() {
        try (ModelClient client = new ModelClient(ClientSettings.of("https://127.0.0.1:1/v1"))) {
            assertThat(client.http().connectionSpecs()).anyMatch(ConnectionSpec::isTls);
            assertThat(client.http().x509TrustManager()).isNotNull();
        }
    }

    @Test
    void aRedirectToHttpsIsReportedAsTheRedirect() {
        server.enqueue(new MockResponse.Builder().code(308)
                .setHeader("Location", "https://127.0.0.1:1/v1/chat/completions").build());
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));

            assertThat(f.status()).isEqualTo(308);
            assertThat(f.reachedServer()).isTrue();
        }
        assertThat(List.of(server.getRequestCount())).containsExactly(1);
    }
}
