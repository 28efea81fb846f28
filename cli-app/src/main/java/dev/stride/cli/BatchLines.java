package dev.stride.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.Answer;
import dev.stride.core.Endpoint;
import dev.stride.core.FailedPrediction;
import dev.stride.core.GenerationParams;
import dev.stride.core.Json;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import java.io.IOException;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run's finished records as lines of the OpenAI Batch output file ({@code BatchRequestOutput} of OpenAI's API
 * reference), with each response body holding every field the reference marks required
 * ({@code CreateChatCompletionResponse}, {@code CreateCompletionResponse}, {@code Error}), so that a program that
 * reads the file with OpenAI's own types takes every line.
 *
 * <ul>
 *   <li>A done record: {@code response} with status 200 and the server's body as it was kept ({@code --keep-raw}),
 *       else one rebuilt from what is stored; required fields the server left out are added, none is changed.</li>
 *   <li>A record the server refused with an HTTP status: {@code response} with that status and an error body, as
 *       OpenAI writes a failed request.</li>
 *   <li>A record that never got an HTTP answer (timeout, connection, an unusable body): {@code error}.</li>
 * </ul>
 */
final class BatchLines {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HTTP_KIND = Pattern.compile("http_(\\d{3})");

    private final RunInfo run;

    BatchLines(RunInfo run) {
        this.run = run;
    }

    /** The line of a finished record; null for a pending one, which the file leaves out. */
    ObjectNode line(ResultRow r) {
        if (r.status() == RecordStatus.PENDING) {
            return null;
        }
        ObjectNode line = JSON.createObjectNode();
        // Unique per line within a run: a record's seq is its place in the run.
        line.put("id", "stride_req_" + run.id() + "_" + r.seq());
        line.put("custom_id", r.id());
        if (r.status() == RecordStatus.DONE) {
            ObjectNode response = line.putObject("response");
            response.put("status_code", 200);
            response.put("request_id", r.prediction().answer().responseId());
            response.set("body", body(r));
            line.putNull("error");
            return line;
        }
        FailedPrediction f = r.failure();
        Matcher http = HTTP_KIND.matcher(f.errorKind() == null ? "" : f.errorKind());
        if (http.matches()) {
            int status = Integer.parseInt(http.group(1));
            ObjectNode response = line.putObject("response");
            response.put("status_code", status);
            response.putNull("request_id");
            ObjectNode error = response.putObject("body").putObject("error");
            error.put("message", f.error());
            error.put("type", status >= 500 ? "server_error" : "invalid_request_error");
            error.putNull("param");
            error.putNull("code");
            line.putNull("error");
        } else {
            line.putNull("response");
            line.putObject("error").put("code", f.errorKind()).put("message", f.error());
        }
        return line;
    }

    /** The body of a done record's response: the server's own where kept, else rebuilt; complete either way. */
    private ObjectNode body(ResultRow r) {
        Answer a = r.prediction().answer();
        boolean text = endpoint(r) == Endpoint.COMPLETIONS;
        ObjectNode body = kept(a);
        if (body == null) {
            body = JSON.createObjectNode();
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0);
            if (text) {
                choice.put("text", a.output());
            } else {
                message(choice.putObject("message"), a, r.seq());
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", a.finishReason());
            if (a.promptTokens() != null && a.completionTokens() != null) {
                ObjectNode usage = body.putObject("usage");
                usage.put("prompt_tokens", a.promptTokens());
                usage.put("completion_tokens", a.completionTokens());
                usage.put("total_tokens", a.promptTokens() + a.completionTokens());
            }
        }
        if (!body.hasNonNull("id")) {
            body.put("id", a.responseId() != null ? a.responseId()
                    : (text ? "cmpl-stride-" : "chatcmpl-stride-") + run.id() + "-" + r.seq());
        }
        if (!body.hasNonNull("object")) {
            body.put("object", text ? "text_completion" : "chat.completion");
        }
        if (!body.has("created") || !body.get("created").canConvertToLong()) {
            // When the answer arrived, as the Unix time in seconds the reference asks for: servers that say
            // nothing (and answers rebuilt from the store) still have it.
            Instant at = r.timing().finishedAt();
            body.put("created", at == null ? 0 : at.getEpochSecond());
        }
        if (!body.hasNonNull("model")) {
            body.put("model", a.serverModel() != null ? a.serverModel() : run.model());
        }
        for (JsonNode c : body.path("choices")) {
            if (c instanceof ObjectNode choice) {
                if (!choice.has("logprobs")) {
                    choice.putNull("logprobs");
                }
                if (!choice.hasNonNull("finish_reason")) {
                    // A done answer ended; "stop" is the reference's word for an answer that ended by itself.
                    choice.put("finish_reason", "stop");
                }
                if (choice.get("message") instanceof ObjectNode message && !message.has("refusal")) {
                    message.putNull("refusal");
                }
            }
        }
        return body;
    }

    /**
     * The assistant's message: text, or the refusal, or the tool calls, each where the reference puts it. A refusal
     * that an older stride stored as the output too is still a refusal: its content is null.
     */
    private void message(ObjectNode message, Answer a, long seq) {
        message.put("role", "assistant");
        boolean refused = a.refusal() != null && (a.output() == null || a.refusal().equals(a.output()));
        boolean toolsOnly = a.toolCalls() != null && a.toolCalls().equals(a.output());
        message.put("content", refused || toolsOnly ? null : a.output());
        message.put("refusal", a.refusal());
        if (a.toolCalls() != null) {
            try {
                message.set("tool_calls", openAiToolCalls(JSON.readTree(a.toolCalls()), seq));
            } catch (IOException e) {
                // Stored as the server sent them; what is not JSON stays in the content.
            }
        }
    }

    /**
     * Tool calls in OpenAI's shape ({@code ChatCompletionMessageToolCall}): each with an {@code id}, {@code type}
     * {@code function}, and the arguments as a JSON-encoded string. Ollama sends the arguments as an object and
     * neither of the others; what a server did send is kept as it is.
     */
    private JsonNode openAiToolCalls(JsonNode calls, long seq) {
        if (!calls.isArray()) {
            return calls;
        }
        int i = 0;
        for (JsonNode c : calls) {
            if (c instanceof ObjectNode call) {
                if (!call.hasNonNull("id")) {
                    call.put("id", "call_stride_" + run.id() + "_" + seq + "_" + i);
                }
                if (!call.hasNonNull("type")) {
                    call.put("type", "function");
                }
                if (call.get("function") instanceof ObjectNode function && function.has("arguments")
                        && !function.get("arguments").isTextual()) {
                    function.put("arguments", function.get("arguments").toString());
                }
            }
            i++;
        }
        return calls;
    }

    /** The server's own body, when it was kept and is a JSON object (not a stream's text or a cut body). */
    private static ObjectNode kept(Answer a) {
        if (a.rawBody() == null) {
            return null;
        }
        try {
            return JSON.readTree(a.rawBody()) instanceof ObjectNode raw && raw.has("choices") ? raw : null;
        } catch (IOException e) {
            return null;
        }
    }

    private Endpoint endpoint(ResultRow r) {
        JsonNode input = Json.read(r.inputJson(), Json.storedRecord(r.id()));
        return PromptTemplate.isBatchRequest(input)
                ? PromptTemplate.batchEndpoint(input.path("url").asText())
                : GenerationParams.fromJson(run.paramsJson()).endpointOrDefault();
    }
}
