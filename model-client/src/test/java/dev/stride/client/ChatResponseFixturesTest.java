package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each recorded chat-completions body, served over real HTTP, gives the right result. */
@Timeout(120)
class ChatResponseFixturesTest extends ServedClientTest {

    private ChatResult serve(String fixture) throws CallFailure {
        server.enqueue(Fixtures.response(200, "application/json", Fixtures.read(fixture)));
        return client.chat(Fixtures.hello());
    }

    @Test
    void openAiRecordedAnswer() throws Exception {
        ChatResult r = serve("openai_chat_response.json");
        assertThat(r.id()).isEqualTo("chatcmpl-AnluhwzElSXZNPV1nQQWaizUdvotp");
        assertThat(r.model()).isEqualTo("gpt-3.5-turbo-0125");
        assertThat(r.content()).startsWith("Spaghetti is a type of pasta").endsWith("meatballs or vegetables.");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.promptTokens()).isEqualTo(10);
        assertThat(r.completionTokens()).isEqualTo(94);
        assertThat(r.refusal()).isNull();
        assertThat(r.reasoning()).isNull();
        assertThat(r.toolCallsJson()).isNull();
        assertThat(r.latency()).isPositive();
    }

    @Test
    void openAiCutOffByMaxTokens() throws Exception {
        ChatResult r = serve("openai_chat_response_length.json");
        assertThat(r.content()).isEqualTo("{\"");
        assertThat(r.finishReason()).isEqualTo("length");
        assertThat(r.promptTokens()).isEqualTo(79);
        assertThat(r.completionTokens()).isEqualTo(1);
    }

    @Test
    void openAiRefusalHasNoContent() throws Exception {
        ChatResult r = serve("openai_chat_response_refusal.json");
        assertThat(r.content()).isNull();
        assertThat(r.refusal()).isEqualTo("I'm very sorry, but I can't assist with that.");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.completionTokens()).isEqualTo(12);
    }

    @Test
    void openAiToolCallKeepsArgumentsAsRawJson() throws Exception {
        ChatResult r = serve("openai_chat_response_tool_calls.json");
        assertThat(r.content()).isNull();
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.toolCallsJson())
                .contains("\"name\":\"GetWeatherArgs\"")
                .contains("call_Y6qJ7ofLgOrBnMD5WbVAeiRV");
        assertThat(r.promptTokens()).isEqualTo(76);
        assertThat(r.completionTokens()).isEqualTo(24);
    }

    @Test
    void openAiDocumentationExample() throws Exception {
        ChatResult r = serve("openai_chat_response_doc.json");
        assertThat(r.content()).isEqualTo("Hello! How can I assist you today?");
        assertThat(r.model()).isEqualTo("gpt-5.4");
        assertThat(r.promptTokens()).isEqualTo(19);
        assertThat(r.completionTokens()).isEqualTo(10);
    }

    @Test
    void openAiLogprobsAreIgnored() throws Exception {
        ChatResult r = serve("openai_chat_response_logprobs_doc.json");
        assertThat(r.id()).isEqualTo("chatcmpl-123");
        assertThat(r.content()).isEqualTo("Hello! How can I assist you today?");
        assertThat(r.promptTokens()).isEqualTo(9);
        assertThat(r.completionTokens()).isEqualTo(9);
    }

    @Test
    void openAiDocumentedToolCall() throws Exception {
        ChatResult r = serve("openai_chat_response_tool_calls_doc.json");
        assertThat(r.content()).isNull();
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.toolCallsJson()).contains("get_current_weather");
        assertThat(r.completionTokens()).isEqualTo(17);
    }

    @Test
    void tgiEmptyIdBecomesNullAndUsageInsideChoiceIsIgnored() throws Exception {
        ChatResult r = serve("tgi_chat_response.json");
        assertThat(r.id()).isNull();
        assertThat(r.model()).isEqualTo("TinyLlama/TinyLlama-1.1B-Chat-v1.0");
        assertThat(r.content()).startsWith("As of your last question").endsWith("around 73°F or 23°C");
        assertThat(r.finishReason()).isEqualTo("length");
        assertThat(r.toolCallsJson()).isNull();
        assertThat(r.promptTokens()).isEqualTo(61);
        assertThat(r.completionTokens()).isEqualTo(100);
    }

    @Test
    void tgiToolCall() throws Exception {
        ChatResult r = serve("tgi_chat_response_tool_calls.json");
        assertThat(r.id()).isNull();
        assertThat(r.content()).isNull();
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.toolCallsJson()).contains("\"id\":\"0\"").contains("Brooklyn, NY");
        assertThat(r.promptTokens()).isEqualTo(501);
        assertThat(r.completionTokens()).isEqualTo(29);
    }

    @Test
    void tgiLegacyToolCallObjectIsKeptRaw() throws Exception {
        ChatResult r = serve("tgi_chat_response_tool_calls_legacy_v1.4.json");
        assertThat(r.finishReason()).isEqualTo("eos_token");
        assertThat(r.toolCallsJson()).startsWith("{").contains("\"parameters\"");
        assertThat(r.completionTokens()).isEqualTo(29);
    }

    @Test
    void vllmModelListIsNotAChatCompletion() {
        // The file is GET /v1/models output; served where a chat answer belongs it must not pass as one.
        server.enqueue(Fixtures.response(200, "application/json", Fixtures.read("vllm_models_response.json")));
        assertThatThrownBy(() -> client.chat(Fixtures.hello()))
                .isInstanceOfSatisfying(CallFailure.class, f -> {
                    assertThat(f.kind()).isEqualTo(CallFailure.Kind.MALFORMED_RESPONSE);
                    assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
                    assertThat(f.getMessage()).contains("no choices");
                });
    }

    @Test
    void vllmShapeWithReasoningStopReasonAndEmptyToolCalls() throws Exception {
        // Hand-written from vLLM's ChatCompletionResponse model (no citable capture exists; see SOURCES.md).
        String body = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"qwen3",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"42","reasoning_content":"think",
                   "tool_calls":[]},"logprobs":null,"finish_reason":"stop","stop_reason":null}],
                 "usage":{"prompt_tokens":5,"total_tokens":7,"completion_tokens":2},
                 "prompt_logprobs":null,"kv_transfer_params":null}""";
        server.enqueue(Fixtures.response(200, "application/json", body));
        ChatResult r = client.chat(Fixtures.hello());
        assertThat(r.content()).isEqualTo("42");
        assertThat(r.reasoning()).isEqualTo("think");
        assertThat(r.toolCallsJson()).isNull();
        assertThat(r.completionTokens()).isEqualTo(2);
    }

    @Test
    void newerReasoningFieldAndMissingUsage() throws Exception {
        String body = """
                {"choices":[{"message":{"content":"ok","reasoning":"because"},"finish_reason":"stop"}]}""";
        server.enqueue(Fixtures.response(200, "application/json", body));
        ChatResult r = client.chat(Fixtures.hello());
        assertThat(r.reasoning()).isEqualTo("because");
        assertThat(r.promptTokens()).isNull();
        assertThat(r.completionTokens()).isNull();
        assertThat(r.id()).isNull();
        assertThat(r.model()).isNull();
    }
}
