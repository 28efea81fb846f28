package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each recorded stream, served chunked as it was sent, accumulates into the right result. */
@Timeout(120)
class StreamFixturesTest extends ServedClientTest {

    private ChatResult streamChat(String sse) throws CallFailure {
        server.enqueue(Fixtures.sse(sse));
        return client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true));
    }

    @Test
    void plainTextWithTheUsageChunk() throws Exception {
        ChatResult r = streamChat(Fixtures.read("openai_chat_stream.sse"));
        assertThat(r.id()).isEqualTo("chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL");
        assertThat(r.model()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(r.content()).isEqualTo("I'm unable to provide real-time weather updates. To get the current weather "
                + "in San Francisco, I recommend checking a reliable weather website or a weather app.");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.promptTokens()).isEqualTo(14);
        assertThat(r.completionTokens()).isEqualTo(30);
        assertThat(r.refusal()).isNull();
        assertThat(r.reasoning()).isNull();
        assertThat(r.toolCallsJson()).isNull();
        assertThat(r.rawBody()).isNull();
        assertThat(r.server()).isEqualTo(client.settings().baseUrl());
    }

    @Test
    void lengthFinishIsKept() throws Exception {
        ChatResult r = streamChat(Fixtures.read("openai_chat_stream_length.sse"));
        assertThat(r.content()).isEqualTo("{\"");
        assertThat(r.finishReason()).isEqualTo("length");
        assertThat(r.promptTokens()).isEqualTo(79);
        assertThat(r.completionTokens()).isEqualTo(1);
    }

    @Test
    void logprobsAreIgnored() throws Exception {
        ChatResult r = streamChat(Fixtures.read("openai_chat_stream_logprobs.sse"));
        assertThat(r.content()).isEqualTo("Foo!");
        assertThat(r.completionTokens()).isEqualTo(2);
    }

    @Test
    void refusalAccumulatesAndContentStaysNull() throws Exception {
        ChatResult r = streamChat(Fixtures.read("openai_chat_stream_refusal.sse"));
        assertThat(r.content()).isNull();
        assertThat(r.refusal()).isEqualTo("I'm sorry, I can't assist with that request.");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.completionTokens()).isEqualTo(11);
    }

    @Test
    void toolCallArgumentsAreConcatenated() throws Exception {
        ChatResult r = streamChat(Fixtures.read("openai_chat_stream_tool_calls.sse"));
        assertThat(r.content()).isNull();
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.toolCallsJson()).isEqualTo("[{\"id\":\"call_CTf1nWJLqSeRgDqaCG27xZ74\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"San Francisco\\\","
                + "\\\"state\\\":\\\"CA\\\"}\"}}]");
        assertThat(r.promptTokens()).isEqualTo(48);
    }

    @Test
    void parallelToolCallsAreMergedByIndex() throws Exception {
        ChatResult r = streamChat(Fixtures.read("openai_chat_stream_parallel_tool_calls.sse"));
        JsonNode calls = new ObjectMapper().readTree(r.toolCallsJson());
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).path("id").asText()).isEqualTo("call_JMW1whyEaYG438VE1OIflxA2");
        assertThat(calls.get(0).path("function").path("name").asText()).isEqualTo("GetWeatherArgs");
        assertThat(calls.get(0).path("function").path("arguments").asText())
                .isEqualTo("{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}");
        assertThat(calls.get(1).path("id").asText()).isEqualTo("call_DNYTawLBoN8fj3KN6qU9N1Ou");
        assertThat(calls.get(1).path("function").path("name").asText()).isEqualTo("get_stock_price");
        assertThat(calls.get(1).path("function").path("arguments").asText())
                .isEqualTo("{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}");
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.completionTokens()).isEqualTo(60);
    }

    @Test
    void withThreeChoicesOnlyChoiceZeroIsRead() throws Exception {
        ChatResult r = streamChat(Fixtures.read("openai_chat_stream_n3.sse"));
        // Choices 1 and 2 interleave with 0 and say the same; concatenating them would triple every token.
        assertThat(r.content()).isEqualTo("{\"city\":\"San Francisco\",\"temperature\":65,\"units\":\"f\"}");
        assertThat(r.finishReason()).isEqualTo("stop");
        // Usage covers all three choices: that is what the server billed.
        assertThat(r.completionTokens()).isEqualTo(42);
    }

    @Test
    void tgiChunksWithEmptyIdsAndAUsageChunk() throws Exception {
        ChatResult r = streamChat(Fixtures.chunksAsSse(Fixtures.read("tgi_chat_stream_chunks_usage.json")));
        assertThat(r.id()).isNull();
        assertThat(r.model()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(r.content()).isEqualTo("OK!");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.promptTokens()).isEqualTo(39);
        assertThat(r.completionTokens()).isEqualTo(3);
    }

    @Test
    void tgiToolCallRepeatsItsIdAndNullsTheName() throws Exception {
        ChatResult r = streamChat(Fixtures.chunksAsSse(Fixtures.read("tgi_chat_stream_chunks_tool_calls.json")));
        JsonNode calls = new ObjectMapper().readTree(r.toolCallsJson());
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).path("id").asText()).isEqualTo("0");
        assertThat(calls.get(0).path("function").path("name").asText()).isEqualTo("get_current_weather");
        assertThat(calls.get(0).path("function").path("arguments").asText())
                .isEqualTo("{ \"location\": \"Brooklyn, NY\", \"format\": \"fahrenheit\"}");
        assertThat(r.content()).isNull();
        // This snapshot has no finish_reason in any chunk; the [DONE] alone ends it.
        assertThat(r.finishReason()).isNull();
    }

    @Test
    void llamaCppTimingsChunkIsReadOnceItsCommentsAreGone() throws Exception {
        // The documented llama.cpp final chunk is JSONC; without its comments it is a choices-less chunk with timings.
        String chunk = Fixtures.read("llamacpp_chat_timings_doc.jsonc").replaceAll("//[^\n]*", "");
        String compact = new ObjectMapper().readTree(chunk).toString();
        ChatResult r = streamChat("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
                + "\"finish_reason\":\"stop\"}]}\n\ndata: " + compact + "\n\ndata: [DONE]\n\n");
        assertThat(r.content()).isEqualTo("Hi");
        assertThat(r.id()).isEqualTo("x");
    }

    @Test
    void reasoningContentIsAccumulatedApart() throws Exception {
        // vLLM's reasoning parser shape (no citable capture; see SOURCES.md).
        ChatResult r = streamChat("""
                data: {"id":"c","model":"qwen3","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Let me"}}]}

                data: {"id":"c","model":"qwen3","choices":[{"index":0,"delta":{"reasoning_content":" think."}}]}

                data: {"id":"c","model":"qwen3","choices":[{"index":0,"delta":{"content":"42"}}]}

                data: {"id":"c","model":"qwen3","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

                data: [DONE]

                """);
        assertThat(r.reasoning()).isEqualTo("Let me think.");
        assertThat(r.content()).isEqualTo("42");
    }

    @Test
    void commentsMultiLineDataAndCrLfAreSse() throws Exception {
        ChatResult r = streamChat(": keep-alive\r\n\r\nevent: message\r\ndata: {\"choices\":[{\"index\":0,\r\n"
                + "data: \"delta\":{\"content\":\"a\"}}]}\r\n\r\n"
                + "data:{\"choices\":[{\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}]}\r\n\r\n"
                + "data: [DONE]\r\n\r\n");
        assertThat(r.content()).isEqualTo("ab");
        assertThat(r.finishReason()).isEqualTo("stop");
    }

    @Test
    void aServerThatIgnoresStreamTrueAndAnswersJsonIsReadAsJson() throws Exception {
        server.enqueue(Fixtures.response(200, "application/json", Fixtures.read("openai_chat_response.json")));
        ChatResult r = client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true));
        assertThat(r.content()).startsWith("Spaghetti is a type of pasta");
    }

    // --- completions ---

    @Test
    void completionsStreamOfTextDeltas() throws Exception {
        // Hand-written from the documented chunk shape (the documented example itself is invalid JSON, below).
        server.enqueue(Fixtures.sse("""
                data: {"id":"cmpl-1","object":"text_completion","model":"gpt-3.5-turbo-instruct","choices":[{"text":"This","index":0,"logprobs":null,"finish_reason":null}]}

                data: {"id":"cmpl-1","object":"text_completion","model":"gpt-3.5-turbo-instruct","choices":[{"text":" is a test","index":0,"logprobs":null,"finish_reason":"length"}]}

                data: {"id":"cmpl-1","object":"text_completion","model":"gpt-3.5-turbo-instruct","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":4,"total_tokens":9}}

                data: [DONE]

                """));
        ChatResult r = client.complete(Fixtures.prompt(Api.OPENAI_COMPLETIONS).withStream(true));
        assertThat(r.id()).isEqualTo("cmpl-1");
        assertThat(r.content()).isEqualTo("This is a test");
        assertThat(r.finishReason()).isEqualTo("length");
        assertThat(r.promptTokens()).isEqualTo(5);
        assertThat(r.completionTokens()).isEqualTo(4);
    }

    @Test
    void completionsResponseDocumentation() throws Exception {
        server.enqueue(Fixtures.response(200, "application/json", Fixtures.read("openai_completions_response_doc.json")));
        ChatResult r = client.complete(Fixtures.prompt(Api.OPENAI_COMPLETIONS));
        assertThat(r.id()).isEqualTo("cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7");
        assertThat(r.model()).isEqualTo("VAR_completion_model_id");
        assertThat(r.content()).isEqualTo("\n\nThis is indeed a test");
        assertThat(r.finishReason()).isEqualTo("length");
        assertThat(r.promptTokens()).isEqualTo(5);
        assertThat(r.completionTokens()).isEqualTo(7);
    }

    // --- Ollama NDJSON ---

    @Test
    void ollamaStreamAccumulatesUntilDone() throws Exception {
        server.enqueue(Fixtures.ndjson(Fixtures.read("ollama_generate_stream.ndjson")));
        ChatResult r = client.complete(Fixtures.prompt(Api.OLLAMA_CHAT).withStream(true));
        assertThat(r.content()).isEqualTo("That's a fantastic question!");
        assertThat(r.model()).isEqualTo("gemma4");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.id()).isNull();
        // The documented final line carries no counts.
        assertThat(r.promptTokens()).isNull();
        assertThat(r.completionTokens()).isNull();
    }

    @Test
    void ollamaChatStreamWithThinkingToolCallsAndCounts() throws Exception {
        // The /api/chat shape of docs/api.md (message.content, message.thinking, tool_calls on a chunk of their own).
        server.enqueue(Fixtures.ndjson("""
                {"model":"qwen3","created_at":"t","message":{"role":"assistant","content":"","thinking":"Hmm"},"done":false}
                {"model":"qwen3","created_at":"t","message":{"role":"assistant","content":"","thinking":", weather."},"done":false}
                {"model":"qwen3","created_at":"t","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Tokyo"}}}]},"done":false}
                {"model":"qwen3","created_at":"t","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":169,"eval_count":18}
                """));
        ChatResult r = client.complete(Fixtures.prompt(Api.OLLAMA_CHAT).withStream(true));
        assertThat(r.reasoning()).isEqualTo("Hmm, weather.");
        assertThat(r.content()).isEmpty();
        assertThat(r.toolCallsJson()).isEqualTo("[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Tokyo\"}}}]");
        assertThat(r.finishReason()).isEqualTo("stop");
        assertThat(r.promptTokens()).isEqualTo(169);
        assertThat(r.completionTokens()).isEqualTo(18);
    }
}
