package dev.stride.cli;

import static dev.stride.cli.ParquetWriter.Kind.BOOLEAN;
import static dev.stride.cli.ParquetWriter.Kind.DOUBLE;
import static dev.stride.cli.ParquetWriter.Kind.INT32;
import static dev.stride.cli.ParquetWriter.Kind.INT64;
import static dev.stride.cli.ParquetWriter.Kind.STRING;
import static dev.stride.cli.ParquetWriter.Kind.TIMESTAMP_MILLIS;

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
import dev.stride.core.FailedPrediction;
import dev.stride.core.GenerationParams;
import dev.stride.core.Json;
import dev.stride.core.ParsedOutput;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.Timing;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A run's records with their outcomes, written as {@code stride export} writes them: JSON lines, CSV with a header,
 * the OpenAI Batch output format, or Parquet; with {@code includeInput}, each record's input fields too.
 */
final class ResultFormats {
    private static final List<String> COLUMNS = List.of("id", "output", "status", "error", "finish_reason",
            "prompt_tokens", "completion_tokens", "latency_ms", "attempts", "finished_at", "refusal", "extracted",
            "output_json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = new CsvMapper();
    private static final Answer NO_ANSWER = Answer.plain(null, null, null, null);

    private final CheckpointStore store;
    private final RunInfo chosen;
    private final boolean includeInput;
    private final BatchLines batch;
    private final BooleanSupplier stopRequested;
    /** Told of each row gone through, in every pass; null when nobody watches. */
    private ExportProgress progress;

    /**
     * {@code stopRequested} is asked before each record of every pass: when it says stop,
     * {@link InterruptibleOutput.Stopped}.
     */
    ResultFormats(CheckpointStore store, RunInfo chosen, boolean includeInput, BooleanSupplier stopRequested) {
        this.store = store;
        this.chosen = chosen;
        this.includeInput = includeInput;
        this.batch = new BatchLines(chosen);
        this.stopRequested = stopRequested;
    }

    /** The run's rows in input order, given up between two of them when a stop was asked for. */
    void forEachResult(Consumer<ResultRow> sink) {
        store.forEachResult(chosen.id(), row -> {
            checkNotStopped();
            sink.accept(row);
            if (progress != null) {
                progress.row();
            }
        });
    }

    /** Tells {@code shown} (null: nobody) of each row gone through from now on. */
    ResultFormats showing(ExportProgress shown) {
        this.progress = shown;
        return this;
    }

    /** How many times writing {@code format} goes through the run: twice when a first pass collects input fields. */
    int passes(ExportCommand.Format format) {
        return includeInput && (format == ExportCommand.Format.csv || format == ExportCommand.Format.parquet) ? 2 : 1;
    }

    /** Throws {@link InterruptibleOutput.Stopped} once a stop was asked for: before a whole file gets its name too. */
    void checkNotStopped() {
        if (stopRequested.getAsBoolean()) {
            throw new InterruptibleOutput.Stopped();
        }
    }

    /**
     * What an export wrote: {@code rows}, the rows (lines, or Parquet rows) that are in it; {@code pending}, the
     * records that had no outcome yet as they were read, written as such or, in the Batch format, left out
     * ({@code pendingLeftOut}). A count that said 4,000 rows of a file holding 678 lines let a reader take it whole.
     */
    record Written(long rows, long pending, boolean pendingLeftOut) {
    }

    /** Writes the run's rows to {@code w} in {@code format} (not Parquet: see {@link #writeParquet}). */
    Written write(ExportCommand.Format format, Writer w) throws IOException {
        RowWriter each = switch (format) {
            case csv -> csvWriter(w);
            case batch -> row -> writeBatch(w, row);
            case jsonl -> row -> {
                writeJson(w, row);
                return true;
            };
            case parquet -> throw new IllegalArgumentException("Parquet is written to a stream of bytes");
        };
        long[] rows = {0};
        long[] pending = {0};
        forEachRow(row -> {
            if (each.write(row)) {
                rows[0]++;
            }
            if (row.status() == RecordStatus.PENDING) {
                pending[0]++;
            }
            return true;
        });
        return new Written(rows[0], pending[0], format == ExportCommand.Format.batch);
    }

    /** Writes one row; false when the format leaves it out. */
    private interface RowWriter {
        boolean write(ResultRow row) throws IOException;
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
        // A refused record has no output: the refusal says why, only where there is one.
        if (a.refusal() != null) {
            line.put("refusal", a.refusal());
        }
        // What --extract and --json-output took out of the answer, only when there is any: the JSON answer as JSON.
        ParsedOutput parsed = parsed(r);
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
            forEachResult(row -> input(row).fieldNames()
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
            ParsedOutput parsed = parsed(r);
            // output_json as the compact JSON text the database holds: a table cell has no nesting.
            Object[] fixed = {r.id(), a.output(), r.status().label(), error(r), a.finishReason(), a.promptTokens(),
                a.completionTokens(), t == null ? null : t.latencyMs(), t == null ? null : t.attempts(),
                t == null ? null : t.finishedAt(), a.refusal(), parsed.extracted(), parsed.json()};
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
            return true;
        };
    }

    /** One line of the OpenAI Batch output format (see {@link BatchLines}); none for a pending record (false). */
    private boolean writeBatch(Writer w, ResultRow r) throws IOException {
        ObjectNode line = batch.line(r);
        if (line == null) {
            return false;
        }
        if (includeInput) {
            line.set("input", input(r));
        }
        w.write(JSON.writeValueAsString(line));
        w.write('\n');
        return true;
    }

    /**
     * The run as a Parquet file: the CSV's columns, typed, and with --include-input an {@code input.FIELD} column per
     * top-level input field, typed by what the run holds (all integers: INT64; all numbers: DOUBLE; all booleans:
     * BOOLEAN; anything else: text, with objects and arrays as JSON). An integer beyond 64 bits makes its column text,
     * as CSV writes it: neither INT64 nor DOUBLE holds it exactly. A first pass over the run collects the fields.
     *
     * @return the rows written, a pending record's too
     */
    Written writeParquet(OutputStream out) throws IOException {
        Map<String, ParquetWriter.Kind> inputFields = new LinkedHashMap<>();
        if (includeInput) {
            // Not Map.merge: a field seen only as null so far has no kind yet (a null value).
            forEachResult(row -> input(row).fields().forEachRemaining(f -> inputFields.put(
                    f.getKey(), wider(inputFields.get(f.getKey()), kindOf(f.getValue())))));
        }
        List<ParquetWriter.Column> columns = new ArrayList<>(List.of(
                column("id", STRING), column("output", STRING), column("status", STRING), column("error", STRING),
                column("finish_reason", STRING), column("prompt_tokens", INT32),
                column("completion_tokens", INT32), column("latency_ms", INT64), column("attempts", INT32),
                column("finished_at", TIMESTAMP_MILLIS), column("refusal", STRING), column("extracted", STRING),
                // JSON text, as nested input values are: readers parse it with json_extract or json.loads.
                column("output_json", STRING)));
        inputFields.forEach((f, kind) -> columns.add(column("input." + f, kind == null ? STRING : kind)));
        long[] rows = {0};
        long[] pending = {0};
        try (ParquetWriter parquet = new ParquetWriter(out, columns)) {
            Object[] values = new Object[columns.size()];
            forEachRow(r -> {
                Answer a = answer(r);
                Timing t = r.timing();
                ParsedOutput parsed = parsed(r);
                int i = 0;
                values[i++] = r.id();
                values[i++] = a.output();
                values[i++] = r.status().label();
                values[i++] = error(r);
                values[i++] = a.finishReason();
                values[i++] = a.promptTokens();
                values[i++] = a.completionTokens();
                values[i++] = t == null ? null : t.latencyMs();
                values[i++] = t == null ? null : t.attempts();
                values[i++] = t == null ? null : t.finishedAt();
                values[i++] = a.refusal();
                values[i++] = parsed.extracted();
                values[i++] = parsed.json();
                if (includeInput) {
                    JsonNode input = input(r);
                    for (Map.Entry<String, ParquetWriter.Kind> f : inputFields.entrySet()) {
                        values[i++] = inputValue(input.get(f.getKey()), f.getValue());
                    }
                }
                parquet.row(values);
                rows[0]++;
                if (r.status() == RecordStatus.PENDING) {
                    pending[0]++;
                }
                return true;
            });
        }
        return new Written(rows[0], pending[0], false);
    }

    private void forEachRow(RowWriter each) throws IOException {
        try {
            forEachResult(row -> {
                try {
                    each.write(row);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static ParquetWriter.Column column(String name, ParquetWriter.Kind kind) {
        return new ParquetWriter.Column(name, kind);
    }

    /** The column kind one input value asks for; null for a null, which any kind holds. */
    private static ParquetWriter.Kind kindOf(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isBoolean()) {
            return BOOLEAN;
        }
        if (v.isIntegralNumber()) {
            // 12345678901234567891 as a DOUBLE would read back as 1.2345678901234567e19: its digits as text instead.
            return v.canConvertToLong() ? INT64 : STRING;
        }
        return v.isNumber() ? DOUBLE : STRING;
    }

    /** The narrowest kind that holds values of both kinds. */
    private static ParquetWriter.Kind wider(ParquetWriter.Kind a, ParquetWriter.Kind b) {
        if (a == null || a == b) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return (a == INT64 || a == DOUBLE) && (b == INT64 || b == DOUBLE) ? DOUBLE : STRING;
    }

    private static Object inputValue(JsonNode v, ParquetWriter.Kind kind) {
        if (v == null || v.isNull()) {
            return null;
        }
        // A value that does not fit its column's kind can only be one that changed after the first pass (a record
        // edited by a resume while this export ran): left empty rather than written as a wrong number.
        return switch (kind == null ? STRING : kind) {
            case BOOLEAN -> v.isBoolean() ? v.booleanValue() : null;
            case INT64 -> v.isIntegralNumber() && v.canConvertToLong() ? v.longValue() : null;
            case DOUBLE -> v.isNumber() ? v.doubleValue() : null;
            default -> v.isValueNode() ? v.asText() : v.toString();
        };
    }

    /** A record's input as stored. */
    private static JsonNode input(ResultRow r) {
        return Json.read(r.inputJson(), Json.storedRecord(r.id()));
    }

    /**
     * The server's answer of a done record; of a failed one, the tokens of the answers it failed on (not JSON), as the
     * database holds them; an answer of nothing else.
     */
    private static Answer answer(ResultRow r) {
        if (r.prediction() != null) {
            return r.prediction().answer();
        }
        FailedPrediction f = r.failure();
        return f == null || f.promptTokens() == null && f.completionTokens() == null ? NO_ANSWER
                : Answer.plain(null, null, f.promptTokens(), f.completionTokens());
    }

    /** What the run's --extract and --json-output took out of a done record's answer; nothing for the others. */
    private static ParsedOutput parsed(ResultRow r) {
        return r.prediction() == null ? ParsedOutput.NONE : r.prediction().parsed();
    }

    /** Why a failed record failed; null for the others. */
    private static String error(ResultRow r) {
        return r.failure() == null ? null : r.failure().error();
    }
}
