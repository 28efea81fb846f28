package dev.stride.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.stride.core.CheckpointStore;
import dev.stride.core.GenerationParams;
import dev.stride.core.JsonlReader;
import dev.stride.core.PromptTemplate;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.db.SqliteCheckpointStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true)
final class ExportCommand implements Callable<Integer> {
    private static final List<String> COLUMNS = List.of("id", "output", "status", "error", "finish_reason",
            "prompt_tokens", "completion_tokens", "latency_ms", "attempts", "finished_at");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = new CsvMapper();

    enum Format { jsonl, csv, batch }

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--db", required = true, paramLabel = "FILE")
    Path db;

    @Option(names = "--run", paramLabel = "NAME")
    String run;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl")
    Format format;

    @Option(names = "--include-input")
    boolean includeInput;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE")
    Path output;

    @Override
    public Integer call() throws IOException {
        DbFile.requireExists(db);
        try (CheckpointStore store = SqliteCheckpointStore.openReadOnly(db)) {
            RunInfo chosen = chooseRun(store);
            if (output == null) {
                Writer w = spec.commandLine().getOut();
                write(store, chosen, w);
                w.flush();
            } else {
                Path target = output.toAbsolutePath();
                Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
                try (BufferedWriter w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                    write(store, chosen, w);
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(temp);
                    throw e;
                }
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return ExitCodes.OK;
    }

    private RunInfo chooseRun(CheckpointStore store) {
        if (run != null) {
            return store.findRun(run).orElseThrow(() -> UserError.usageOf("msg.noSuchRun", db, run,
                    ClearCommand.knownRuns(store)));
        }
        List<RunInfo> runs = store.listRuns();
        if (runs.size() == 1) {
            return runs.get(0);
        }
        throw UserError.usageOf("msg.export.nameTheRun", ClearCommand.knownRuns(store));
    }

    private void write(CheckpointStore store, RunInfo chosen, Writer w) throws IOException {
        RowWriter rows = switch (format) {
            case csv -> csvWriter(store, chosen, w);
            case batch -> row -> writeBatch(w, chosen, row);
            case jsonl -> row -> writeJson(w, row);
        };
        try {
            store.forEachResult(chosen.id(), row -> {
                try {
                    rows.write(row);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private interface RowWriter {
        void write(ResultRow row) throws IOException;
    }

    private void writeJson(Writer w, ResultRow r) throws IOException {
        ObjectNode line = JSON.createObjectNode();
        line.put("id", r.id());
        line.put("output", r.output());
        line.put("status", r.status());
        line.put("error", r.error());
        line.put("finish_reason", r.finishReason());
        line.put("prompt_tokens", r.promptTokens());
        line.put("completion_tokens", r.completionTokens());
        line.put("latency_ms", r.latencyMs());
        line.put("attempts", r.attempts());
        line.put("finished_at", r.finishedAt() == null ? null : r.finishedAt().toString());
        // What --extract and --json-output took out of the answer, only when there is any: the JSON answer as JSON.
        if (r.extracted() != null) {
            line.put("extracted", r.extracted());
        }
        if (r.outputJson() != null) {
            line.set("output_json", JsonlReader.parse(r.outputJson()));
        }
        if (includeInput) {
            line.set("input", JsonlReader.parse(r.inputJson()));
        }
        w.write(JSON.writeValueAsString(line));
        w.write('\n');
    }

    /**
     * RFC 4180 through Jackson's CSV module. With --include-input, the input's top-level fields become
     * {@code input.FIELD} columns, in the order first seen: a first pass over the run collects them.
     */
    private RowWriter csvWriter(CheckpointStore store, RunInfo chosen, Writer w) throws IOException {
        Set<String> inputFields = new LinkedHashSet<>();
        if (includeInput) {
            store.forEachResult(chosen.id(), row -> JsonlReader.parse(row.inputJson()).fieldNames()
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
            Object[] fixed = {r.id(), r.output(), r.status(), r.error(), r.finishReason(), r.promptTokens(),
                r.completionTokens(), r.latencyMs(), r.attempts(), r.finishedAt()};
            for (int i = 0; i < fixed.length; i++) {
                values.put(COLUMNS.get(i), fixed[i] == null ? null : fixed[i].toString());
            }
            if (includeInput) {
                JsonNode input = JsonlReader.parse(r.inputJson());
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
    private void writeBatch(Writer w, RunInfo chosen, ResultRow r) throws IOException {
        if (r.status().equals("pending")) {
            return;
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("id", "stride_req_" + chosen.id() + "_" + r.seq());
        line.put("custom_id", r.id());
        if (r.status().equals("done")) {
            ObjectNode response = line.putObject("response");
            response.put("status_code", 200);
            response.put("request_id", r.responseId());
            response.set("body", batchBody(chosen, r));
            line.putNull("error");
        } else {
            line.putNull("response");
            line.putObject("error").put("code", r.errorKind()).put("message", r.error());
        }
        if (includeInput) {
            line.set("input", JsonlReader.parse(r.inputJson()));
        }
        w.write(JSON.writeValueAsString(line));
        w.write('\n');
    }

    private static JsonNode batchBody(RunInfo chosen, ResultRow r) {
        if (r.rawResponse() != null) {
            try {
                JsonNode raw = JSON.readTree(r.rawResponse());
                if (raw != null && raw.isObject()) {
                    return raw;
                }
            } catch (IOException e) {
                // A stream's text or a cut body: rebuilt below.
            }
        }
        JsonNode input = JsonlReader.parse(r.inputJson());
        boolean text = PromptTemplate.isBatchRequest(input)
                ? !input.path("url").asText().endsWith("/chat/completions")
                : "completions".equals(GenerationParams.fromJson(chosen.paramsJson()).apiOrDefault());
        ObjectNode body = JSON.createObjectNode();
        body.put("id", r.responseId());
        body.put("object", text ? "text_completion" : "chat.completion");
        body.put("model", r.serverModel() != null ? r.serverModel() : chosen.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        if (text) {
            choice.put("text", r.output());
        } else {
            choice.putObject("message").put("role", "assistant").put("content", r.output());
        }
        choice.put("finish_reason", r.finishReason());
        if (r.promptTokens() != null || r.completionTokens() != null) {
            ObjectNode usage = body.putObject("usage");
            usage.put("prompt_tokens", r.promptTokens());
            usage.put("completion_tokens", r.completionTokens());
            if (r.promptTokens() != null && r.completionTokens() != null) {
                usage.put("total_tokens", r.promptTokens() + r.completionTokens());
            }
        }
        return body;
    }
}
