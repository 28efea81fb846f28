package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A check of one line of an OpenAI Batch output file against OpenAI's API reference (the OpenAPI description of
 * the REST API, {@code openapi.yaml}): each required field below is named with the schema that requires it, so a
 * line that passes here is one that OpenAI's own typed readers take. Written from the reference, not from stride's
 * code.
 */
final class OpenAiBatchReference {
    private OpenAiBatchReference() {
    }

    /** Checks {@code line}; {@code where} names it in a failure. */
    static void check(JsonNode line, String where) {
        // BatchRequestOutput: id (string), custom_id (string), response (object or null), error (object or null).
        requireString(line, "id", where);
        requireString(line, "custom_id", where);
        assertThat(line.has("response") && line.has("error")).as(where + ": response and error").isTrue();
        JsonNode response = line.get("response");
        JsonNode error = line.get("error");
        assertThat(response.isNull() != error.isNull()).as(where + ": exactly one of response and error").isTrue();
        if (!error.isNull()) {
            // BatchRequestOutput.error: code (string), message (string).
            requireString(error, "code", where + " error");
            requireString(error, "message", where + " error");
            return;
        }
        // BatchRequestOutput.response: status_code (integer), request_id (string), body (object).
        assertThat(response.path("status_code").isInt()).as(where + ": status_code").isTrue();
        assertThat(response.has("request_id")).as(where + ": request_id").isTrue();
        assertThat(response.path("request_id").isTextual() || response.path("request_id").isNull()).isTrue();
        JsonNode body = response.get("body");
        assertThat(body != null && body.isObject()).as(where + ": body is an object").isTrue();
        if (response.get("status_code").asInt() != 200) {
            checkError(body.get("error"), where + " body.error");
        } else if (body.path("object").asText().equals("text_completion")) {
            checkCompletion(body, where + " body");
        } else {
            checkChatCompletion(body, where + " body");
        }
    }

    /** CreateChatCompletionResponse: required [choices, created, id, model, object]. */
    private static void checkChatCompletion(JsonNode body, String where) {
        requireString(body, "id", where);
        assertThat(body.get("object").asText()).as(where + ".object").isEqualTo("chat.completion");
        requireInteger(body, "created", where);
        requireString(body, "model", where);
        JsonNode choices = requireArray(body, "choices", where);
        for (JsonNode choice : choices) {
            // CreateChatCompletionResponse.choices[]: required [finish_reason, index, message, logprobs].
            checkFinishReason(choice, where, List.of("stop", "length", "tool_calls", "content_filter",
                    "function_call"));
            requireInteger(choice, "index", where + ".choices[]");
            requirePresent(choice, "logprobs", where + ".choices[]");
            JsonNode message = choice.get("message");
            assertThat(message != null && message.isObject()).as(where + ".choices[].message").isTrue();
            // ChatCompletionResponseMessage: required [content, refusal, role]; content and refusal nullable.
            assertThat(message.path("role").asText()).as(where + ".message.role").isEqualTo("assistant");
            requireStringOrNull(message, "content", where + ".message");
            requireStringOrNull(message, "refusal", where + ".message");
        }
        checkUsage(body, where);
    }

    /** CreateCompletionResponse: required [id, object, created, model, choices]. */
    private static void checkCompletion(JsonNode body, String where) {
        requireString(body, "id", where);
        requireInteger(body, "created", where);
        requireString(body, "model", where);
        for (JsonNode choice : requireArray(body, "choices", where)) {
            // CreateCompletionResponse.choices[]: required [finish_reason, index, logprobs, text].
            checkFinishReason(choice, where, List.of("stop", "length", "content_filter"));
            requireInteger(choice, "index", where + ".choices[]");
            requirePresent(choice, "logprobs", where + ".choices[]");
            requireString(choice, "text", where + ".choices[]");
        }
        checkUsage(body, where);
    }

    /** CompletionUsage (optional), when present: required [completion_tokens, prompt_tokens, total_tokens]. */
    private static void checkUsage(JsonNode body, String where) {
        JsonNode usage = body.get("usage");
        if (usage == null) {
            return;
        }
        requireInteger(usage, "prompt_tokens", where + ".usage");
        requireInteger(usage, "completion_tokens", where + ".usage");
        requireInteger(usage, "total_tokens", where + ".usage");
    }

    /** Error (an error response's body.error): required [code, message, param, type]; code and param nullable. */
    private static void checkError(JsonNode error, String where) {
        assertThat(error != null && error.isObject()).as(where).isTrue();
        requireString(error, "message", where);
        requireString(error, "type", where);
        requireStringOrNull(error, "code", where);
        requireStringOrNull(error, "param", where);
    }

    private static void checkFinishReason(JsonNode choice, String where, List<String> allowed) {
        assertThat(choice.path("finish_reason").asText(null)).as(where + ".choices[].finish_reason").isIn(allowed);
    }

    private static void requirePresent(JsonNode node, String field, String where) {
        assertThat(node.has(field)).as(where + "." + field + " is required").isTrue();
    }

    private static void requireString(JsonNode node, String field, String where) {
        assertThat(node.path(field).isTextual()).as(where + "." + field + " is a required string: " + node).isTrue();
    }

    private static void requireStringOrNull(JsonNode node, String field, String where) {
        requirePresent(node, field, where);
        assertThat(node.get(field).isTextual() || node.get(field).isNull()).as(where + "." + field).isTrue();
    }

    private static void requireInteger(JsonNode node, String field, String where) {
        assertThat(node.path(field).isIntegralNumber()).as(where + "." + field + " is a required integer: " + node)
                .isTrue();
    }

    private static JsonNode requireArray(JsonNode node, String field, String where) {
        assertThat(node.path(field).isArray() && node.path(field).size() > 0).as(where + "." + field).isTrue();
        return node.get(field);
    }
}
