package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Streams that are not whole answers, and the raw bodies kept with {@code keepRaw}. */
@Timeout(120)
class StreamFailuresTest {

    private static final String KEY = "sk-secret-test-key-123";
    private static final String FIRST_CHUNK =
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half an\"}}]}\n\n";
    private static final String SECOND_CHUNK =
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" answer\"}}]}\n\n";

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private ModelClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
    }

    private CallFailure failure(MockResponse response, Api api) {
        server.enqueue(response);
        client = new ModelClient(Fixtures.fastSettings(server).withApiKey(KEY));
        return catchThrowableOfType(CallFailure.class, () -> client.complete(Fixtures.prompt(api).withStream(true)));
    }

    private static void assertRetryMalformed(CallFailure f, String message) {
        assertThat(f).as("a failure, not a shorter answer").isNotNull();
        assertThat(f.kind()).isEqualTo(CallFailure.Kind.MALFORMED_RESPONSE);
        assertThat(f.code()).isEqualTo("malformed_response");
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
        assertThat(f.status()).isEqualTo(200);
        assertThat(f.getMessage()).contains(message).doesNotContain("\n").doesNotContain(KEY);
    }

    // --- errors that arrive mid-stream ---

    @Test
    void openAiErrorObjectMidStream() {
        CallFailure f = failure(Fixtures.sse(FIRST_CHUNK + SECOND_CHUNK
                + "data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
                + "\"type\":\"server_error\"}}\n\ndata: [DONE]\n\n"), Api.OPENAI_CHAT);

        assertRetryMalformed(f, "error event mid-stream after 2 chunks: "
                + "The server had an error while processing your request.");
        assertThat(f.serverMessage()).isEqualTo("The server had an error while processing your request.");
        assertThat(f.server()).isEqualTo(client.settings().baseUrl());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // Older vLLM streams its ErrorResponse as is.
            "vLLM object:error | data: {\"object\":\"error\",\"message\":\"KV cache exhausted\",\"type\":\"InternalServerError\",\"code\":500} | KV cache exhausted",
            // TGI's flat shape.
            "TGI flat error    | data: {\"error\":\"Request failed during generation: CUDA OOM\",\"error_type\":\"generation\"} | Request failed during generation: CUDA OOM",
            // An SSE error event.
            "event: error      | event: error\\ndata: {\"message\":\"overloaded\"} | overloaded",
            // llama.cpp's non-standard field name.
            "llama.cpp error:  | error: {\"code\":500,\"message\":\"slot unavailable\",\"type\":\"server_error\"} | slot unavailable",
    })
    void otherDialectsOfMidStreamErrors(String name, String errorEvent, String message) {
        CallFailure f = failure(Fixtures.sse(FIRST_CHUNK + errorEvent.replace("\\n", "\n") + "\n\n"),
                Api.OPENAI_CHAT);

        assertRetryMalformed(f, "error event mid-stream after 1 chunks: " + message);
        assertThat(f.serverMessage()).isEqualTo(message);
    }

    @Test
    void ollamaErrorLineMidStream() {
        CallFailure f = failure(Fixtures.ndjson(Fixtures.read("ollama_generate_stream_midstream_error.ndjson")),
                Api.OLLAMA_CHAT);

        assertRetryMalformed(f, "error line mid-stream after 4 lines: an error was encountered while running the model");
    }

    @Test
    void aKeyEchoedInAMidStreamErrorIsMasked() {
        CallFailure f = failure(Fixtures.sse(FIRST_CHUNK
                + "data: {\"error\":{\"message\":\"bad key " + KEY + "\"}}\n\n"), Api.OPENAI_CHAT);

        assertThat(f.serverMessage()).isEqualTo("bad key ***");
        assertThat(f.getMessage()).doesNotContain(KEY);
    }

    // --- streams cut short or empty ---

    @Test
    void openAiStreamCutBeforeDone() {
        CallFailure f = failure(Fixtures.sse(FIRST_CHUNK + SECOND_CHUNK), Api.OPENAI_CHAT);

        assertRetryMalformed(f, "stream cut short: ended after 2 chunks without [DONE] or a finish_reason");
    }

    @Test
    void completionsStreamCutBeforeDone() {
        CallFailure f = failure(Fixtures.sse("data: {\"choices\":[{\"text\":\"Once\",\"index\":0}]}\n\n"),
                Api.OPENAI_COMPLETIONS);

        assertRetryMalformed(f, "stream cut short: ended after 1 chunks");
    }

    @Test
    void aFinishReasonWithoutDoneIsAWholeAnswer() throws Exception {
        // Some servers end the body without [DONE]; the finish_reason already said the answer is whole.
        server.enqueue(Fixtures.sse(FIRST_CHUNK
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"));
        client = new ModelClient(Fixtures.fastSettings(server));

        ChatResult r = client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true));

        assertThat(r.content()).isEqualTo("Half an");
        assertThat(r.finishReason()).isEqualTo("length");
    }

    @Test
    void ollamaStreamCutBeforeDoneTrue() {
        String whole = Fixtures.read("ollama_generate_stream.ndjson");
        String cut = whole.substring(0, whole.lastIndexOf("{\"model\""));

        CallFailure f = failure(Fixtures.ndjson(cut), Api.OLLAMA_CHAT);

        assertRetryMalformed(f, "stream cut short: ended after 6 lines without done:true");
    }

    /** Lines no event stream has (a web page at the URL) and no event: not the API's stream. */
    @Test
    void aBodyWithNoEventsAndLinesNoStreamHasIsNoStream() {
        CallFailure f = failure(Fixtures.sse("<!DOCTYPE html>\n<html><body>Welcome</body></html>\n"),
                Api.OPENAI_CHAT);

        assertRetryMalformed(f, "stream ended without any data event");
    }

    /**
     * The API's stream ended before its first event: with no body at all, after a keep-alive comment, or with its
     * connection closed right after the headers. A stream cut short (retried as one), not another service.
     */
    @Test
    void aStreamThatEndsBeforeItsFirstEventIsCutShort() {
        assertRetryMalformed(failure(Fixtures.sse(""), Api.OPENAI_CHAT),
                "stream cut short: ended before its first event");
        assertRetryMalformed(failure(Fixtures.sse(": keep-alive\n\n"), Api.OPENAI_CHAT),
                "stream cut short: ended before its first event");

        CallFailure dropped = failure(new MockResponse.Builder().code(200)
                .setHeader("Content-Type", "text/event-stream").chunkedBody(FIRST_CHUNK, 1024)
                .onResponseBody(new SocketEffect.CloseSocket()).build(), Api.OPENAI_CHAT);
        assertRetryMalformed(dropped, "stream cut short: ended before its first event (the connection dropped)");
    }

    @Test
    void anEmptyNdjsonStreamIsCutShort() {
        CallFailure f = failure(Fixtures.ndjson(""), Api.OLLAMA_CHAT);

        assertRetryMalformed(f, "stream cut short: ended before its first line");
    }

    @Test
    void doneWithoutAnyChoiceIsNoAnswer() {
        CallFailure f = failure(Fixtures.sse("data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
                + "\"completion_tokens\":0}}\n\ndata: [DONE]\n\n"), Api.OPENAI_CHAT);

        assertRetryMalformed(f, "stream ended without a choice");
    }

    @Test
    void aCleanStreamWithEmptyContentIsAValidEmptyAnswer() throws Exception {
        server.enqueue(Fixtures.sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"));
        server.enqueue(Fixtures.ndjson("{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"done\":true,\"done_reason\":\"stop\"}\n"));
        client = new ModelClient(Fixtures.fastSettings(server));

        ChatResult sse = client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true));
        ChatResult ndjson = client.complete(Fixtures.prompt(Api.OLLAMA_CHAT).withStream(true));

        assertThat(sse.content()).isEmpty();
        assertThat(sse.finishReason()).isEqualTo("stop");
        assertThat(ndjson.content()).isEmpty();
        assertThat(ndjson.finishReason()).isEqualTo("stop");
    }

    @Test
    void theDocumentedInvalidCompletionsChunkIsMalformed() {
        // The official "Streaming" example is pretty-printed and not JSON; sent as one multi-line SSE event.
        String chunk = Fixtures.read("openai_completions_stream_chunk_doc_INVALID_JSON.txt").strip();
        String event = "data: " + chunk.replace("\n", "\ndata: ") + "\n\ndata: [DONE]\n\n";

        CallFailure f = failure(Fixtures.sse(event), Api.OPENAI_COMPLETIONS);

        assertRetryMalformed(f, "stream chunk 1 is not JSON or truncated");
    }

    @Test
    void aChunkThatIsNotJsonIsMalformed() {
        CallFailure f = failure(Fixtures.sse(FIRST_CHUNK + "data: {\"choices\":[{\"delta\n\n"), Api.OPENAI_CHAT);

        assertRetryMalformed(f, "stream chunk 2 is not JSON or truncated");
    }

    // --- transport ---

    /**
     * A 200 stream whose connection is then closed with no last (0-length) chunk: a proxy's read timeout, or a server
     * that dies mid-answer. Its {@code events} go out as HTTP chunks, the last one perhaps broken off mid-JSON.
     */
    private static String droppedAfter(String... events) {
        StringBuilder answer = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n");
        for (String event : events) {
            answer.append(Integer.toHexString(event.getBytes(StandardCharsets.UTF_8).length))
                    .append("\r\n").append(event).append("\r\n");
        }
        return answer.toString();
    }

    private CallFailure failure(RawServer raw) {
        client = new ModelClient(ClientSettings.of(raw.url()).withApiKey(KEY));
        return catchThrowableOfType(CallFailure.class,
                () -> client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true)));
    }

    @Test
    void aStreamWhoseConnectionDropsMidJsonIsCutShort() throws Exception {
        try (RawServer raw = new RawServer(droppedAfter(FIRST_CHUNK, SECOND_CHUNK,
                "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"del"))) {
            CallFailure f = failure(raw);

            assertRetryMalformed(f, "malformed HTTP 200 response: stream cut short: ended after 2 chunks without"
                    + " [DONE] or a finish_reason (the connection dropped)");
            assertThat(f.getMessage()).doesNotContain("Exception");
            assertThat(f.server()).isEqualTo(client.settings().baseUrl());
        }
    }

    @Test
    void aStreamWhoseConnectionDropsBetweenEventsIsCutShort() throws Exception {
        try (RawServer raw = new RawServer(droppedAfter(FIRST_CHUNK, SECOND_CHUNK))) {
            CallFailure f = failure(raw);

            assertRetryMalformed(f, "stream cut short: ended after 2 chunks without [DONE] or a finish_reason"
                    + " (the connection dropped)");
            assertThat(f.getMessage()).doesNotContain("Exception");
        }
    }

    @Test
    void aConnectionThatDropsAfterTheFinishReasonLeavesAWholeAnswer() throws Exception {
        // As a body that ends there: the finish_reason already said the answer is whole.
        try (RawServer raw = new RawServer(droppedAfter(FIRST_CHUNK,
                "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"))) {
            client = new ModelClient(ClientSettings.of(raw.url()));

            ChatResult r = client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true));

            assertThat(r.content()).isEqualTo("Half an");
            assertThat(r.finishReason()).isEqualTo("stop");
        }
    }

    @Test
    void silenceMidStreamIsAReadTimeout() {
        // Its check after the timeout gets a proxy's 502: no sign that the server is up (the stream fell silent early).
        server.setDispatcher(Fixtures.postsAndChecks(new MockResponse.Builder().code(200)
                .setHeader("Content-Type", "text/event-stream").body(FIRST_CHUNK + SECOND_CHUNK)
                .throttleBody(FIRST_CHUNK.length(), 60, TimeUnit.SECONDS).build(),
                Fixtures.response(502, "text/plain", "Bad Gateway")));
        // 60 s of silence against a read timeout of 400 ms: no load closes that gap.
        client = new ModelClient(Fixtures.fastSettings(server).withTimeouts(java.time.Duration.ofSeconds(30),
                java.time.Duration.ofMillis(400), java.time.Duration.ofSeconds(90)));

        CallFailure f = catchThrowableOfType(CallFailure.class,
                () -> client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true)));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.TIMEOUT);
        assertThat(f.verdict()).as(f.getMessage()).isEqualTo(CallFailure.Verdict.UNREACHABLE);
    }

    // --- keepRaw ---

    @Test
    void keepRawReturnsTheExactStreamText() throws Exception {
        String body = Fixtures.read("openai_chat_stream_parallel_tool_calls.sse");
        server.enqueue(Fixtures.sse(body));
        client = new ModelClient(Fixtures.fastSettings(server));

        ChatResult r = client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true).withKeepRaw(true));

        assertThat(r.rawBody()).isEqualTo(body);
    }

    @Test
    void keepRawReturnsTheExactNdjsonAndJsonBodies() throws Exception {
        String stream = Fixtures.read("ollama_generate_stream.ndjson");
        String whole = Fixtures.read("ollama_chat_response_tool_calls.json");
        server.enqueue(Fixtures.ndjson(stream));
        server.enqueue(Fixtures.response(200, "application/json", whole));
        client = new ModelClient(Fixtures.fastSettings(server));

        ChatResult streamed = client.complete(Fixtures.prompt(Api.OLLAMA_CHAT).withStream(true).withKeepRaw(true));
        ChatResult notStreamed = client.complete(Fixtures.prompt(Api.OLLAMA_CHAT).withKeepRaw(true));

        assertThat(streamed.rawBody()).isEqualTo(stream);
        assertThat(notStreamed.rawBody()).isEqualTo(whole);
    }

    @Test
    void keepRawMasksAnEchoedKey() throws Exception {
        String body = "{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"your key is " + KEY + "\"},"
                + "\"finish_reason\":\"stop\"}],\"echo\":{\"authorization\":\"Bearer " + KEY + "\"}}";
        server.enqueue(Fixtures.response(200, "application/json", body));
        server.enqueue(Fixtures.sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + KEY + "\"},"
                + "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"));
        client = new ModelClient(Fixtures.fastSettings(server).withApiKey(KEY));

        ChatResult whole = client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withKeepRaw(true));
        ChatResult streamed = client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true).withKeepRaw(true));

        assertThat(whole.rawBody()).doesNotContain(KEY).isEqualTo(body.replace(KEY, "***"));
        assertThat(streamed.rawBody()).doesNotContain(KEY).contains("***");
    }

    @Test
    void withoutKeepRawThereIsNoRawBody() throws Exception {
        server.enqueue(Fixtures.response(200, "application/json", Fixtures.read("openai_chat_response.json")));
        client = new ModelClient(Fixtures.fastSettings(server));

        assertThat(client.complete(Fixtures.prompt(Api.OPENAI_CHAT)).rawBody()).isNull();
    }
}
