package dev.stride.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes the OpenAI chat-completions request body. Built by hand rather than by annotating the public records,
 * so the public types stay free of Jackson and absent values are simply not written: several servers reject
 * {@code "temperature": null}.
 */
final class ChatRequestEncoder {

    private final ObjectMapper mapper;

    ChatRequestEncoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    byte[] encode(ChatRequest request) {
        ObjectNode body = mapper.createObjectNode();
        body.put("model", request.model());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        if (request.maxTokens() != null) {
            body.put("max_tokens", request.maxTokens());
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        // Explicit, because a server defaulting to streaming would send SSE that the parser cannot read.
        body.put("stream", false);
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: a tree of strings and numbers always serializes", e);
        }
    }
}
