package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every export format read back by a reader stride did not write (DuckDB for CSV, JSON lines and Parquet; a check
 * built from OpenAI's reference for the Batch format), every value compared with what the database holds.
 */
class ExportReadersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the database says of each record, in input order: the results view and the error kind. */
    private static final String STORED = """
            SELECT r.record_id AS id, p.output, coalesce(p.status, 'pending') AS status, p.error, p.finish_reason,
                   p.prompt_tokens, p.completion_tokens, p.latency_ms, p.attempts, p.finished_at, r.payload AS input,
                   p.error_kind, p.response_id, p.server_model
              FROM records r LEFT JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id
             ORDER BY r.seq""";
    private static final List<String> TEXT_COLUMNS = List.of("id", "output", "status", "error", "finish_reason");
    private static final List<String> NUMBER_COLUMNS = List.of("prompt_tokens", "completion_tokens", "latency_ms",
            "attempts");

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    /**
     * A run with every kind of outcome: answers with text that needs quoting (commas, quotes, new lines, CJK), a
     * record the server refuses with 400, one whose 200 is not an answer, and records left pending by a Ctrl+C.
     * Input fields of every JSON kind, some missing.
     */
    private Path mixedRun() throws Exception {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            String question = switch (i % 5) {
                case 0 -> "plain " + i;
                case 1 -> "with, comma and \\\"quotes\\\" " + i;
                case 2 -> "two\\nlines " + i;
                case 3 -> "中文 ✓ " + i;
                default -> i == 4 ? "refuse me" : i == 9 ? "garble me" : "tab\\there " + i;
            };
            in.append("{\"id\":\"r").append(i).append("\",\"question\":\"").append(question).append("\",\"n\":")
                    .append(i * 1000L).append(",\"score\":").append(i % 2 == 0 ? String.valueOf(i) : i + ".5")
                    .append(",\"flag\":").append(i % 3 == 0);
            if (i % 4 != 0) {
                in.append(",\"tags\":[\"t").append(i).append("\",{\"k\":").append(i).append("}]");
            }
            in.append(",\"note\":").append(i % 7 == 0 ? "null" : "\"n" + i + "\"").append("}\n");
        }
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, in, StandardCharsets.UTF_8);
        stride.model.answering(p -> p.equals("refuse me")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt refused\"}}")
                : p.equals("garble me") ? FakeModelServer.json(200, "not json at all") : null)
                .pressingCtrlCAt(26, stride.cli);
        Path db = dir.resolve("mixed.db");
        stride.run(input, db).noProgress().with("--template", "{{question}}", "--concurrency", "1", "--retries",
                "0");
        List<Map<String, Object>> stored = query(db, STORED);
        assertThat(stored).extracting(r -> r.get("status")).contains("done", "failed", "pending");
        assertThat(stored).extracting(r -> r.get("error_kind")).contains("http_400");
        return db;
    }

    private Path export(Path db, String format, String file, String... more) {
        Path out = dir.resolve(file);
        List<String> args = new ArrayList<>(List.of("export", "--db", db.toString(), "--format", format, "-o",
                out.toString()));
        args.addAll(List.of(more));
        Cli.Result r = stride.cli.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.all()).isZero();
        return out;
    }

    @Test
    void duckDbReadsTheCsvAsTheDatabaseHoldsIt() throws Exception {
        Path db = mixedRun();
        Path csv = export(db, "csv", "out.csv", "--include-input");
        List<Map<String, Object>> read = duck("SELECT * FROM read_csv(" + literal(csv)
                + ", header = true, all_varchar = true)");
        List<Map<String, Object>> stored = query(db, STORED);
        assertThat(read).hasSameSizeAs(stored);
        for (int i = 0; i < stored.size(); i++) {
            Map<String, Object> want = stored.get(i);
            Map<String, Object> got = read.get(i);
            String where = "CSV row " + i + " " + got;
            for (String c : TEXT_COLUMNS) {
                assertThat(got.get(c)).as(where + " " + c).isEqualTo(want.get(c));
            }
            for (String c : NUMBER_COLUMNS) {
                assertThat(got.get(c)).as(where + " " + c).isEqualTo(text(want.get(c)));
            }
            assertThat(instant(got.get("finished_at"))).as(where).isEqualTo(instant(want.get("finished_at")));
            JsonNode input = JSON.readTree((String) want.get("input"));
            for (String f : List.of("id", "question", "n", "score", "flag", "tags", "note")) {
                JsonNode v = input.get(f);
                String expected = v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString();
                assertThat(got.get("input." + f)).as(where + " input." + f).isEqualTo(expected);
            }
        }
    }

    @Test
    void duckDbReadsTheJsonLinesAsTheDatabaseHoldsThem() throws Exception {
        Path db = mixedRun();
        Path jsonl = export(db, "jsonl", "out.jsonl", "--include-input");
        List<Map<String, Object>> read = duck("SELECT * FROM read_json(" + literal(jsonl)
                + ", format = 'newline_delimited', columns = {id: 'VARCHAR', output: 'VARCHAR', status: 'VARCHAR',"
                + " error: 'VARCHAR', finish_reason: 'VARCHAR', prompt_tokens: 'BIGINT', completion_tokens:"
                + " 'BIGINT', latency_ms: 'BIGINT', attempts: 'BIGINT', finished_at: 'VARCHAR', input: 'JSON'})");
        List<Map<String, Object>> stored = query(db, STORED);
        assertThat(read).hasSameSizeAs(stored);
        for (int i = 0; i < stored.size(); i++) {
            Map<String, Object> want = stored.get(i);
            Map<String, Object> got = read.get(i);
            String where = "JSONL row " + i + " " + got;
            for (String c : TEXT_COLUMNS) {
                assertThat(got.get(c)).as(where + " " + c).isEqualTo(want.get(c));
            }
            for (String c : NUMBER_COLUMNS) {
                assertThat(number(got.get(c))).as(where + " " + c).isEqualTo(number(want.get(c)));
            }
            assertThat(instant(got.get("finished_at"))).as(where).isEqualTo(instant(want.get("finished_at")));
            assertThat(JSON.readTree(got.get("input").toString())).as(where)
                    .isEqualTo(JSON.readTree((String) want.get("input")));
        }
    }

    @Test
    void duckDbReadsTheParquetWithTypedColumnsAsTheDatabaseHoldsThem() throws Exception {
        Path db = mixedRun();
        Path parquet = export(db, "parquet", "out.parquet", "--include-input");
        Map<String, String> types = new LinkedHashMap<>();
        duck("DESCRIBE SELECT * FROM read_parquet(" + literal(parquet) + ")")
                .forEach(r -> types.put((String) r.get("column_name"), (String) r.get("column_type")));
        assertThat(types).containsExactly(Map.entry("id", "VARCHAR"), Map.entry("output", "VARCHAR"),
                Map.entry("status", "VARCHAR"), Map.entry("error", "VARCHAR"), Map.entry("finish_reason", "VARCHAR"),
                Map.entry("prompt_tokens", "INTEGER"), Map.entry("completion_tokens", "INTEGER"),
                Map.entry("latency_ms", "BIGINT"), Map.entry("attempts", "INTEGER"),
                Map.entry("finished_at", "TIMESTAMP WITH TIME ZONE"), Map.entry("refusal", "VARCHAR"),
                Map.entry("extracted", "VARCHAR"), Map.entry("output_json", "VARCHAR"),
                Map.entry("input.id", "VARCHAR"),
                Map.entry("input.question", "VARCHAR"),
                Map.entry("input.n", "BIGINT"), Map.entry("input.score", "DOUBLE"),
                Map.entry("input.flag", "BOOLEAN"), Map.entry("input.note", "VARCHAR"),
                Map.entry("input.tags", "VARCHAR"));
        List<Map<String, Object>> read = duck("SELECT *, epoch_ms(finished_at) AS finished_ms FROM read_parquet("
                + literal(parquet) + ")");
        List<Map<String, Object>> stored = query(db, STORED);
        assertThat(read).hasSameSizeAs(stored);
        for (int i = 0; i < stored.size(); i++) {
            Map<String, Object> want = stored.get(i);
            Map<String, Object> got = read.get(i);
            String where = "Parquet row " + i + " " + got;
            for (String c : TEXT_COLUMNS) {
                assertThat(got.get(c)).as(where + " " + c).isEqualTo(want.get(c));
            }
            for (String c : NUMBER_COLUMNS) {
                assertThat(number(got.get(c))).as(where + " " + c).isEqualTo(number(want.get(c)));
            }
            Instant finished = instant(want.get("finished_at"));
            assertThat(number(got.get("finished_ms"))).as(where)
                    .isEqualTo(finished == null ? null : finished.toEpochMilli());
            JsonNode input = JSON.readTree((String) want.get("input"));
            assertThat(got.get("input.id")).isEqualTo(input.get("id").asText());
            assertThat(got.get("input.question")).isEqualTo(input.get("question").asText());
            assertThat(got.get("input.n")).isEqualTo(input.get("n").longValue());
            assertThat(got.get("input.score")).isEqualTo(input.get("score").doubleValue());
            assertThat(got.get("input.flag")).isEqualTo(input.get("flag").booleanValue());
            assertThat(got.get("input.tags")).isEqualTo(input.has("tags") ? input.get("tags").toString() : null);
            assertThat(got.get("input.note")).isEqualTo(input.get("note").isNull() ? null
                    : input.get("note").asText());
        }
    }

    @Test
    void parquetKeepsIntegersBeyond64BitsExactlyAsTextAndFractionsAsDoubles() throws Exception {
        Path input = dir.resolve("big.jsonl");
        Files.writeString(input, """
                {"id":"a","n":12345678901234567891,"small":7,"mixed":1.5,"x":0.1234567890123456789}
                {"id":"b","n":7,"small":-8,"mixed":99999999999999999999999,"x":0.5}
                """, StandardCharsets.UTF_8);
        Path db = dir.resolve("big.db");
        assertThat(stride.run(input, db).noProgress().with("--template", "x {{id}}").exitCode()).isZero();

        Path parquet = export(db, "parquet", "big.parquet", "--include-input");

        Map<String, String> types = new LinkedHashMap<>();
        duck("DESCRIBE SELECT \"input.n\", \"input.small\", \"input.mixed\", \"input.x\" FROM read_parquet("
                + literal(parquet) + ")").forEach(r -> types.put((String) r.get("column_name"),
                (String) r.get("column_type")));
        assertThat(types).containsExactly(Map.entry("input.n", "VARCHAR"), Map.entry("input.small", "BIGINT"),
                Map.entry("input.mixed", "VARCHAR"), Map.entry("input.x", "DOUBLE"));
        List<Map<String, Object>> read = duck("SELECT \"input.n\" AS n, \"input.small\" AS small,"
                + " \"input.mixed\" AS mixed, \"input.x\" AS x FROM read_parquet(" + literal(parquet) + ")");
        assertThat(read).extracting(r -> r.get("n")).containsExactly("12345678901234567891", "7");
        assertThat(read).extracting(r -> r.get("small")).containsExactly(7L, -8L);
        assertThat(read).extracting(r -> r.get("mixed")).containsExactly("1.5", "99999999999999999999999");
        // A fraction is a double, in every format: the digits beyond a double's 17 are not kept (README).
        assertThat(read).extracting(r -> r.get("x")).containsExactly(0.12345678901234568, 0.5);
        Path csv = export(db, "csv", "big.csv", "--include-input");
        assertThat(Files.readString(csv)).contains(",12345678901234567891,7,1.5,0.12345678901234568\r\n");
    }

    /**
     * A run with --extract and --json-output: what they took out is a column of CSV and Parquet alike, so that a
     * reader can score the run from the file; empty for the record that failed and the one with no match.
     */
    @Test
    void csvAndParquetHoldWhatExtractAndJsonOutputTookOut() throws Exception {
        stride.model.answering(p -> FakeModelServer.ok(switch (p) {
            case "question 0" -> "{\"answer\": \"B\", \"why\": \"a, \\\"quoted\\\"\\nline\"}";
            case "question 1" -> "```json\n{\"answer\": \"none\"}\n```";
            default -> "I cannot answer in JSON.";
        }));
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("parsed.db");
        Cli.Result run = stride.run(input, db).template("{{question}}").noProgress().with("--extract",
                "\"answer\": \"([A-E])\"", "--json-output");
        assertThat(run.exitCode()).as(run.all()).isEqualTo(3);
        List<Map<String, Object>> stored = query(db, "SELECT id, extracted, output_json FROM results");
        assertThat(stored).extracting(r -> r.get("extracted")).containsExactly("B", null, null);
        assertThat(stored.get(0).get("output_json")).isEqualTo("{\"answer\":\"B\",\"why\":\"a, \\\"quoted\\\"\\nline\"}");
        assertThat(stored.get(1).get("output_json")).isEqualTo("{\"answer\":\"none\"}");
        assertThat(stored.get(2).get("output_json")).isNull();

        Path csv = export(db, "csv", "parsed.csv");
        List<Map<String, Object>> fromCsv = duck("SELECT id, status, extracted, output_json FROM read_csv("
                + literal(csv) + ", header = true, all_varchar = true)");
        Path parquet = export(db, "parquet", "parsed.parquet");
        List<Map<String, Object>> fromParquet = duck("SELECT id, status, extracted, output_json FROM read_parquet("
                + literal(parquet) + ")");
        for (List<Map<String, Object>> read : List.of(fromCsv, fromParquet)) {
            assertThat(read).hasSize(3);
            assertThat(read).extracting(r -> r.get("status")).containsExactly("done", "done", "failed");
            for (int i = 0; i < 3; i++) {
                assertThat(read.get(i).get("extracted")).as(read.get(i).toString())
                        .isEqualTo(stored.get(i).get("extracted"));
                assertThat(read.get(i).get("output_json")).as(read.get(i).toString())
                        .isEqualTo(stored.get(i).get("output_json"));
            }
        }
        // The README's route: score the Parquet file in DuckDB, the JSON column read as JSON.
        assertThat(duck("SELECT count(*) FILTER (WHERE extracted = 'B') AS b, count(*) FILTER (WHERE"
                + " output_json->>'answer' = 'none') AS none FROM read_parquet(" + literal(parquet) + ")"))
                .containsExactly(Map.of("b", 1L, "none", 1L));
    }

    @Test
    void parquetNeedsAFile() throws Exception {
        Path db = mixedRun();
        Cli.Result r = stride.cli.run("export", "--db", db.toString(), "--format", "parquet");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--format parquet writes a file").doesNotContain("Exception");
    }

    @Test
    void batchOutputOfPlainRecordsFollowsTheReferenceAndHoldsTheDatabasesValues() throws Exception {
        Path db = mixedRun();
        List<JsonNode> lines = jsonLines(export(db, "batch", "batch.jsonl"));
        List<Map<String, Object>> finished = query(db, STORED).stream()
                .filter(r -> !r.get("status").equals("pending")).toList();
        assertThat(lines).hasSameSizeAs(finished);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = lines.get(i);
            Map<String, Object> want = finished.get(i);
            String where = "batch line " + i + " " + line;
            OpenAiBatchReference.check(line, where);
            assertThat(ids.add(line.get("id").asText())).as(where + ": id unique").isTrue();
            assertThat(line.get("custom_id").asText()).isEqualTo(want.get("id"));
            String kind = (String) want.get("error_kind");
            if (want.get("status").equals("done")) {
                JsonNode body = line.at("/response/body");
                assertThat(line.at("/response/status_code").asInt()).isEqualTo(200);
                assertThat(line.at("/response/request_id").asText(null)).isEqualTo(want.get("response_id"));
                assertThat(body.at("/choices/0/message/content").asText()).isEqualTo(want.get("output"));
                assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo(want.get("finish_reason"));
                assertThat(body.get("model").asText()).isEqualTo(want.get("server_model"));
                assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(number(want.get("prompt_tokens")));
                assertThat(body.at("/usage/completion_tokens").asLong())
                        .isEqualTo(number(want.get("completion_tokens")));
                assertThat(body.get("created").asLong())
                        .isEqualTo(instant(want.get("finished_at")).getEpochSecond());
            } else if (kind.startsWith("http_")) {
                // Refused by the server: a response with its status and an error body, as OpenAI writes one.
                assertThat(line.at("/response/status_code").asInt()).isEqualTo(Integer.parseInt(kind.substring(5)));
                assertThat(line.at("/response/body/error/message").asText()).isEqualTo(want.get("error"));
            } else {
                // No HTTP answer to show: the line's error.
                assertThat(line.at("/error/code").asText()).isEqualTo(kind);
                assertThat(line.at("/error/message").asText()).isEqualTo(want.get("error"));
            }
        }
        assertThat(lines).anyMatch(l -> l.at("/response/status_code").asInt() == 400)
                .anyMatch(l -> !l.get("error").isNull());
    }

    @Test
    void keptServerBodiesGainTheRequiredFieldsTheServerLeftOut() throws Exception {
        // The fake server's body has no "created", as some servers' do not: kept with --keep-raw, it is completed.
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("raw.db");
        assertThat(stride.run(input, db).noProgress().with("--template", "{{question}}", "--keep-raw").exitCode())
                .isZero();
        List<JsonNode> lines = jsonLines(export(db, "batch", "batch.jsonl"));
        assertThat(lines).hasSize(3);
        for (JsonNode line : lines) {
            OpenAiBatchReference.check(line, line.toString());
            // The server's own values stay as they were.
            assertThat(line.at("/response/body/id").asText()).isEqualTo("chatcmpl-test");
            assertThat(line.at("/response/body/model").asText()).isEqualTo("test-model");
        }
    }

    @Test
    void toolCallsAndRefusalsGoWhereTheReferencePutsThem() throws Exception {
        // Real OpenAI bodies (see SOURCES.md): tool calls with no text, and a refusal. Not kept (no --keep-raw), so
        // the export rebuilds both bodies from what the database holds.
        JsonNode tools = JSON.readTree(FormatsTest.FIXTURES.resolve("openai_chat_response_tool_calls.json").toFile());
        JsonNode refusal = JSON.readTree(FormatsTest.FIXTURES.resolve("openai_chat_response_refusal.json").toFile());
        stride.model.answering(p -> FakeModelServer.json(200, (p.equals("weather") ? tools : refusal).toString()));
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, "{\"id\":\"w\",\"prompt\":\"weather\"}\n{\"id\":\"r\",\"prompt\":\"refuse\"}\n");
        Path db = dir.resolve("tools.db");
        assertThat(stride.run(input, db).noProgress().with().exitCode()).isZero();
        List<JsonNode> lines = jsonLines(export(db, "batch", "batch.jsonl"));
        for (JsonNode line : lines) {
            OpenAiBatchReference.check(line, line.toString());
        }
        JsonNode toolsMessage = lines.get(0).at("/response/body/choices/0/message");
        assertThat(toolsMessage.get("content").isNull()).isTrue();
        assertThat(toolsMessage.get("tool_calls")).isEqualTo(tools.at("/choices/0/message/tool_calls"));
        assertThat(lines.get(0).at("/response/body/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode refusalMessage = lines.get(1).at("/response/body/choices/0/message");
        assertThat(refusalMessage.get("content").isNull()).isTrue();
        assertThat(refusalMessage.get("refusal")).isEqualTo(refusal.at("/choices/0/message/refusal"));
        assertThat(lines.get(1).at("/response/body/id").asText()).isEqualTo(refusal.get("id").asText());
    }

    @Test
    void batchRequestFilesOfChatAndTextCompletionsComeBackValid() throws Exception {
        String chat = Files.readString(FormatsTest.FIXTURES.resolve("openai_batch_input.jsonl"));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            text.append("{\"custom_id\":\"t").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/completions\","
                    + "\"body\":{\"model\":\"m\",\"prompt\":\"Say ").append(i).append("\",\"max_tokens\":5}}\n");
        }
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            for (String content : List.of(chat, text.toString())) {
                Path input = dir.resolve("batch-" + content.hashCode() + ".jsonl");
                Files.writeString(input, content, StandardCharsets.UTF_8);
                Path db = dir.resolve(input.getFileName() + ".db");
                Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                        sim.url(), "--log-every", "0");
                assertThat(r.exitCode()).as(r.all()).isZero();
                List<JsonNode> lines = jsonLines(export(db, "batch", input.getFileName() + ".out"));
                List<Map<String, Object>> stored = query(db, STORED);
                assertThat(lines).hasSameSizeAs(stored);
                for (int i = 0; i < lines.size(); i++) {
                    JsonNode line = lines.get(i);
                    OpenAiBatchReference.check(line, line.toString());
                    JsonNode choice = line.at("/response/body/choices/0");
                    String output = choice.has("text") ? choice.get("text").asText()
                            : choice.at("/message/content").asText();
                    assertThat(output).isEqualTo(stored.get(i).get("output"));
                }
                assertThat(lines.get(0).at("/response/body/object").asText())
                        .isEqualTo(content == chat ? "chat.completion" : "text_completion");
            }
        }
    }

    private static List<JsonNode> jsonLines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static List<Map<String, Object>> duck(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    private static String literal(Path file) {
        return "'" + file.toString().replace("'", "''") + "'";
    }

    private static String text(Object v) {
        return v == null ? null : v.toString();
    }

    private static Long number(Object v) {
        return v == null ? null : ((Number) v).longValue();
    }

    private static Instant instant(Object v) {
        if (v == null) {
            return null;
        }
        // The database's "2026-11-30 17:59:28.744" (UTC) and an export's ISO 8601 instant alike.
        String s = Objects.toString(v).replace(' ', 'T');
        return Instant.parse(s.endsWith("Z") ? s : s + "Z");
    }
}
