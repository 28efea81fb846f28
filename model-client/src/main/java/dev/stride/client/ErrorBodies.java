package dev.stride.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the human message in an error body. Servers disagree on the shape:
 * <ul>
 *   <li>OpenAI, vLLM, llama.cpp, Ollama /v1: {@code {"error": {"message": "...", "type": ..., "code": ...}}}</li>
 *   <li>TGI: {@code {"error": "...", "error_type": "..."}}; native Ollama: {@code {"error": "..."}}</li>
 *   <li>older vLLM: {@code {"object": "error", "message": "..."}}; FastAPI routes: {@code {"detail": "..."}}</li>
 *   <li>proxies (nginx, Cloudflare): an HTML page whose title says it all</li>
 * </ul>
 */
final class ErrorBodies {

    static final int MAX_MESSAGE_CHARS = 300;

    private static final Pattern HTML_TITLE = Pattern.compile("<title[^>]*>(.*?)</title>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final ObjectMapper mapper;

    ErrorBodies(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ErrorBody parse(String body) {
        if (body == null || body.isBlank()) {
            return ErrorBody.EMPTY;
        }
        String trimmed = body.strip();
        if (trimmed.startsWith("{")) {
            try {
                return fromJson(mapper.readTree(trimmed));
            } catch (IOException notJson) {
                // Fall through to the plain-text excerpt: a cut-off JSON error still says something useful.
            }
        }
        Matcher title = HTML_TITLE.matcher(trimmed);
        if (title.find()) {
            return new ErrorBody(oneLine(title.group(1)), false);
        }
        return new ErrorBody(oneLine(trimmed), false);
    }

    /** The message of a JSON error object, or {@code null} if this node carries no error. */
    ErrorBody fromJson(JsonNode root) {
        JsonNode error = root.path("error");
        if (error.isObject()) {
            boolean quota = "insufficient_quota".equals(error.path("code").asText(null))
                    || "insufficient_quota".equals(error.path("type").asText(null));
            String message = text(error.path("message"));
            return new ErrorBody(message != null ? message : oneLine(error.toString()), quota);
        }
        if (error.isTextual()) {
            return new ErrorBody(text(error), false);
        }
        String message = text(root.path("message"));
        if (message == null) {
            message = text(root.path("detail"));
        }
        return message == null ? ErrorBody.EMPTY : new ErrorBody(message, false);
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? oneLine(node.asText()) : null;
    }

    /** Collapses whitespace so the message fits on one log line, and keeps it short. */
    static String oneLine(String s) {
        if (s == null) {
            return null;
        }
        String flat = WHITESPACE.matcher(s).replaceAll(" ").strip();
        if (flat.isEmpty()) {
            return null;
        }
        if (flat.length() > MAX_MESSAGE_CHARS) {
            return flat.substring(0, MAX_MESSAGE_CHARS - 1) + "…";
        }
        return flat;
    }
}
