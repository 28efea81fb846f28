package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What real servers answer besides plain text (see fixtures/SOURCES.md), as the user finds it: a refusal, tool calls
 * with an empty text, an answer cut at the token limit. Each read back from the database, an export or the summary.
 */
class ModelAnswersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REFUSAL = "I'm very sorry, but I can't assist with that.";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Path two() throws Exception {
        Path input = dir.resolve("two.jsonl");
        Files.writeString(input, "{\"id\":\"a\",\"prompt\":\"hello\",\"label\":\"" + REFUSAL + "\"}\n{\"id\":\"b\",\"prompt\":\"world\",\"label\":\"x\"}\n");
        return input;
    }

    private static String fixture(String name) throws Exception {
        return Files.readString(FormatsTest.FIXTURES.resolve(name));
    }

    private Cli.Result export(Path db, String format) {
        return stride.cli.run("export", "--db", db.toString(), "--format", format, "-o", "-");
    }

    private static List<JsonNode> lines(String text) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    @Test
    void aRefusalIsKeptAsARefusalNotAsTheAnswer() throws Exception {
        String refusal = fixture("openai_chat_response_refusal.json");
        stride.model.answering(p -> FakeModelServer.json(200, refusal));
        Path db = dir.resolve("r.db");
        Cli.Result r = stride.run(two(), db).noProgress().with("--extract", "(.+)", "--label-field", "label",
                "--metric", "exact");
        assertThat(r.exitCode()).as(r.all()).isZero();
        // Said after the run, as status says it: "2 done, 0 failed" alone read as two answers (walk).
        assertThat(r.out()).contains("Refused: 2 answers of this session are the model's refusal, not an answer"
                + " (stored done with no output; the refusal column holds its words, and status counts them)");

        List<Map<String, Object>> rows = query(db, "SELECT status, output, refusal, extracted, finish_reason"
                + " FROM results ORDER BY id");
        assertThat(rows).hasSize(2).allSatisfy(row -> assertThat(row).containsEntry("status", "done")
                .containsEntry("output", null).containsEntry("refusal", REFUSAL).containsEntry("extracted", null)
                .containsEntry("finish_reason", "stop"));
        // The record whose label is the refusal's text is not right: a refusal is no answer (unparsed, wrong).
        assertThat(query(db, "SELECT group_concat(record_id || ':' || correct || parsed, ' ') AS s"
                + " FROM (SELECT * FROM scores ORDER BY record_id)").get(0).get("s")).isEqualTo("a:00 b:00");

        List<JsonNode> jsonl = lines(export(db, "jsonl").out());
        assertThat(jsonl).allSatisfy(line -> {
            assertThat(line.get("output").isNull()).as(line.toString()).isTrue();
            assertThat(line.path("refusal").asText()).as(line.toString()).isEqualTo(REFUSAL);
        });
        String csv = export(db, "csv").out();
        assertThat(csv.lines().findFirst().orElseThrow()).endsWith(",finished_at,refusal,extracted,output_json");
        assertThat(csv.lines().skip(1)).hasSize(2).allSatisfy(line -> assertThat(line).contains(",,done,")
                .endsWith(",\"" + REFUSAL + "\",,"));

        for (JsonNode line : lines(export(db, "batch").out())) {
            OpenAiBatchReference.check(line, line.toString());
            JsonNode message = line.at("/response/body/choices/0/message");
            assertThat(message.get("content").isNull()).as(line.toString()).isTrue();
            assertThat(message.path("refusal").asText()).isEqualTo(REFUSAL);
        }

        // Done, yet no answer: status --run counts them, where "Finish: stop 2" alone read as two answers.
        Cli.Result status = stride.cli.run("status", "--db", db.toString(), "--run", "m");
        assertThat(status.out()).contains("\nRefused:     2 answers are the model's refusal, not an answer (the"
                + " refusal column holds its words)\n");
        Cli.Result json = stride.cli.run("status", "--db", db.toString(), "--run", "m", "--json");
        assertThat(JSON.readTree(json.out()).path("refused").asLong()).as(json.out()).isEqualTo(2);
    }

    @Test
    void aStreamedRefusalIsKeptAsARefusalToo() throws Exception {
        String sse = fixture("openai_chat_stream_refusal.sse");
        stride.model.answering(p -> new MockResponse.Builder().code(200)
                .setHeader("Content-Type", "text/event-stream").body(sse).build());
        Path db = dir.resolve("s.db");
        Cli.Result r = stride.run(two(), db).noProgress().with("--stream");
        assertThat(r.exitCode()).as(r.all()).isZero();

        assertThat(query(db, "SELECT status, output, refusal FROM results")).hasSize(2)
                .allSatisfy(row -> assertThat(row).containsEntry("status", "done").containsEntry("output", null)
                        .containsEntry("refusal", "I'm sorry, I can't assist with that request."));
    }

    @Test
    void ollamaToolCallsWithAnEmptyTextAreTheOutputAndExportInOpenAisShape() throws Exception {
        String body = fixture("ollama_chat_response_tool_calls.json");
        stride.model.answering(p -> FakeModelServer.json(200, body));
        Path db = dir.resolve("o.db");
        String root = stride.server.url("/").toString();
        Cli.Result r = stride.cli.run("run", two().toString(), "--db", db.toString(), "--model", "m", "--api",
                "ollama", "--base-url", root, "--log-every", "0");
        assertThat(r.exitCode()).as(r.all()).isZero();

        String calls = "[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Tokyo\"}}}]";
        assertThat(query(db, "SELECT output, tool_calls FROM results ORDER BY id")).containsExactly(
                Map.of("output", calls, "tool_calls", calls), Map.of("output", calls, "tool_calls", calls));

        List<JsonNode> batch = lines(export(db, "batch").out());
        for (JsonNode line : batch) {
            OpenAiBatchReference.check(line, line.toString());
            JsonNode message = line.at("/response/body/choices/0/message");
            assertThat(message.get("content").isNull()).as(line.toString()).isTrue();
            JsonNode call = message.at("/tool_calls/0");
            assertThat(call.path("id").asText()).as(line.toString()).isNotEmpty();
            assertThat(call.path("type").asText()).as(line.toString()).isEqualTo("function");
            assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
            // OpenAI's arguments are a JSON-encoded string.
            assertThat(call.at("/function/arguments").isTextual()).as(line.toString()).isTrue();
            assertThat(JSON.readTree(call.at("/function/arguments").asText()))
                    .isEqualTo(JSON.readTree("{\"city\":\"Tokyo\"}"));
        }
        assertThat(batch.get(0).at("/response/body/choices/0/message/tool_calls/0/id"))
                .isNotEqualTo(batch.get(1).at("/response/body/choices/0/message/tool_calls/0/id"));
    }

    @Test
    void openAiShapedToolCallsWithAnEmptyTextAreTheOutput() throws Exception {
        // Derived: OpenAI's own tool-call answer with "content": "" instead of null, as Ollama's /v1 sends it.
        ObjectNode body = (ObjectNode) JSON.readTree(fixture("openai_chat_response_tool_calls.json"));
        ((ObjectNode) body.at("/choices/0/message")).put("content", "");
        stride.model.answering(p -> FakeModelServer.json(200, body.toString()));
        Path db = dir.resolve("t.db");
        Cli.Result r = stride.run(two(), db).noProgress().with();
        assertThat(r.exitCode()).as(r.all()).isZero();

        String calls = body.at("/choices/0/message/tool_calls").toString();
        for (Map<String, Object> row : query(db, "SELECT output, tool_calls FROM results")) {
            assertThat(JSON.readTree((String) row.get("output"))).isEqualTo(JSON.readTree(calls));
        }
    }

    @Test
    void answersCutAtTheTokenLimitAreCountedInTheSummary() throws Exception {
        String cut = fixture("openai_chat_response_length.json");
        stride.model.answering(p -> p.equals("hello") ? FakeModelServer.json(200, cut) : null);
        Path db = dir.resolve("l.db");
        Cli.Result r = stride.run(two(), db).noProgress().with();
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).doesNotContain("Refused:");
        assertThat(r.out()).contains("Cut short: 1 answer of this session stopped at the token limit"
                + " (stored done with finish_reason length, counted under TRUNCATED in status); raise --max-tokens if"
                + " they matter");

        stride.model.answering(p -> null);
        Path whole = dir.resolve("w.db");
        Cli.Result none = stride.run(two(), whole).noProgress().with();
        assertThat(none.exitCode()).as(none.all()).isZero();
        assertThat(none.out()).doesNotContain("Cut short");
    }

    @Test
    void emptyAnswersAreCountedInTheSummary() throws Exception {
        // A walk's 24 answers of content "" were stored done, and the run read as a good one.
        String empty = "{\"id\":\"chatcmpl-e\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":0,\"total_tokens\":3}}";
        stride.model.answering(p -> p.equals("hello") ? FakeModelServer.json(200, empty) : null);
        Path db = dir.resolve("e.db");
        Cli.Result r = stride.run(two(), db).noProgress().with();
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Empty: 1 answer of this session has no text (stored done with an empty output):"
                + " a model that said nothing, or whose reasoning took every token (finish_reason length); look at"
                + " them (stride export) before trusting the run\n");
        assertThat(query(db, "SELECT output FROM results WHERE id = 'a'")).containsExactly(Map.of("output", ""));

        // A refusal has no text either, and is said as what it is; whole answers get no such line.
        stride.model.answering(p -> null);
        Cli.Result whole = stride.run(two(), dir.resolve("w.db")).noProgress().with();
        assertThat(whole.out()).as(whole.all()).doesNotContain("Empty:");
        String refusal = fixture("openai_chat_response_refusal.json");
        stride.model.answering(p -> FakeModelServer.json(200, refusal));
        Cli.Result refused = stride.run(two(), dir.resolve("r.db")).noProgress().with();
        assertThat(refused.out()).as(refused.all()).contains("Refused: 2").doesNotContain("Empty:");
    }

    @Test
    void aJsonAnswerCutAtTheTokenLimitSaysSo() throws Exception {
        String cut = fixture("openai_chat_response_length.json");
        stride.model.answering(p -> FakeModelServer.json(200, cut));
        Path db = dir.resolve("j.db");
        Cli.Result r = stride.run(two(), db).noProgress().with("--json-output");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);

        assertThat(query(db, "SELECT error FROM results WHERE id = 'a'").get(0).get("error")).asString()
                .startsWith("the answer is not JSON: the answer was cut at the token limit (finish_reason length;"
                        + " raise --max-tokens): ");
    }

    @Test
    void aRefusalIsNoJsonAnswerAndSaysSo() throws Exception {
        String refusal = fixture("openai_chat_response_refusal.json");
        stride.model.answering(p -> FakeModelServer.json(200, refusal));
        Path db = dir.resolve("rj.db");
        Cli.Result r = stride.run(two(), db).noProgress().with("--json-output");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);

        assertThat(query(db, "SELECT error FROM results WHERE id = 'a'").get(0).get("error")).asString()
                .isEqualTo("the answer is not JSON: the model refused ('" + REFUSAL + "')");
    }
}
