package dev.stride.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;

/**
 * Turns a 2xx chat-completions body into a {@link ChatResult}. Reads a tree rather than binding classes so that
 * the many dialects (vLLM, TGI, llama.cpp, Ollama, OpenAI) only need to agree on the few fields we use.
 * A streaming or {@code /completions} parser would sit beside this one.
 */
final class ChatCompletionParser {

    /** Thrown for a body we cannot use; the caller turns it into a {@link CallFailure}. */
    static final class Malformed extends Exception {
        private final String serverMessage;

        Malformed(String detail, String serverMessage, Throwable cause) {
            super(detail, cause);
            this.serverMessage = serverMessage;
        }

        String serverMessage() {
            return serverMessage;
        }
    }

    private final ObjectMapper mapper;
    private final ErrorBodies errors;

    ChatCompletionParser(ObjectMapper mapper) {
        this.mapper = mapper;
        this.errors = new ErrorBodies(mapper);
    }

    ChatResult parse(String body, Duration latency) throws Malformed {
        JsonNode root = readTree(body);
        if (!root.isObject()) {
            throw new Malformed("expected a JSON object", null, null);
        }
        // Some gateways answer 200 and put the failure in the body.
        JsonNode error = root.get("error");
        if (error != null && !error.isNull()) {
            throw new Malformed("error object in a 2xx body", errors.fromJson(root).message(), null);
        }
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw new Malformed("no choices", null, null);
        }
        JsonNode choice = choices.get(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new Malformed("first choice has no message", null, null);
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
                latency);
    }

    private JsonNode readTree(String body) throws Malformed {
        if (body == null || body.isBlank()) {
            throw new Malformed("empty body", null, null);
        }
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            // Not JSON at all, e.g. a proxy's HTML page: its title is the best message we have.
            String looksLike = body.stripLeading().startsWith("<") ? errors.parse(body).message() : null;
            throw new Malformed("not JSON or truncated (" + ErrorBodies.oneLine(e.getOriginalMessage()) + ")",
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

    /** vLLM has used both names over time ({@code reasoning_content}, then {@code reasoning}); so do Ollama and others. */
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
