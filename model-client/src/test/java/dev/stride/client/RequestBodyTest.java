package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link ModelClient#complete(PromptRequest)} sends, for each {@link Api}. */
@Timeout(120)
class RequestBodyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT_OK = """
            {"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}""";
    private static final String COMPLETION_OK = """
            {"choices":[{"text":"ok","finish_reason":"stop"}]}""";
    private static final String OLLAMA_OK = """
            {"model":"m","message":{"role":"assistant","content":"ok"},"done":true}""";

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private ModelClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
    }

    private static Sampling everything() throws Exception {
        return Sampling.none().withMaxTokens(64).withTemperature(0.2).withTopP(0.9).withSeed(42L)
                .withStop(List.of("\n\n", "END"))
                .withExtra("guided_json", JSON.readTree("{\"type\":\"object\"}"))
                .withExtra("repetition_penalty", JSON.readTree("1.1"));
    }

    private RecordedRequest send(String base, PromptRequest request, String answer) throws Exception {
        server.enqueue(Fixtures.response(200, "application/json", answer));
        client = new ModelClient(Fixtures.fastSettings(server).withBaseUrl(base));
        client.complete(request);
        return server.takeRequest(60, TimeUnit.SECONDS);
    }

    private static JsonNode body(RecordedRequest r) throws Exception {
        return JSON.readTree(r.getBody().utf8());
    }

    @Test
    void chatWithEverySamplingFieldAndExtras() throws Exception {
        PromptRequest request = new PromptRequest(Api.OPENAI_CHAT, "llama", "Be brief.", "Hi", everything(), false, false);

        RecordedRequest r = send(server.url("/v1").toString(), request, CHAT_OK);

        assertThat(r.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        JsonNode body = body(r);
        assertThat(body.fieldNames()).toIterable().containsExactly("model", "messages", "max_tokens", "temperature",
                "top_p", "seed", "stop", "stream", "guided_json", "repetition_penalty");
        assertThat(body.path("messages").toString()).isEqualTo(
                "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]");
        assertThat(body.path("max_tokens").intValue()).isEqualTo(64);
        assertThat(body.path("temperature").doubleValue()).isEqualTo(0.2);
        assertThat(body.path("top_p").doubleValue()).isEqualTo(0.9);
        assertThat(body.path("seed").longValue()).isEqualTo(42L);
        assertThat(body.path("stop").toString()).isEqualTo("[\"\\n\\n\",\"END\"]");
        assertThat(body.path("stream").booleanValue()).isFalse();
        assertThat(body.path("guided_json").toString()).isEqualTo("{\"type\":\"object\"}");
        assertThat(body.path("repetition_penalty").doubleValue()).isEqualTo(1.1);
    }

    @Test
    void chatWithNothingSetSendsOnlyModelMessagesAndStream() throws Exception {
        RecordedRequest r = send(server.url("/v1").toString(), Fixtures.prompt(Api.OPENAI_CHAT), CHAT_OK);

        assertThat(body(r).fieldNames()).toIterable().containsExactly("model", "messages", "stream");
        assertThat(body(r).path("messages")).hasSize(1);
        assertThat(r.getHeaders().get("Accept")).isEqualTo("application/json");
    }

    @Test
    void streamingChatAsksForUsage() throws Exception {
        server.enqueue(Fixtures.sse(Fixtures.read("openai_chat_stream.sse")));
        client = new ModelClient(Fixtures.fastSettings(server));

        client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true));

        RecordedRequest r = server.takeRequest(60, TimeUnit.SECONDS);
        assertThat(body(r).path("stream").booleanValue()).isTrue();
        assertThat(body(r).path("stream_options").toString()).isEqualTo("{\"include_usage\":true}");
        assertThat(r.getHeaders().get("Accept")).isEqualTo("text/event-stream");
    }

    @Test
    void completionsJoinSystemAndUserIntoThePrompt() throws Exception {
        PromptRequest request = new PromptRequest(Api.OPENAI_COMPLETIONS, "base", "You are terse.", "Q: 2+2?\nA:",
                everything(), false, false);

        RecordedRequest r = send(server.url("/v1/").toString(), request, COMPLETION_OK);

        assertThat(r.getUrl().encodedPath()).isEqualTo("/v1/completions");
        JsonNode body = body(r);
        assertThat(body.has("messages")).isFalse();
        assertThat(body.path("prompt").asText()).isEqualTo("You are terse.\n\nQ: 2+2?\nA:");
        assertThat(body.fieldNames()).toIterable().containsExactly("model", "prompt", "max_tokens", "temperature",
                "top_p", "seed", "stop", "stream", "guided_json", "repetition_penalty");
    }

    @Test
    void completionsWithoutSystemSendTheUserTextAlone() throws Exception {
        server.enqueue(Fixtures.sse("data: {\"choices\":[{\"text\":\"x\",\"finish_reason\":\"stop\"}]}\n\n"
                + "data: [DONE]\n\n"));
        client = new ModelClient(Fixtures.fastSettings(server));
        client.complete(Fixtures.prompt(Api.OPENAI_COMPLETIONS).withStream(true));
        RecordedRequest r = server.takeRequest(60, TimeUnit.SECONDS);

        assertThat(body(r).path("prompt").asText()).isEqualTo("Hello");
        assertThat(body(r).path("stream_options").path("include_usage").booleanValue()).isTrue();
    }

    @Test
    void ollamaPutsSamplingIntoOptionsAndExtrasAtTheTop() throws Exception {
        Sampling sampling = everything().withExtra("think", JSON.readTree("false"))
                .withExtra("options", JSON.readTree("{\"num_ctx\":8192,\"temperature\":0.5}"));
        PromptRequest request = new PromptRequest(Api.OLLAMA_CHAT, "llama3.2", "Be brief.", "Hi", sampling, false, false);

        // The /v1 of Ollama's OpenAI API is stripped: the native API lives at the root.
        RecordedRequest r = send(server.url("/v1").toString(), request, OLLAMA_OK);

        assertThat(r.getUrl().encodedPath()).isEqualTo("/api/chat");
        JsonNode body = body(r);
        assertThat(body.fieldNames()).toIterable().containsExactly("model", "messages", "stream", "options",
                "guided_json", "repetition_penalty", "think");
        assertThat(body.path("stream").booleanValue()).isFalse();
        assertThat(body.path("messages")).hasSize(2);
        JsonNode options = body.path("options");
        assertThat(options.fieldNames()).toIterable()
                .containsExactly("num_predict", "temperature", "top_p", "seed", "stop", "num_ctx");
        assertThat(options.path("num_predict").intValue()).isEqualTo(64);
        // The extra options were merged last, so they win.
        assertThat(options.path("temperature").doubleValue()).isEqualTo(0.5);
        assertThat(options.path("top_p").doubleValue()).isEqualTo(0.9);
        assertThat(options.path("seed").longValue()).isEqualTo(42L);
        assertThat(options.path("stop")).hasSize(2);
        assertThat(options.path("num_ctx").intValue()).isEqualTo(8192);
        assertThat(body.path("think").booleanValue()).isFalse();
    }

    @Test
    void ollamaAtItsRootWithNothingSetAndStreaming() throws Exception {
        server.enqueue(Fixtures.ndjson(OLLAMA_OK + "\n"));
        client = new ModelClient(Fixtures.fastSettings(server).withBaseUrl(server.url("/").toString()));

        client.complete(Fixtures.prompt(Api.OLLAMA_CHAT).withStream(true));

        RecordedRequest r = server.takeRequest(60, TimeUnit.SECONDS);
        assertThat(r.getUrl().encodedPath()).isEqualTo("/api/chat");
        assertThat(body(r).fieldNames()).toIterable().containsExactly("model", "messages", "stream");
        assertThat(body(r).path("stream").booleanValue()).isTrue();
        assertThat(r.getHeaders().get("Accept")).isEqualTo("application/x-ndjson");
    }

    @Test
    void extraParametersOverrideWhatTheClientWrote() throws Exception {
        Sampling sampling = Sampling.none().withMaxTokens(10).withExtra("max_tokens", IntNode.valueOf(20));

        RecordedRequest r = send(server.url("/v1").toString(),
                Fixtures.prompt(Api.OPENAI_CHAT).withSampling(sampling), CHAT_OK);

        assertThat(body(r).path("max_tokens").intValue()).isEqualTo(20);
    }

    @Test
    void chatRequestStillDelegatesToTheSameTransport() throws Exception {
        server.enqueue(Fixtures.response(200, "application/json", CHAT_OK));
        client = new ModelClient(Fixtures.fastSettings(server));

        ChatResult result = client.chat(Fixtures.hello());

        assertThat(result.content()).isEqualTo("ok");
        assertThat(result.server()).isEqualTo(client.settings().baseUrl());
        assertThat(result.rawBody()).isNull();
    }

    @Test
    void extraParametersFromTheCommandLine() {
        Map.Entry<String, JsonNode> e = Sampling.parseExtra("guided_json={\"type\": \"object\"}");
        assertThat(e.getKey()).isEqualTo("guided_json");
        assertThat(e.getValue().toString()).isEqualTo("{\"type\":\"object\"}");
        assertThat(Sampling.parseExtra("repetition_penalty=1.1").getValue().doubleValue()).isEqualTo(1.1);
        assertThat(Sampling.parseExtra("guided_choice=[\"a\",\"b\"]").getValue()).hasSize(2);
        assertThat(Sampling.parseExtra("stop_token_ids=[1, 2]").getValue()).hasSize(2);

        assertThatThrownBy(() -> Sampling.parseExtra("mode=fast"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON")
                .hasMessageContaining("mode=\"text\"");
        assertThatThrownBy(() -> Sampling.parseExtra("n=1 2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.parseExtra("=1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.parseExtra("novalue")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.parseExtra("k=")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void samplingAndPromptRequestRejectNonsense() {
        assertThatThrownBy(() -> Sampling.none().withMaxTokens(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.none().withExtra("stream", IntNode.valueOf(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PromptRequest.stream");
        assertThatThrownBy(() -> PromptRequest.of(Api.OPENAI_CHAT, " ", null, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new PromptRequest(Api.OPENAI_CHAT, "m", null, "x", null, false, false).sampling())
                .isEqualTo(Sampling.none());
        assertThat(Sampling.none().stop()).isEmpty();
        assertThat(Sampling.none().extra()).isEmpty();
    }

    @Test
    void ollamaRootDropsOnlyATrailingV1() {
        assertThat(BaseUrl.parse("http://h:11434/v1").endpoint("/api/chat", true))
                .hasToString("http://h:11434/api/chat");
        assertThat(BaseUrl.parse("http://h:11434").endpoint("/api/chat", true))
                .hasToString("http://h:11434/api/chat");
        assertThat(BaseUrl.parse("http://proxy/ollama").endpoint("/api/chat", true))
                .hasToString("http://proxy/ollama/api/chat");
    }

    @Test
    void messagesAreSentAsTheyAreWithTheSystemFirstOnlyWhenTheyHaveNone() throws Exception {
        var messages = (com.fasterxml.jackson.databind.node.ArrayNode) JSON.readTree(
                "[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello\"},"
                        + "{\"role\":\"user\",\"content\":\"Bye?\"}]");
        PromptRequest request = PromptRequest.of(Api.OPENAI_CHAT, "m", "Be brief.", "ignored").withMessages(messages);
        JsonNode sent = body(send(server.url("/v1").toString(), request, CHAT_OK)).path("messages");
        assertThat(sent).hasSize(4);
        assertThat(sent.get(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.get(3).path("content").asText()).isEqualTo("Bye?");

        var withOwn = (com.fasterxml.jackson.databind.node.ArrayNode) JSON.readTree(
                "[{\"role\":\"system\",\"content\":\"Mine.\"},{\"role\":\"user\",\"content\":\"Hi\"}]");
        client.close();
        JsonNode own = body(send(server.url("/v1").toString(),
                PromptRequest.of(Api.OPENAI_CHAT, "m", "Be brief.", "x").withMessages(withOwn), CHAT_OK));
        assertThat(own.path("messages")).isEqualTo(withOwn);
        assertThatThrownBy(() -> PromptRequest.of(Api.OPENAI_COMPLETIONS, "m", null, "x").withMessages(withOwn))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chat");
    }

    @Test
    void aPrebuiltBodyIsSentAsItIsToItsEndpointButWithTheRunsModel() throws Exception {
        var batchBody = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"2+2?\"}],"
                        + "\"max_completion_tokens\":1000}");
        PromptRequest request = PromptRequest.of(Api.OPENAI_CHAT, "run-model", "ignored system", "")
                .withSampling(everything()).withBody(Api.OPENAI_CHAT, batchBody);
        RecordedRequest r = send(server.url("/v1").toString(), request, CHAT_OK);
        assertThat(r.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(body(r)).isEqualTo(batchBody.deepCopy().put("model", "run-model"));
        assertThat(batchBody.get("model").asText()).as("the record's body, unchanged").isEqualTo("gpt-4o-mini");

        var noModel = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree("{\"prompt\":\"Say this\"}");
        client.close();
        RecordedRequest c = send(server.url("/v1").toString(),
                PromptRequest.of(Api.OPENAI_CHAT, "run-model", null, "").withBody(Api.OPENAI_COMPLETIONS, noModel),
                COMPLETION_OK);
        assertThat(c.getUrl().encodedPath()).isEqualTo("/v1/completions");
        assertThat(body(c).toString()).isEqualTo("{\"prompt\":\"Say this\",\"model\":\"run-model\"}");
    }
}
