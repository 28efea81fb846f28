package dev.stride.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything sent with every request of a run besides the prompt: the endpoint, the system message and the
 * generation parameters. They are part of the run's identity: results made with other settings would not be
 * comparable, so a change is refused. A null (or empty) field means "not set": the server's default applies.
 *
 * @param endpoint where requests go; null for the default, {@link Endpoint#CHAT} (stored as {@code api})
 * @param stop     stop sequences
 * @param extra    further request fields by name, each as JSON text (e.g. vLLM's {@code guided_json})
 */
public record GenerationParams(
        Endpoint endpoint,
        String system,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Long seed,
        List<String> stop,
        Map<String, String> extra) {

    public GenerationParams {
        stop = stop == null ? List.of() : List.copyOf(stop);
        // Kept as compact JSON, so that {"a": 1} and {"a":1} are the same setting.
        Map<String, String> compact = new TreeMap<>();
        if (extra != null) {
            extra.forEach((k, v) -> compact.put(k, parseJson(v, k).toString()));
        }
        extra = Collections.unmodifiableMap(compact);
    }

    public GenerationParams(Integer maxTokens, Double temperature) {
        this(null, null, maxTokens, temperature, null, null, List.of(), Map.of());
    }

    public static GenerationParams none() {
        return new GenerationParams(null, null);
    }

    /** The endpoint, {@link Endpoint#CHAT} when none was chosen. */
    public Endpoint endpointOrDefault() {
        return endpoint == null ? Endpoint.CHAT : endpoint;
    }

    /**
     * Reads the form {@link #canonicalJson()} wrote (and the older one with only max_tokens and temperature).
     *
     * @throws InvalidJsonException    when the text is not JSON
     * @throws InvalidSettingException for an unknown endpoint
     */
    public static GenerationParams fromJson(String json) {
        JsonNode node = parseJson(json, null);
        List<String> stop = new ArrayList<>();
        node.path("stop").forEach(s -> stop.add(s.asText()));
        Map<String, String> extra = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("params").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            extra.put(e.getKey(), e.getValue().toString());
        }
        String endpoint = text(node, "api");
        return new GenerationParams(endpoint == null ? null : Endpoint.fromLabel(endpoint), text(node, "system"),
                node.hasNonNull("max_tokens") ? node.get("max_tokens").asInt() : null,
                node.hasNonNull("temperature") ? node.get("temperature").asDouble() : null,
                node.hasNonNull("top_p") ? node.get("top_p").asDouble() : null,
                node.hasNonNull("seed") ? node.get("seed").asLong() : null,
                stop, extra);
    }

    /** These settings with every field that {@code given} sets put over them; extra parameters merge by name. */
    public GenerationParams overriddenBy(GenerationParams given) {
        Map<String, String> mergedExtra = new TreeMap<>(extra);
        mergedExtra.putAll(given.extra());
        return new GenerationParams(
                given.endpoint() != null ? given.endpoint() : endpoint,
                given.system() != null ? given.system() : system,
                given.maxTokens() != null ? given.maxTokens() : maxTokens,
                given.temperature() != null ? given.temperature() : temperature,
                given.topP() != null ? given.topP() : topP,
                given.seed() != null ? given.seed() : seed,
                !given.stop().isEmpty() ? given.stop() : stop,
                mergedExtra);
    }

    /** A stable JSON form, stored with the run and compared on every rerun; unset fields are left out. */
    public String canonicalJson() {
        return canonicalTree().toString();
    }

    /** {@link #canonicalJson()} as a tree, to compare two settings field by field. */
    public ObjectNode canonicalTree() {
        ObjectNode node = Json.object();
        if (endpoint != null && endpoint != Endpoint.CHAT) {
            node.put("api", endpoint.label());
        }
        if (system != null) {
            node.put("system", system);
        }
        if (maxTokens != null) {
            node.put("max_tokens", maxTokens);
        }
        if (temperature != null) {
            node.put("temperature", temperature);
        }
        if (topP != null) {
            node.put("top_p", topP);
        }
        if (seed != null) {
            node.put("seed", seed);
        }
        if (!stop.isEmpty()) {
            ArrayNode array = node.putArray("stop");
            stop.forEach(array::add);
        }
        if (!extra.isEmpty()) {
            ObjectNode params = node.putObject("params");
            extra.forEach((k, v) -> params.set(k, parseJson(v, k)));
        }
        return node;
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    /** @param parameter the --param name the JSON was given for, null for the stored parameters */
    private static JsonNode parseJson(String json, String parameter) {
        return Json.read(json, parameter == null ? Phrase.core("json.storedParams")
                : Phrase.core("json.param", parameter));
    }
}
