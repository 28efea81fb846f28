package dev.stride.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** An answer of the dashboard: status, content type and body. */
record Reply(int status, String contentType, byte[] body) {
    static final String JSON = "application/json; charset=utf-8";

    static Reply json(int status, JsonNode node) {
        try {
            return new Reply(status, JSON, BoardJson.MAPPER.writeValueAsBytes(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always writes", e);
        }
    }

    static Reply error(int status, String message) {
        return json(status, BoardJson.error(message));
    }

    static Reply text(int status, String contentType, String body) {
        return new Reply(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
}
