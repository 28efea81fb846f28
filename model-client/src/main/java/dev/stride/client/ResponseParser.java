package dev.stride.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Turns a whole 2xx body into a {@link ChatResult}: OpenAI chat completions, OpenAI (legacy) completions, or Ollama's
 * native chat. Reads a tree rather than binding classes so that the many dialects (vLLM, TGI, llama.cpp, Ollama,
 * OpenAI) only need to agree on the few fields we use. Streams are read by {@link SseDecoder} and
 * {@link NdjsonDecoder}, which share {@link AnswerBuilder} and {@link #errorIn(JsonNode)} with this class.
 */
final class ResponseParser {

    /** How much of a body that is not JSON a failure shows: enough to read, one line of a log. */
    private static final int BODY_START_CHARS = 80;

    private final ObjectMapper mapper;
    private final ErrorBodies errors;

    ResponseParser(ObjectMapper mapper) {
        this.mapper = mapper;
        this.errors = new ErrorBodies(mapper);
    }

    ChatResult parse(Api api, String body, Duration latency) throws MalformedResponse {
        return parsed(api, readTree(body), latency);
    }

    /**
     * As {@link #parse(Api, String, Duration)}, for a body known to be UTF-8: read from its bytes, without making a
     * String of it first (the decoding, its copy and a char-based parser cost CPU on every prediction). Whatever the
     * bytes do not parse into goes the text's way, so a failure reads as it always did.
     */
    ChatResult parse(Api api, byte[] body, Duration latency) throws MalformedResponse {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || root.isMissingNode()) {
            // Empty, not JSON, or not UTF-8 after all: the text path words the failure (or decodes as it always did).
            return parse(api, new String(body, StandardCharsets.UTF_8), latency);
        }
        return parsed(api, root, latency);
    }

    private ChatResult parsed(Api api, JsonNode root, Duration latency) throws MalformedResponse {
        if (!root.isObject()) {
            throw new MalformedResponse("expected a JSON object");
        }
        // Some gateways answer 200 and put the failure in the body.
        String error = errorIn(root);
        if (error != null) {
            throw new MalformedResponse("error object in a 2xx body", error, null);
        }
        return switch (api) {
            case OPENAI_CHAT -> chat(root, latency);
            case OPENAI_COMPLETIONS -> completion(root, latency);
            case OLLAMA_CHAT -> ollama(root, latency);
        };
    }

    /**
     * The server's message if this JSON object reports an error ({@code "error"} of any shape, or older vLLM's
     * {@code "object": "error"}); {@code null} if it is not an error. Never returns an empty message for an error.
     */
    String errorIn(JsonNode root) {
        JsonNode error = root.get("error");
        boolean isError = error != null && !error.isNull() || "error".equals(root.path("object").asText(null));
        if (!isError) {
            return null;
        }
        String message = errors.fromJson(root).message();
        return message != null ? message : "(no message)";
    }

    private ChatResult chat(JsonNode root, Duration latency) throws MalformedResponse {
        JsonNode choice = firstChoice(root);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new MalformedResponse("first choice has no message");
        }
        JsonNode usage = root.path("usage");
        JsonNode toolCalls = message.path("tool_calls");
        return new ChatResult(
                nonEmpty(text(root.path("id"))),
                text(root.path("model")),
                content(message.path("content")),
                reasoning(message),
                text(message.path("refusal")),
                text(choice.path("finish_reason")),
                // vLLM sends "tool_calls": [] on plain answers; an empty list carries nothing.
                toolCalls.isMissingNode() || toolCalls.isNull() || toolCalls.isEmpty() ? null : toolCalls.toString(),
                count(usage.path("prompt_tokens")),
                count(usage.path("completion_tokens")),
                latency, null, null);
    }

    private ChatResult completion(JsonNode root, Duration latency) throws MalformedResponse {
        JsonNode choice = firstChoice(root);
        if (!choice.path("text").isTextual()) {
            throw new MalformedResponse("first choice has no text");
        }
        JsonNode usage = root.path("usage");
        return new ChatResult(nonEmpty(text(root.path("id"))), text(root.path("model")), choice.path("text").asText(),
                null, null, text(choice.path("finish_reason")), null,
                count(usage.path("prompt_tokens")), count(usage.path("completion_tokens")), latency, null, null);
    }

    private ChatResult ollama(JsonNode root, Duration latency) throws MalformedResponse {
        if (!root.path("message").isObject() && !root.path("response").isTextual()) {
            throw new MalformedResponse("no message");
        }
        if (!root.path("done").asBoolean(false)) {
            throw new MalformedResponse("answer without done:true");
        }
        AnswerBuilder answer = new AnswerBuilder();
        NdjsonDecoder.add(root, answer);
        return answer.build(latency);
    }

    private static JsonNode firstChoice(JsonNode root) throws MalformedResponse {
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw new MalformedResponse("no choices");
        }
        return choices.get(0);
    }

    /** Parses one JSON text; {@code what} names it in the message ("body", "stream chunk 3"). */
    JsonNode readTree(String body) throws MalformedResponse {
        if (body == null || body.isBlank()) {
            throw new MalformedResponse("empty body");
        }
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            // Not JSON at all: a proxy's HTML page says most in its title; plain words ("Internal hiccup, please
            // retry", sent as text/plain or even as application/json) in their start. JSON broken off says nothing
            // more than where it breaks.
            String start = body.stripLeading();
            String looksLike = start.startsWith("<") ? errors.parse(body).message()
                    : start.startsWith("{") || start.startsWith("[") ? null : ErrorBodies.start(start, BODY_START_CHARS);
            throw new MalformedResponse("not JSON or truncated (" + JsonFault.describe(e) + ")",
                    looksLike, e);
        }
    }

    /** Plain text, or the text parts joined when a server sends content as a list of typed parts. */
    private static String content(JsonNode node) {
        if (node.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : node) {
                if (part.path("text").isTextual()) {
                    text.append(part.path("text").asText());
                }
            }
            return text.toString();
        }
        return text(node);
    }

    /** vLLM has used both names over time ({@code reasoning_content}, then {@code reasoning}); so do others. */
    private static String reasoning(JsonNode message) {
        String older = text(message.path("reasoning_content"));
        return older != null ? older : text(message.path("reasoning"));
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Integer count(JsonNode node) {
        return node.isNumber() ? node.intValue() : null;
    }
}
