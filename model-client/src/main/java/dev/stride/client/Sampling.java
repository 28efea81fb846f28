package dev.stride.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Generation parameters. Every {@code null} (and an empty {@code stop} or {@code extra}) is left out of the request,
 * so the server's default applies.
 *
 * <p>OpenAI-style bodies get {@code max_tokens}, {@code temperature}, {@code top_p}, {@code seed} and {@code stop} at
 * the top level. Ollama's native API gets them inside {@code "options"} as {@code num_predict}, {@code temperature},
 * {@code top_p}, {@code seed} and {@code stop}. {@code extra} is merged last, at the top level, so it wins over
 * anything the client wrote; for Ollama an {@code "options"} object in {@code extra} is merged into the options
 * rather than replacing them.
 *
 * @param extra any other body field as JSON, e.g. vLLM's {@code guided_json}; {@code stream} is refused here because
 *              the client must know how to read the answer (use {@link PromptRequest#stream()})
 */
public record Sampling(Integer maxTokens, Double temperature, Double topP, Long seed, List<String> stop,
                       Map<String, JsonNode> extra) {

    /**
     * Body fields the client writes itself and {@code extra} may not set: how the answer is read depends on them.
     * A command line checks its parameters against this before it stores anything.
     */
    public static final Set<String> CLIENT_CHOSEN = Set.of("stream");

    private static final Sampling NONE = new Sampling(null, null, null, null, List.of(), Map.of());
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    public Sampling {
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        Map<String, JsonNode> copy = new LinkedHashMap<>();
        if (extra != null) {
            extra.forEach((key, value) -> {
                if (key == null || key.isBlank()) {
                    throw new IllegalArgumentException("an extra parameter needs a name");
                }
                if (CLIENT_CHOSEN.contains(key)) {
                    throw new IllegalArgumentException(
                            "'stream' cannot be an extra parameter: streaming is chosen with PromptRequest.stream");
                }
                copy.put(key, Objects.requireNonNull(value, () -> "extra parameter " + key + " has no value"));
            });
        }
        extra = Collections.unmodifiableMap(copy);
    }

    /** Nothing set: the server decides everything. */
    public static Sampling none() {
        return NONE;
    }

    public Sampling withMaxTokens(Integer n) {
        return new Sampling(n, temperature, topP, seed, stop, extra);
    }

    public Sampling withTemperature(Double t) {
        return new Sampling(maxTokens, t, topP, seed, stop, extra);
    }

    public Sampling withTopP(Double p) {
        return new Sampling(maxTokens, temperature, p, seed, stop, extra);
    }

    public Sampling withSeed(Long s) {
        return new Sampling(maxTokens, temperature, topP, s, stop, extra);
    }

    public Sampling withStop(List<String> sequences) {
        return new Sampling(maxTokens, temperature, topP, seed, sequences, extra);
    }

    /** Adds (or replaces) one extra body field. */
    public Sampling withExtra(String key, JsonNode value) {
        Map<String, JsonNode> more = new LinkedHashMap<>(extra);
        more.put(key, value);
        return new Sampling(maxTokens, temperature, topP, seed, stop, more);
    }

    /**
     * Reads one {@code key=JSON} command-line parameter, e.g. {@code guided_json={"type":"object"}} or
     * {@code repetition_penalty=1.1}. A value that is not JSON is an error, not a string: write {@code k="text"}.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static Map.Entry<String, JsonNode> parseExtra(String keyEqualsJson) {
        int eq = keyEqualsJson == null ? -1 : keyEqualsJson.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("expected key=JSON, got: " + keyEqualsJson);
        }
        String key = keyEqualsJson.substring(0, eq).strip();
        String json = keyEqualsJson.substring(eq + 1);
        try {
            JsonNode value = MAPPER.readTree(json);
            if (value == null || value.isMissingNode()) {
                throw new IllegalArgumentException("no JSON value after '" + key + "='");
            }
            return Map.entry(key, value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the value of '" + key + "' is not JSON (strings need quotes: "
                    + key + "=\"text\"): " + JsonFault.describe(e), e);
        }
    }
}
