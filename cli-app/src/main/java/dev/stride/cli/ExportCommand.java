package dev.stride.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.CheckpointStore;
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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export",
        mixinStandardHelpOptions = true,
        description = "Writes one line per record of a run, in input order: its id, output, status (done, failed or"
                + " pending) and error.",
        footerHeading = "%nExamples:%n",
        footer = {"  stride export --db runs.db --run qwen-medical-lora-251106-f16 -o answers.jsonl",
                  "  stride export --db runs.db --format csv -o answers.csv"})
final class ExportCommand implements Callable<Integer> {
    private static final List<String> COLUMNS = List.of("id", "output", "status", "error", "finish_reason",
            "prompt_tokens", "completion_tokens", "latency_ms", "attempts", "finished_at");

    enum Format { jsonl, csv }

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--db", required = true, paramLabel = "FILE", description = "The run database.")
    Path db;

    @Option(names = "--run", paramLabel = "NAME", description = "The run to export (may be left out when the"
            + " database holds one run).")
    String run;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl",
            description = "jsonl or csv (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write (default: standard"
            + " output). The file appears whole or not at all.")
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
            return store.findRun(run).orElseThrow(() -> UserError.usage(db + ": has no run '" + run + "'"
                    + ClearCommand.knownRuns(store)));
        }
        List<RunInfo> runs = store.listRuns();
        if (runs.size() == 1) {
            return runs.get(0);
        }
        throw UserError.usage("name the run to export with --run NAME" + ClearCommand.knownRuns(store));
    }

    private void write(CheckpointStore store, RunInfo chosen, Writer w) throws IOException {
        if (format == Format.csv) {
            w.write(String.join(",", COLUMNS));
            w.write("\r\n");
        }
        ObjectMapper mapper = new ObjectMapper();
        try {
            store.forEachResult(chosen.id(), row -> {
                try {
                    if (format == Format.csv) {
                        writeCsv(w, row);
                    } else {
                        writeJson(mapper, w, row);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void writeJson(ObjectMapper mapper, Writer w, ResultRow r) throws IOException {
        JsonGenerator g = mapper.getFactory().createGenerator(w);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.writeStartObject();
        g.writeStringField("id", r.id());
        g.writeStringField("output", r.output());
        g.writeStringField("status", r.status());
        g.writeStringField("error", r.error());
        g.writeStringField("finish_reason", r.finishReason());
        writeNumber(g, "prompt_tokens", r.promptTokens());
        writeNumber(g, "completion_tokens", r.completionTokens());
        writeNumber(g, "latency_ms", r.latencyMs());
        writeNumber(g, "attempts", r.attempts());
        g.writeStringField("finished_at", r.finishedAt() == null ? null : r.finishedAt().toString());
        g.writeEndObject();
        g.close();
        w.write('\n');
    }

    private static void writeNumber(JsonGenerator g, String name, Number value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, value.longValue());
        }
    }

    private static void writeCsv(Writer w, ResultRow r) throws IOException {
        Object[] values = {r.id(), r.output(), r.status(), r.error(), r.finishReason(), r.promptTokens(),
            r.completionTokens(), r.latencyMs(), r.attempts(), r.finishedAt()};
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                w.write(',');
            }
            w.write(csvField(values[i]));
        }
        w.write("\r\n");
    }

    /** RFC 4180: quote a field holding a comma, quote, CR or LF, doubling its quotes. */
    static String csvField(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
