package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whole (unstreamed) Ollama answers, and bodies from other endpoints that must not pass as answers. */
@Timeout(120)
class OllamaAndOtherBodiesTest extends ServedClientTest {

    private ChatResult ollama(String fixture) throws CallFailure {
        server.enqueue(Fixtures.response(200, "application/json; charset=utf-8", Fixtures.read(fixture)));
        return client.complete(Fixtures.prompt(Api.OLLAMA_CHAT));
    }

    @Test
    void ollamaChat() throws Exception {
        ChatResult r = ollama("ollama_chat_response.json");
        assertThat(r.model()).isEqualTo("llama3.2");
        assertThat(r.content()).isEqualTo("Hello! How are you today?");
        assertThat(r.promptTokens()).isEqualTo(26);
        assertThat(r.completionTokens()).isEqualTo(298);
        assertThat(r.finishReason()).isNull();
        assertThat(r.id()).isNull();
    }

    @Test
    void ollamaToolCallKeepsArgumentsAsAnObject() throws Exception {
        ChatResult r = ollama("ollama_chat_response_tool_calls.json");
        assertThat(r.content()).isEmpty();
        assertThat(r.toolCallsJson())
                .isEqualTo("[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Tokyo\"}}}]");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.promptTokens()).isEqualTo(169);
        assertThat(r.completionTokens()).isEqualTo(18);
    }

    @Test
    void ollamaGenerateShapeIsReadToo() throws Exception {
        ChatResult r = ollama("ollama_generate_response.json");
        assertThat(r.content()).isEqualTo("The sky is blue because it is the color of the sky.");
        assertThat(r.completionTokens()).isEqualTo(290);

        ChatResult usage = ollama("ollama_generate_response_usage_doc.json");
        assertThat(usage.model()).isEqualTo("gemma4");
        assertThat(usage.content()).isEqualTo("Hello! How can I help you today?");
        assertThat(usage.finishReason()).isEqualTo("stop");
        assertThat(usage.promptTokens()).isEqualTo(11);
        assertThat(usage.completionTokens()).isEqualTo(18);
    }

    @Test
    void ollamaErrorIn200IsMalformedWithItsMessage() {
        server.enqueue(Fixtures.response(200, "application/json", Fixtures.read("ollama_error.json")));
        CallFailure f = catchThrowableOfType(CallFailure.class,
                () -> client.complete(Fixtures.prompt(Api.OLLAMA_CHAT)));
        assertThat(f.kind()).isEqualTo(CallFailure.Kind.MALFORMED_RESPONSE);
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
        assertThat(f.serverMessage()).isEqualTo("the model failed to generate a response");
    }

    @Test
    void ollamaErrorStatusThroughTheNativeApi() {
        server.enqueue(Fixtures.response(500, "application/json", Fixtures.read("ollama_error.json")));
        CallFailure f = catchThrowableOfType(CallFailure.class,
                () -> client.complete(Fixtures.prompt(Api.OLLAMA_CHAT).withStream(true)));
        assertThat(f.kind()).isEqualTo(CallFailure.Kind.HTTP_STATUS);
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
        assertThat(f.serverMessage()).isEqualTo("the model failed to generate a response");
        assertThat(f.server()).isEqualTo(client.settings().baseUrl());
    }

    // Other endpoints' 200 bodies, served where an answer belongs: each is MALFORMED_RESPONSE, never an answer.
    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource(delimiter = '|', value = {
            "llamacpp_health_200.json             | OPENAI_CHAT        | no choices",
            "llamacpp_models_response.json        | OPENAI_CHAT        | no choices",
            "vllm_models_response.json            | OPENAI_COMPLETIONS | no choices",
            "llamacpp_models_response.json        | OLLAMA_CHAT        | no message",
            // JSONC: comments are not JSON, so the documented llama.cpp example is refused as it stands.
            "llamacpp_chat_timings_doc.jsonc      | OPENAI_CHAT        | not JSON or truncated",
            "openai_chat_response.json            | OPENAI_COMPLETIONS | first choice has no text",
            "openai_completions_response_doc.json | OPENAI_CHAT        | first choice has no message",
            "openai_completions_stream_chunk_doc_INVALID_JSON.txt | OPENAI_COMPLETIONS | not JSON or truncated",
    })
    void notAnAnswer(String fixture, Api api, String expected) {
        server.enqueue(Fixtures.response(200, "application/json", Fixtures.read(fixture)));
        CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.complete(Fixtures.prompt(api)));
        assertThat(f.kind()).isEqualTo(CallFailure.Kind.MALFORMED_RESPONSE);
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
        assertThat(f.getMessage()).contains(expected).doesNotContain("\n");
    }

    @Test
    void recordedHeadersOfTheRecordedAnswerDoNotDisturbIt() throws Exception {
        int status = Fixtures.recordedStatus("openai_chat_response.headers.txt");
        String contentType = Fixtures.recordedContentType("openai_chat_response.headers.txt");
        server.enqueue(Fixtures.response(status, contentType, Fixtures.read("openai_chat_response.json")));
        ChatResult r = client.complete(Fixtures.prompt(Api.OPENAI_CHAT));
        assertThat(status).isEqualTo(200);
        assertThat(r.id()).isEqualTo("chatcmpl-AnluhwzElSXZNPV1nQQWaizUdvotp");
    }
}
