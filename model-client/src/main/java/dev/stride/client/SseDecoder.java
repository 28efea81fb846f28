package dev.stride.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * Reads an OpenAI-style server-sent-event stream ({@code /chat/completions} or {@code /completions} with
 * {@code "stream": true}).
 *
 * <ul>
 *   <li>Events are split on blank lines; several {@code data:} lines of one event are joined with {@code \n}; comment
 *       lines ({@code : keep-alive}) and {@code id:}/{@code retry:} fields are ignored.</li>
 *   <li>{@code data: [DONE]} ends the stream.</li>
 *   <li>Only choice index 0 is read: with {@code n > 1} the other choices are skipped, as {@link ResponseParser}
 *       reads only the first choice of a whole body.</li>
 *   <li>An error mid-stream is a failure, not a shorter answer: a data object with {@code "error"} (OpenAI, vLLM,
 *       TGI) or {@code "object": "error"} (older vLLM), an {@code event: error}, or llama.cpp's non-standard
 *       {@code error: {...}} line.</li>
 *   <li>A body that ends without {@code [DONE]} and without a finish_reason was cut short; one that ends before its
 *       first event too, unless it held lines no event stream has (a web page answering at the URL).</li>
 * </ul>
 */
final class SseDecoder implements StreamDecoder {

    private final boolean chat;
    private final ResponseParser parser;
    private final AnswerBuilder answer = new AnswerBuilder();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String eventType;
    private int chunks;
    private boolean sawChoice;
    private boolean done;
    /** A line that is no SSE field nor comment was read: the body is not an event stream (an HTML page). */
    private boolean foreign;

    SseDecoder(Api api, ResponseParser parser) {
        this.chat = api == Api.OPENAI_CHAT;
        this.parser = parser;
    }

    @Override
    public void line(String line) throws MalformedResponse {
        if (line.isEmpty()) {
            dispatch();
            return;
        }
        if (line.startsWith(":")) {
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> eventType = value;
            // llama.cpp has sent errors as "error: {json}" lines, outside the SSE field names.
            case "error" -> throw midStreamError(messageOf(value));
            case "id", "retry" -> {
                // They carry nothing we use.
            }
            default -> foreign = true;
        }
    }

    private void dispatch() throws MalformedResponse {
        if (!hasData) {
            eventType = null;
            return;
        }
        String payload = data.toString();
        String type = eventType;
        data.setLength(0);
        hasData = false;
        eventType = null;
        if (payload.strip().equals("[DONE]")) {
            done = true;
            return;
        }
        if ("error".equals(type)) {
            throw midStreamError(messageOf(payload));
        }
        JsonNode chunk;
        try {
            chunk = parser.readTree(payload);
        } catch (MalformedResponse e) {
            throw new MalformedResponse("stream chunk " + (chunks + 1) + " is " + e.getMessage(), null, e.getCause());
        }
        if (!chunk.isObject()) {
            throw new MalformedResponse("stream chunk " + (chunks + 1) + " is not a JSON object");
        }
        String error = parser.errorIn(chunk);
        if (error != null) {
            throw midStreamError(error);
        }
        chunks++;
        answer.id(chunk.path("id"));
        answer.model(chunk.path("model"));
        JsonNode usage = chunk.path("usage");
        if (usage.isObject()) {
            answer.usage(usage.path("prompt_tokens"), usage.path("completion_tokens"));
        }
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) != 0) {
                continue;
            }
            sawChoice = true;
            if (chat) {
                JsonNode delta = choice.path("delta");
                answer.content(delta.path("content"));
                answer.reasoning(delta.path("reasoning_content"));
                answer.reasoning(delta.path("reasoning"));
                answer.refusal(delta.path("refusal"));
                answer.toolCallFragments(delta.path("tool_calls"));
            } else {
                answer.content(choice.path("text"));
            }
            answer.finishReason(choice.path("finish_reason"));
        }
    }

    @Override
    public boolean done() {
        return done;
    }

    @Override
    public ChatResult finish(Duration latency) throws MalformedResponse {
        if (!done) {
            dispatch(); // a last event without its blank line
        }
        if (!done && !answer.hasFinishReason()) {
            // Nothing but the stream's own lines, or nothing at all, before the end: the API's stream, broken off
            // before its first event (a dropped connection, a proxy's timeout while the model read the prompt), not
            // another service at the URL.
            throw new MalformedResponse(chunks > 0
                    ? "stream cut short: ended after " + chunks + " chunks without [DONE] or a finish_reason"
                    : foreign ? "stream ended without any data event" : "stream cut short: ended before its first event");
        }
        if (!sawChoice) {
            throw new MalformedResponse("stream ended without a choice (" + chunks + " chunks)");
        }
        return answer.build(latency);
    }

    private MalformedResponse midStreamError(String message) {
        return new MalformedResponse("error event mid-stream after " + chunks + " chunks", message, null);
    }

    /** The message of an error payload that may be JSON or plain text. */
    private String messageOf(String payload) {
        try {
            JsonNode node = parser.readTree(payload);
            String message = node.isObject() ? parser.errorIn(node) : null;
            if (message != null) {
                return message;
            }
            JsonNode plain = node.path("message");
            return plain.isTextual() ? ErrorBodies.oneLine(plain.asText()) : ErrorBodies.oneLine(payload);
        } catch (MalformedResponse notJson) {
            return payload.isBlank() ? "(no message)" : ErrorBodies.oneLine(payload);
        }
    }
}
