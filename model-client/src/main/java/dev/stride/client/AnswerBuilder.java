package dev.stride.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects one answer from the pieces a server sends: a whole body, or the chunks of a stream. Text fields stay
 * {@code null} until the server sends a string for them, so "no content" (tool calls, refusals) and "empty content"
 * stay apart, as in a non-streamed body. Not thread-safe: one per call.
 */
final class AnswerBuilder {

    private String id;
    private String model;
    private StringBuilder content;
    private StringBuilder reasoning;
    private StringBuilder refusal;
    private String finishReason;
    /** OpenAI stream fragments, merged by their {@code index}. */
    private final Map<Integer, ObjectNode> toolCallParts = new TreeMap<>();
    /** Whole tool calls (Ollama sends each complete, in one chunk). */
    private ArrayNode wholeToolCalls;
    private Integer promptTokens;
    private Integer completionTokens;

    /** The first non-empty id wins: TGI repeats {@code ""} on every chunk. */
    void id(JsonNode node) {
        if (id == null && node.isTextual() && !node.asText().isEmpty()) {
            id = node.asText();
        }
    }

    void model(JsonNode node) {
        if (model == null && node.isTextual() && !node.asText().isEmpty()) {
            model = node.asText();
        }
    }

    void content(JsonNode node) {
        content = append(content, node);
    }

    void reasoning(JsonNode node) {
        reasoning = append(reasoning, node);
    }

    void refusal(JsonNode node) {
        refusal = append(refusal, node);
    }

    /** The chunk that carries a finish reason sets it; the {@code null}s of the other chunks do not unset it. */
    void finishReason(JsonNode node) {
        if (node.isTextual() && !node.asText().isEmpty()) {
            finishReason = node.asText();
        }
    }

    boolean hasFinishReason() {
        return finishReason != null;
    }

    /** A later usage replaces an earlier one (vLLM's continuous usage stats send it on every chunk). */
    void usage(JsonNode promptCount, JsonNode completionCount) {
        if (promptCount.isNumber()) {
            promptTokens = promptCount.intValue();
        }
        if (completionCount.isNumber()) {
            completionTokens = completionCount.intValue();
        }
    }

    /**
     * One {@code delta.tool_calls} array of an OpenAI-style stream: id, type and function name are taken from the
     * first fragment that has them; {@code function.arguments} fragments are concatenated. A fragment without an
     * {@code index} counts by its position in the array.
     */
    void toolCallFragments(JsonNode array) {
        if (!array.isArray()) {
            return;
        }
        int position = 0;
        for (JsonNode fragment : array) {
            int index = fragment.path("index").isInt() ? fragment.path("index").intValue() : position;
            position++;
            ObjectNode call = toolCallParts.computeIfAbsent(index, i -> JsonNodeFactory.instance.objectNode());
            setIfAbsent(call, "id", fragment.path("id"));
            setIfAbsent(call, "type", fragment.path("type"));
            JsonNode function = fragment.path("function");
            if (function.isObject()) {
                ObjectNode target = call.has("function") ? (ObjectNode) call.get("function") : call.putObject("function");
                setIfAbsent(target, "name", function.path("name"));
                JsonNode arguments = function.path("arguments");
                if (arguments.isTextual()) {
                    String before = target.path("arguments").asText("");
                    target.put("arguments", before + arguments.asText());
                } else if (arguments.isObject() && !target.has("arguments")) {
                    target.set("arguments", arguments);
                }
            }
        }
    }

    /** Complete tool calls, appended in order (Ollama). */
    void wholeToolCalls(JsonNode array) {
        if (!array.isArray() || array.isEmpty()) {
            return;
        }
        if (wholeToolCalls == null) {
            wholeToolCalls = JsonNodeFactory.instance.arrayNode();
        }
        wholeToolCalls.addAll((ArrayNode) array);
    }

    ChatResult build(Duration latency) {
        return new ChatResult(id, model, text(content), text(reasoning), text(refusal), finishReason, toolCallsJson(),
                promptTokens, completionTokens, latency, null, null);
    }

    private String toolCallsJson() {
        ArrayNode all = JsonNodeFactory.instance.arrayNode();
        toolCallParts.values().forEach(all::add);
        if (wholeToolCalls != null) {
            all.addAll(wholeToolCalls);
        }
        return all.isEmpty() ? null : all.toString();
    }

    private static void setIfAbsent(ObjectNode target, String field, JsonNode value) {
        if (!target.hasNonNull(field) && value.isValueNode() && !value.isNull()) {
            target.set(field, value);
        }
    }

    private static StringBuilder append(StringBuilder sb, JsonNode node) {
        if (!node.isTextual()) {
            return sb;
        }
        return (sb == null ? new StringBuilder() : sb).append(node.asText());
    }

    private static String text(StringBuilder sb) {
        return sb == null ? null : sb.toString();
    }
}
