package dev.stride.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds the human message in an error body. Servers disagree on the shape:
 * <ul>
 *   <li>OpenAI, vLLM, llama.cpp, Ollama /v1: {@code {"error": {"message": "...", "type": ..., "code": ...}}}</li>
 *   <li>TGI: {@code {"error": "...", "error_type": "..."}}; native Ollama: {@code {"error": "..."}}</li>
 *   <li>older vLLM: {@code {"object": "error", "message": "..."}}; FastAPI: {@code {"detail": "..."}}, or for a
 *       request it cannot validate {@code {"detail": [{"loc": [...], "msg": "..."}]}}</li>
 *   <li>Fastify, NestJS: {@code {"statusCode": 404, "error": "Not Found", "message": "..."}}, where the message says
 *       more than the error, and NestJS sends a list of messages</li>
 *   <li>Express and proxies (nginx, Cloudflare): an HTML page ({@link HtmlErrorPage})</li>
 *   <li>anything else: plain text</li>
 * </ul>
 */
final class ErrorBodies {

    static final int MAX_MESSAGE_CHARS = 300;
    /** An error page is read this far: its message is near the top, and a huge body must not cost a huge scan. */
    private static final int MAX_SCANNED_CHARS = 64 * 1024;

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
                ErrorBody fromJson = fromJson(mapper.readTree(trimmed));
                if (fromJson.message() != null) {
                    return fromJson;
                }
            } catch (IOException notJson) {
                // Fall through to the plain-text excerpt: a cut-off JSON error still says something useful.
            }
        }
        String scanned = trimmed.length() > MAX_SCANNED_CHARS ? trimmed.substring(0, MAX_SCANNED_CHARS) : trimmed;
        if (HtmlErrorPage.looksLikeHtml(scanned)) {
            return new ErrorBody(oneLine(HtmlErrorPage.message(scanned)), false);
        }
        return new ErrorBody(oneLine(scanned), false);
    }

    /** The message of a JSON error object; {@link ErrorBody#EMPTY} if this node carries none. */
    ErrorBody fromJson(JsonNode root) {
        JsonNode error = root.path("error");
        if (error.isObject()) {
            boolean quota = "insufficient_quota".equals(error.path("code").asText(null))
                    || "insufficient_quota".equals(error.path("type").asText(null));
            String message = words(error.path("message"));
            return new ErrorBody(message != null ? message : oneLine(error.toString()), quota);
        }
        // "message" before a textual "error": Fastify and NestJS put the reason phrase ("Not Found") in "error" and
        // what went wrong in "message".
        String message = words(root.path("message"));
        if (message == null) {
            message = words(error);
        }
        if (message == null) {
            message = words(root.path("detail"));
        }
        return message == null ? ErrorBody.EMPTY : new ErrorBody(message, false);
    }

    /**
     * A node's words on one line: a text; the texts of a list joined by "; "; a validation entry's location and
     * message ({@code body.messages: field required}); {@code null} for anything else.
     */
    private static String words(JsonNode node) {
        if (node.isTextual()) {
            return oneLine(node.asText());
        }
        if (node.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode element : node) {
                String part = words(element);
                if (part != null) {
                    parts.add(part);
                }
            }
            return parts.isEmpty() ? null : oneLine(String.join("; ", parts));
        }
        if (node.isObject()) {
            String message = firstText(node, "msg", "message", "detail");
            if (message == null) {
                return null;
            }
            JsonNode loc = node.path("loc");
            if (loc.isArray() && !loc.isEmpty()) {
                List<String> path = new ArrayList<>();
                loc.forEach(p -> path.add(p.asText()));
                return oneLine(String.join(".", path) + ": " + message);
            }
            return message;
        }
        return null;
    }

    private static String firstText(JsonNode node, String... fields) {
        for (String field : fields) {
            if (node.path(field).isTextual()) {
                return oneLine(node.path(field).asText());
            }
        }
        return null;
    }

    /**
     * The start of a body that is not what it should be, to show what the server said instead: one line (runs of
     * whitespace as one space), at most {@code max} characters and an ellipsis, every other control character written
     * as its backslash-u escape so that none reaches a terminal; null for a blank body.
     */
    static String start(String body, int max) {
        StringBuilder out = new StringBuilder();
        boolean space = false;
        for (int i = 0; i < body.length(); ) {
            int c = body.codePointAt(i);
            i += Character.charCount(c);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = out.length() > 0;
                continue;
            }
            if (out.length() >= max) {
                return out.append('…').toString();
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        }
        return out.length() == 0 ? null : out.toString();
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
            int end = MAX_MESSAGE_CHARS - 1;
            // Never split a surrogate pair: half an emoji is not text.
            if (Character.isHighSurrogate(flat.charAt(end - 1))) {
                end--;
            }
            return flat.substring(0, end) + "…";
        }
        return flat;
    }
}
