package dev.stride.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * Reads Ollama's native stream: one JSON object per line, the last with {@code "done": true}. Content, thinking and
 * tool calls are accumulated; {@code done_reason}, {@code prompt_eval_count} and {@code eval_count} come from the
 * last line. A line {@code {"error": "..."}} is a failure, and so is a body that ends before {@code done:true}.
 * The same code reads a whole (non-streamed) Ollama answer, and also the {@code /api/generate} shape
 * ({@code "response"} instead of {@code "message"}).
 */
final class NdjsonDecoder implements StreamDecoder {

    private final ResponseParser parser;
    private final AnswerBuilder answer = new AnswerBuilder();
    private int lines;
    private boolean done;

    NdjsonDecoder(ResponseParser parser) {
        this.parser = parser;
    }

    @Override
    public void line(String line) throws MalformedResponse {
        if (line.isBlank()) {
            return;
        }
        JsonNode object;
        try {
            object = parser.readTree(line);
        } catch (MalformedResponse e) {
            throw new MalformedResponse("stream line " + (lines + 1) + " is " + e.getMessage(), null, e.getCause());
        }
        if (!object.isObject()) {
            throw new MalformedResponse("stream line " + (lines + 1) + " is not a JSON object");
        }
        String error = parser.errorIn(object);
        if (error != null) {
            throw new MalformedResponse("error line mid-stream after " + lines + " lines", error, null);
        }
        lines++;
        add(object, answer);
        if (object.path("done").asBoolean(false)) {
            done = true;
        }
    }

    /** One Ollama object (a stream line or a whole answer) into the answer. */
    static void add(JsonNode object, AnswerBuilder answer) {
        answer.model(object.path("model"));
        JsonNode message = object.path("message");
        answer.content(message.path("content"));
        answer.reasoning(message.path("thinking"));
        answer.wholeToolCalls(message.path("tool_calls"));
        answer.content(object.path("response"));   // /api/generate
        answer.reasoning(object.path("thinking")); // /api/generate
        answer.finishReason(object.path("done_reason"));
        answer.usage(object.path("prompt_eval_count"), object.path("eval_count"));
    }

    @Override
    public boolean done() {
        return done;
    }

    @Override
    public ChatResult finish(Duration latency) throws MalformedResponse {
        if (!done) {
            // Any line that is not JSON was refused as it came: an end before the first is the stream broken off.
            throw new MalformedResponse(lines == 0
                    ? "stream cut short: ended before its first line"
                    : "stream cut short: ended after " + lines + " lines without done:true");
        }
        return answer.build(latency);
    }
}
