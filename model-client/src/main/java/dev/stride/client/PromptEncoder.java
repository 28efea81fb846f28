package dev.stride.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * Writes the request body of a {@link PromptRequest} for its {@link Api}. Absent values are not written (several
 * servers reject {@code "temperature": null}); {@code stream} is always explicit, because Ollama streams by default.
 */
final class PromptEncoder {

    private final ObjectMapper mapper;

    PromptEncoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    byte[] encode(PromptRequest request) {
        if (request.body() != null) {
            ObjectNode given = request.body().deepCopy();
            if (!given.hasNonNull("model")) {
                given.put("model", request.model());
            }
            return write(given);
        }
        ObjectNode body = mapper.createObjectNode();
        body.put("model", request.model());
        Sampling s = request.sampling();
        switch (request.api()) {
            case OPENAI_CHAT -> {
                messages(body, request);
                openAiSampling(body, s);
                openAiStream(body, request.stream());
            }
            case OPENAI_COMPLETIONS -> {
                body.put("prompt", request.system() == null
                        ? request.user() : request.system() + "\n\n" + request.user());
                openAiSampling(body, s);
                openAiStream(body, request.stream());
            }
            case OLLAMA_CHAT -> {
                messages(body, request);
                body.put("stream", request.stream());
                ObjectNode options = mapper.createObjectNode();
                putIfSet(options, "num_predict", s.maxTokens());
                putIfSet(options, "temperature", s.temperature());
                putIfSet(options, "top_p", s.topP());
                putIfSet(options, "seed", s.seed());
                putStop(options, s.stop());
                if (!options.isEmpty()) {
                    body.set("options", options);
                }
            }
        }
        for (Map.Entry<String, JsonNode> e : s.extra().entrySet()) {
            JsonNode current = body.get(e.getKey());
            if (request.api() == Api.OLLAMA_CHAT && e.getKey().equals("options")
                    && current instanceof ObjectNode options && e.getValue().isObject()) {
                // --param options={"num_ctx":8192} adds to num_predict & co. rather than dropping them.
                options.setAll((ObjectNode) e.getValue().deepCopy());
            } else {
                body.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        return write(body);
    }

    private byte[] write(ObjectNode body) {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: a JSON tree always serializes", e);
        }
    }

    private static void messages(ObjectNode body, PromptRequest request) {
        ArrayNode messages = body.putArray("messages");
        boolean ownSystem = request.messages() != null && hasSystem(request.messages());
        if (request.system() != null && !ownSystem) {
            messages.addObject().put("role", "system").put("content", request.system());
        }
        if (request.messages() != null) {
            request.messages().forEach(m -> messages.add(m.deepCopy()));
        } else {
            messages.addObject().put("role", "user").put("content", request.user());
        }
    }

    private static boolean hasSystem(ArrayNode messages) {
        for (JsonNode m : messages) {
            if ("system".equals(m.path("role").asText()) || "developer".equals(m.path("role").asText())) {
                return true;
            }
        }
        return false;
    }

    private static void openAiSampling(ObjectNode body, Sampling s) {
        putIfSet(body, "max_tokens", s.maxTokens());
        putIfSet(body, "temperature", s.temperature());
        putIfSet(body, "top_p", s.topP());
        putIfSet(body, "seed", s.seed());
        putStop(body, s.stop());
    }

    private static void openAiStream(ObjectNode body, boolean stream) {
        body.put("stream", stream);
        if (stream) {
            // Without it OpenAI and vLLM send no usage at all in a stream.
            body.putObject("stream_options").put("include_usage", true);
        }
    }

    private static void putIfSet(ObjectNode node, String field, Number value) {
        if (value instanceof Integer i) {
            node.put(field, i);
        } else if (value instanceof Long l) {
            node.put(field, l);
        } else if (value instanceof Double d) {
            node.put(field, d);
        }
    }

    private static void putStop(ObjectNode node, List<String> stop) {
        if (!stop.isEmpty()) {
            ArrayNode array = node.putArray("stop");
            stop.forEach(array::add);
        }
    }
}
