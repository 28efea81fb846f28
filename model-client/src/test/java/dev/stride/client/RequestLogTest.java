package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same lines from both transports: the lean one of plain http:// ({@code okHttp} false) and OkHttp. */
class RequestLogTest {
    private static final String OK = "{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}";

    @StartStop
    public final MockWebServer server = new MockWebServer();

    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void everyRequestAndResponseIsALineAndTheKeyNeverShows(boolean okHttp) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        server.enqueue(new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(OK)
                .build());
        server.enqueue(new MockResponse.Builder().code(401).setHeader("Content-Type", "application/json")
                .body("{\"error\":{\"message\":\"bad key sk-secret-9\"}}").build());
        ClientSettings settings = ClientSettings.of(server.url("/v1").toString()).withApiKey("sk-secret-9")
                .withHttpLog(lines::add);
        try (ModelClient client = okHttp ? ModelClient.throughOkHttp(settings) : new ModelClient(settings)) {
            assertThat(client.plain() == null).isEqualTo(okHttp);
            client.complete(PromptRequest.of(Api.OPENAI_CHAT, "m", null, "hello"));
            assertThatThrownBy(() -> client.complete(PromptRequest.of(Api.OPENAI_CHAT, "m", null, "hello")))
                    .isInstanceOf(CallFailure.class);
        }
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("http -> POST " + server.url("/v1/chat/completions"));
        assertThat(lines.get(1)).startsWith("http <- 200 " + server.url("/v1/chat/completions"))
                .contains(" ms (" + OK.length() + " bytes)");
        assertThat(lines.get(3)).startsWith("http <- 401 ");
        assertThat(String.join("\n", lines)).doesNotContain("sk-secret-9").doesNotContain("Authorization");
        assertThat(settings.toString()).contains("httpLog=on").doesNotContain("sk-secret-9");
    }
}
