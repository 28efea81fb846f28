package dev.stride.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.stride.core.Answer;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Endpoint;
import dev.stride.core.GenerationParams;
import dev.stride.core.Json;
import dev.stride.core.ParsedOutput;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.Timing;
import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A run's records with their outcomes, written as {@code stride export} writes them: JSON lines, CSV with a header, or
 * the OpenAI Batch output format; with {@code includeInput}, each record's input fields too.
 */
final class ResultFormats {
    private static final List<String> COLUMNS = List.of("id", "output", "status", "error", "finish_reason",
            "prompt_tokens", "completion_tokens", "latency_ms", "attempts", "finished_at");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = new CsvMapper();
    private static final Answer NO_ANSWER = Answer.plain(null, null, null, null);

    private final CheckpointStore store;
    private final RunInfo chosen;
    private final boolean includeInput;

    ResultFormats(CheckpointStore store, RunInfo chosen, boolean includeInput) {
        this.store = store;
        this.chosen = chosen;
        this.includeInput = includeInput;
    }

    /** Where each row goes, in the format asked for. */
    RowWriter writer(ExportCommand.Format format, Writer w) throws IOException {
        return switch (format) {
            case csv -> csvWriter(w);
            case batch -> row -> writeBatch(w, row);
            case jsonl -> row -> writeJson(w, row);
        };
    }

    interface RowWriter {
        void write(ResultRow row) throws IOException;
    }

    private void writeJson(Writer w, ResultRow r) throws IOException {
        Answer a = answer(r);
        Timing t = r.timing();
        ObjectNode line = JSON.createObjectNode();
        line.put("id", r.id());
        line.put("output", a.output());
        line.put("status", r.status().label());
        line.put("error", error(r));
        line.put("finish_reason", a.finishReason());
        line.put("prompt_tokens", a.promptTokens());
        line.put("completion_tokens", a.completionTokens());
        line.put("latency_ms", t == null ? null : t.latencyMs());
        line.put("attempts", t == null ? null : t.attempts());
        line.put("finished_at", t == null || t.finishedAt() == null ? null : t.finishedAt().toString());
        // What --extract and --json-output took out of the answer, only when there is any: the JSON answer as JSON.
        ParsedOutput parsed = r.prediction() == null ? ParsedOutput.NONE : r.prediction().parsed();
        if (parsed.extracted() != null) {
            line.put("extracted", parsed.extracted());
        }
        if (parsed.json() != null) {
            line.set("output_json", Json.read(parsed.json(), Json.storedOutputJson(r.id())));
        }
        if (includeInput) {
            line.set("input", input(r));
        }
        w.write(JSON.writeValueAsString(line));
        w.write('\n');
    }

    /**
     * RFC 4180 through Jackson's CSV module. With --include-input, the input's top-level fields become
     * {@code input.FIELD} columns, in the order first seen: a first pass over the run collects them.
     */
    private RowWriter csvWriter(Writer w) throws IOException {
        Set<String> inputFields = new LinkedHashSet<>();
        if (includeInput) {
            store.forEachResult(chosen.id(), row -> input(row).fieldNames()
                    .forEachRemaining(inputFields::add));
        }
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true).setLineSeparator("\r\n");
        COLUMNS.forEach(schema::addColumn);
        inputFields.forEach(f -> schema.addColumn("input." + f));
        // Strict checking quotes only what RFC 4180 needs quoted (a comma, quote, CR or LF), not every space.
        SequenceWriter out = CSV.writer(schema.build()).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                .with(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING)
                .writeValues(w);
        return r -> {
            Map<String, Object> values = new LinkedHashMap<>();
            Answer a = answer(r);
            Timing t = r.timing();
            Object[] fixed = {r.id(), a.output(), r.status().label(), error(r), a.finishReason(), a.promptTokens(),
                a.completionTokens(), t == null ? null : t.latencyMs(), t == null ? null : t.attempts(),
                t == null ? null : t.finishedAt()};
            for (int i = 0; i < fixed.length; i++) {
                values.put(COLUMNS.get(i), fixed[i] == null ? null : fixed[i].toString());
            }
            if (includeInput) {
                JsonNode input = input(r);
                for (String f : inputFields) {
                    JsonNode v = input.get(f);
                    values.put("input." + f, v == null || v.isNull() ? null : v.isValueNode() ? v.asText()
                            : v.toString());
                }
            }
            out.write(values);
            out.flush();
        };
    }

    /**
     * One line of the OpenAI Batch output format. The response body is the server's own when it was kept
     * ({@code --keep-raw}, unstreamed), else rebuilt from what is stored: the answer, finish reason, token counts,
     * the server's model name and response id.
     */
    private void writeBatch(Writer w, ResultRow r) throws IOException {
        if (r.status() == RecordStatus.PENDING) {
            return;
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("id", "stride_req_" + chosen.id() + "_" + r.seq());
        line.put("custom_id", r.id());
        if (r.status() == RecordStatus.DONE) {
            ObjectNode response = line.putObject("response");
            response.put("status_code", 200);
            response.put("request_id", r.prediction().answer().responseId());
            response.set("body", batchBody(chosen, r));
            line.putNull("error");
        } else {
            line.putNull("response");
            line.putObject("error").put("code", r.failure().errorKind()).put("message", r.failure().error());
        }
        if (includeInput) {
            line.set("input", input(r));
        }
        w.write(JSON.writeValueAsString(line));
        w.write('\n');
    }

    /** A record's input as stored. */
    private static JsonNode input(ResultRow r) {
        return Json.read(r.inputJson(), Json.storedRecord(r.id()));
    }

    /** The server's answer of a done record; an answer of nothing else. */
    private static Answer answer(ResultRow r) {
        return r.prediction() != null ? r.prediction().answer() : NO_ANSWER;
    }

    /** Why a failed record failed; null for the others. */
    private static String error(ResultRow r) {
        return r.failure() == null ? null : r.failure().error();
    }

    /** The body of a done record's response. */
    private static JsonNode batchBody(RunInfo chosen, ResultRow r) {
        Answer a = r.prediction().answer();
        if (a.rawBody() != null) {
            try {
                JsonNode raw = JSON.readTree(a.rawBody());
                if (raw != null && raw.isObject()) {
                    return raw;
                }
            } catch (IOException e) {
                // A stream's text or a cut body: rebuilt below.
            }
        }
        JsonNode input = input(r);
        Endpoint endpoint = PromptTemplate.isBatchRequest(input)
                ? PromptTemplate.batchEndpoint(input.path("url").asText())
                : GenerationParams.fromJson(chosen.paramsJson()).endpointOrDefault();
        boolean text = endpoint == Endpoint.COMPLETIONS;
        ObjectNode body = JSON.createObjectNode();
        body.put("id", a.responseId());
        body.put("object", text ? "text_completion" : "chat.completion");
        body.put("model", a.serverModel() != null ? a.serverModel() : chosen.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        if (text) {
            choice.put("text", a.output());
        } else {
            choice.putObject("message").put("role", "assistant").put("content", a.output());
        }
        choice.put("finish_reason", a.finishReason());
        if (a.promptTokens() != null || a.completionTokens() != null) {
            ObjectNode usage = body.putObject("usage");
            usage.put("prompt_tokens", a.promptTokens());
            usage.put("completion_tokens", a.completionTokens());
            if (a.promptTokens() != null && a.completionTokens() != null) {
                usage.put("total_tokens", a.promptTokens() + a.completionTokens());
            }
        }
        return body;
    }
}
