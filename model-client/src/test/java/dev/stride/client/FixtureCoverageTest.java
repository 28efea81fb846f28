package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every file in src/test/resources/fixtures is a response some test serves, or is listed here as not one. */
class FixtureCoverageTest {

    /** Where each response fixture is served and checked. */
    private static final Map<String, String> SERVED_BY = Map.ofEntries(
            Map.entry("openai_chat_response.json", "ChatResponseFixturesTest"),
            Map.entry("openai_chat_response.headers.txt", "OllamaAndOtherBodiesTest"),
            Map.entry("openai_chat_response_doc.json", "ChatResponseFixturesTest"),
            Map.entry("openai_chat_response_length.json", "ChatResponseFixturesTest"),
            Map.entry("openai_chat_response_logprobs_doc.json", "ChatResponseFixturesTest"),
            Map.entry("openai_chat_response_refusal.json", "ChatResponseFixturesTest"),
            Map.entry("openai_chat_response_tool_calls.json", "ChatResponseFixturesTest"),
            Map.entry("openai_chat_response_tool_calls_doc.json", "ChatResponseFixturesTest"),
            Map.entry("openai_chat_stream.sse", "StreamFixturesTest"),
            Map.entry("openai_chat_stream_length.sse", "StreamFixturesTest"),
            Map.entry("openai_chat_stream_logprobs.sse", "StreamFixturesTest"),
            Map.entry("openai_chat_stream_n3.sse", "StreamFixturesTest"),
            Map.entry("openai_chat_stream_parallel_tool_calls.sse", "StreamFixturesTest, StreamFailuresTest"),
            Map.entry("openai_chat_stream_refusal.sse", "StreamFixturesTest"),
            Map.entry("openai_chat_stream_tool_calls.sse", "StreamFixturesTest"),
            Map.entry("openai_completions_response_doc.json", "StreamFixturesTest"),
            Map.entry("openai_completions_stream_chunk_doc_INVALID_JSON.txt", "StreamFailuresTest"),
            Map.entry("openai_error_400_empty_messages.json", "ErrorFixturesTest"),
            Map.entry("openai_error_400_empty_messages.headers.txt", "ErrorFixturesTest"),
            Map.entry("openai_error_401_invalid_api_key.json", "ErrorFixturesTest"),
            Map.entry("openai_error_401_invalid_api_key.headers.txt", "ErrorFixturesTest"),
            Map.entry("openai_error_404_invalid_url.json", "ErrorFixturesTest"),
            Map.entry("openai_error_404_invalid_url.headers.txt", "ErrorFixturesTest"),
            Map.entry("ollama_chat_response.json", "OllamaAndOtherBodiesTest"),
            Map.entry("ollama_chat_response_tool_calls.json", "OllamaAndOtherBodiesTest"),
            Map.entry("ollama_error.json", "ErrorFixturesTest, OllamaAndOtherBodiesTest"),
            Map.entry("ollama_generate_response.json", "OllamaAndOtherBodiesTest"),
            Map.entry("ollama_generate_response_usage_doc.json", "OllamaAndOtherBodiesTest"),
            Map.entry("ollama_generate_stream.ndjson", "StreamFixturesTest, StreamFailuresTest"),
            Map.entry("ollama_generate_stream_midstream_error.ndjson", "StreamFailuresTest"),
            Map.entry("tgi_chat_response.json", "ChatResponseFixturesTest"),
            Map.entry("tgi_chat_response_tool_calls.json", "ChatResponseFixturesTest"),
            Map.entry("tgi_chat_response_tool_calls_legacy_v1.4.json", "ChatResponseFixturesTest"),
            Map.entry("tgi_chat_stream_chunks_usage.json", "StreamFixturesTest"),
            Map.entry("tgi_chat_stream_chunks_tool_calls.json", "StreamFixturesTest"),
            Map.entry("tgi_error_overloaded_doc.json", "ErrorFixturesTest"),
            Map.entry("tgi_error_validation_doc.json", "ErrorFixturesTest"),
            Map.entry("llamacpp_error_400_grammar.json", "ErrorFixturesTest"),
            Map.entry("llamacpp_error_501_not_supported.json", "ErrorFixturesTest"),
            Map.entry("llamacpp_health_200.json", "OllamaAndOtherBodiesTest"),
            Map.entry("llamacpp_models_response.json", "OllamaAndOtherBodiesTest"),
            Map.entry("llamacpp_chat_timings_doc.jsonc", "OllamaAndOtherBodiesTest, StreamFixturesTest"),
            Map.entry("vllm_models_response.json", "ChatResponseFixturesTest, OllamaAndOtherBodiesTest"),
            Map.entry("proxy_nginx_502.html", "ErrorFixturesTest"),
            Map.entry("proxy_nginx_504.html", "ErrorFixturesTest"));

    /** Not responses: kept for RetryAfterTest's reference table, or provenance. */
    private static final Set<String> NOT_RESPONSES = Set.of(
            "SOURCES.md", "openai_python_retry_after_test_vectors.py.txt");

    @Test
    void everyFixtureIsServedSomewhere() throws URISyntaxException {
        File dir = new File(FixtureCoverageTest.class.getResource("/fixtures").toURI());
        Set<String> present = new TreeSet<>(Arrays.asList(dir.list()));
        Set<String> accounted = new TreeSet<>(SERVED_BY.keySet());
        accounted.addAll(NOT_RESPONSES);

        assertThat(present).containsExactlyInAnyOrderElementsOf(accounted);
    }
}
