package dev.stride.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Generation parameters sent with every request of a run. They are part of the run's identity: results made with
 * other parameters would not be comparable, so a change is refused.
 */
public record GenerationParams(Integer maxTokens, Double temperature) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static GenerationParams none() {
        return new GenerationParams(null, null);
    }

    /** Reads the form {@link #canonicalJson()} wrote. */
    public static GenerationParams fromJson(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            JsonNode maxTokens = node.get("max_tokens");
            JsonNode temperature = node.get("temperature");
            return new GenerationParams(maxTokens == null ? null : maxTokens.asInt(),
                    temperature == null ? null : temperature.asDouble());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("stored generation parameters are not JSON: " + json, e);
        }
    }

    /** These parameters with the given ones put over them; null keeps the value held here. */
    public GenerationParams overriddenBy(Integer maxTokens, Double temperature) {
        return new GenerationParams(maxTokens != null ? maxTokens : this.maxTokens,
                temperature != null ? temperature : this.temperature);
    }

    /** A stable JSON form, stored with the run and compared on every rerun. */
    public String canonicalJson() {
        ObjectNode node = JSON.createObjectNode();
        if (maxTokens != null) {
            node.put("max_tokens", maxTokens);
        }
        if (temperature != null) {
            node.put("temperature", temperature);
        }
        return node.toString();
    }
}
