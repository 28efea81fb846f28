package dev.stride.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One chat-completions request.
 *
 * @param maxTokens   {@code null} leaves the limit to the server
 * @param temperature {@code null} leaves sampling to the server
 */
public record ChatRequest(String model, List<ChatMessage> messages, Integer maxTokens, Double temperature) {

    public ChatRequest {
        Objects.requireNonNull(model, "model");
        messages = List.copyOf(messages);
        if (messages.isEmpty()) {
            // Servers reject this with a 400 (see openai_error_400_empty_messages.json); failing here is cheaper.
            throw new IllegalArgumentException("a chat request needs at least one message");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
    }

    /** A single user turn, with an optional system prompt ({@code null} for none). */
    public static ChatRequest of(String model, String system, String user) {
        List<ChatMessage> messages = new ArrayList<>(2);
        if (system != null) {
            messages.add(ChatMessage.system(system));
        }
        messages.add(ChatMessage.user(user));
        return new ChatRequest(model, messages, null, null);
    }

    public ChatRequest withMaxTokens(Integer max) {
        return new ChatRequest(model, messages, max, temperature);
    }

    public ChatRequest withTemperature(Double t) {
        return new ChatRequest(model, messages, maxTokens, t);
    }
}
