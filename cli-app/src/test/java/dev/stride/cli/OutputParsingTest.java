package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** --extract and --json-output: what is taken out of answers, and what happens to answers that are not JSON. */
class OutputParsingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Cli.Result run(Path input, Path db, String... more) {
        return stride.run(input, db).template("{{question}}").noProgress().with(more);
    }

    @Test
    void extractKeepsTheFirstGroupOfTheFirstMatch() throws Exception {
        stride.model.answering(prompt -> FakeModelServer.ok(prompt.endsWith("2")
                ? "I am not sure." : "Reasoning first.\nAnswer: C\nAnswer: D"));
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");

        Cli.Result r = run(input, db, "--extract", "Answer: ([A-E])");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(query(db, "SELECT id, extracted FROM results")).containsExactly(
                Map.of("id", "q0", "extracted", "C"), Map.of("id", "q1", "extracted", "C"),
                new java.util.HashMap<>(java.util.Map.of("id", "q2")) {{ put("extracted", null); }});
    }

    @Test
    void jsonAnswersAreKeptParsedFencedOrBareAndOthersAreAskedAgainThenFailed() throws Exception {
        Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
        stride.model.answering(prompt -> {
            int n = asked.computeIfAbsent(prompt, k -> new AtomicInteger()).incrementAndGet();
            return switch (prompt) {
                case "question 0" -> FakeModelServer.ok("{\"answer\": \"B\", \"confidence\": 0.9}");
                case "question 1" -> FakeModelServer.ok("Here you are:\n```json\n{\"answer\": \"A\"}\n```\nDone.");
                case "question 2" -> FakeModelServer.ok(n < 2 ? "Sure! The answer is A." : "{\"answer\": \"A\"}");
                default -> FakeModelServer.ok("I cannot answer in JSON.");
            };
        });
        Path input = questions(dir, "q.jsonl", 4);
        Path db = dir.resolve("runs.db");

        Cli.Result r = run(input, db, "--json-output", "--json-retries", "1");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        List<Map<String, Object>> rows = query(db, "SELECT id, status, output_json, error FROM results");
        assertThat(rows.get(0)).containsEntry("status", "done")
                .containsEntry("output_json", "{\"answer\":\"B\",\"confidence\":0.9}");
        assertThat(rows.get(1)).containsEntry("output_json", "{\"answer\":\"A\"}");
        assertThat(rows.get(2)).containsEntry("status", "done").containsEntry("output_json", "{\"answer\":\"A\"}");
        assertThat(rows.get(3)).containsEntry("status", "failed");
        assertThat((String) rows.get(3).get("error")).isEqualTo("the answer is not JSON (asked 2 times): column 1:"
                + " found I, which is not a JSON value: write text in double quotes (\"I\"); only true, false and null go"
                + " without; answer began: 'I cannot answer in JSON.'");
        assertThat(query(db, "SELECT error_kind FROM predictions WHERE record_id = 'q3'").get(0))
                .containsEntry("error_kind", "json_output");
        assertThat(asked.get("question 3").get()).isEqualTo(2);

        Path out = dir.resolve("out.jsonl");
        assertThat(stride.cli.run("export", "--db", db.toString(), "-o", out.toString()).exitCode()).isZero();
        JsonNode first = JSON.readTree(Files.readAllLines(out).get(0));
        assertThat(first.get("output_json").get("answer").asText()).isEqualTo("B");
    }

    @Test
    void anAnswerWithMoreAfterItsJsonValueIsNotJsonAndIsAskedAgain() throws Exception {
        Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
        stride.model.answering(prompt -> {
            int n = asked.computeIfAbsent(prompt, k -> new AtomicInteger()).incrementAndGet();
            return FakeModelServer.ok(switch (prompt) {
                case "question 0" -> "{\"a\": 1}\n{\"b\": 2}";
                case "question 1" -> "```json\n{\"a\": 1} trailing words\n```";
                case "question 2" -> n < 2 ? "[1, 2] [3]" : "{\"a\": 1, \"b\": 2}";
                // A closing fence whose opening one the model left out adds nothing: still the one value.
                default -> "{\"answer\": \"C\"}\n```";
            });
        });
        Path input = questions(dir, "q.jsonl", 4);
        Path db = dir.resolve("runs.db");

        Cli.Result r = run(input, db, "--json-output", "--json-retries", "1");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        List<Map<String, Object>> rows = query(db, "SELECT id, status, output_json, error FROM results");
        assertThat(rows.get(0)).containsEntry("status", "failed").containsEntry("output_json", null);
        assertThat((String) rows.get(0).get("error")).isEqualTo("the answer is not JSON (asked 2 times): line 2,"
                + " column 1: found '{' after the end of the JSON value; answer began: '{\"a\": 1} {\"b\": 2}'");
        assertThat(rows.get(1)).containsEntry("status", "failed").containsEntry("output_json", null);
        assertThat((String) rows.get(1).get("error")).startsWith("the answer is not JSON (asked 2 times): column 10:"
                + " found 't' after the end of the JSON value");
        assertThat(rows.get(2)).containsEntry("status", "done").containsEntry("output_json", "{\"a\":1,\"b\":2}");
        assertThat(rows.get(3)).containsEntry("status", "done").containsEntry("output_json", "{\"answer\":\"C\"}");
        assertThat(asked.get("question 0").get()).isEqualTo(2);
        assertThat(asked.get("question 2").get()).isEqualTo(2);
    }

    @Test
    void reAsksAreAmongTheRecordsAttemptsAndTheTokensOfEveryAnswerAreItsTokens() throws Exception {
        Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
        stride.model.answering(prompt -> {
            int n = asked.computeIfAbsent(prompt, k -> new AtomicInteger()).incrementAndGet();
            if (!prompt.equals("question 0")) {
                return FakeModelServer.ok("{\"answer\": \"C\"}", 7, 3);
            }
            // Each answer charged apart: 10 + 20 + 30 in, 1 + 2 + 3 out.
            return n < 3 ? FakeModelServer.ok("Sure! The answer is A.", 10 * n, n)
                    : FakeModelServer.ok("{\"answer\": \"A\"}", 30, 3);
        });
        Path input = questions(dir, "q.jsonl", 2);
        Path db = dir.resolve("runs.db");

        Cli.Result r = run(input, db, "--json-output", "--json-retries", "2");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(asked.get("question 0").get()).isEqualTo(3);
        assertThat(query(db, "SELECT record_id, status, attempts, prompt_tokens, completion_tokens FROM predictions"
                + " ORDER BY record_id")).containsExactly(
                Map.of("record_id", "q0", "status", "done", "attempts", 3, "prompt_tokens", 60,
                        "completion_tokens", 6),
                Map.of("record_id", "q1", "status", "done", "attempts", 1, "prompt_tokens", 7,
                        "completion_tokens", 3));
        assertThat(r.out()).contains("Tokens:    67 in, 9 out\n")
                .contains("Requests:  4 sent, 0 retries, 0 redundant, 2 re-asked for valid JSON\n");
        assertThat(stride.model.requests.get()).isEqualTo(4);
    }

    @Test
    void aRecordThatFailsJsonOutputKeepsTheTokensOfEveryAnswerAndTheLastBody() throws Exception {
        Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
        stride.model.answering(prompt -> {
            int n = asked.computeIfAbsent(prompt, k -> new AtomicInteger()).incrementAndGet();
            return FakeModelServer.ok("Here you go (" + n + "): {\"answer\": \"B\"} Anything else?", 3, 4);
        });
        Path input = questions(dir, "q.jsonl", 2);
        Path db = dir.resolve("runs.db");

        Cli.Result r = run(input, db, "--json-output", "--json-retries", "2", "--keep-raw");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        List<Map<String, Object>> rows = query(db, "SELECT record_id, status, error_kind, attempts, prompt_tokens,"
                + " completion_tokens, raw_response FROM predictions ORDER BY record_id");
        assertThat(rows).hasSize(2).allSatisfy(row -> {
            assertThat(row).containsEntry("status", "failed").containsEntry("error_kind", "json_output")
                    .containsEntry("attempts", 3).containsEntry("prompt_tokens", 9)
                    .containsEntry("completion_tokens", 12);
            JsonNode raw = JSON.readTree((String) row.get("raw_response"));
            assertThat(raw.at("/choices/0/message/content").asText()).startsWith("Here you go (3): ");
        });
        assertThat(r.out()).contains("Tokens:    18 in, 24 out\n");
        assertThat(stride.cli.run("status", "--db", db.toString()).out()).contains(" 18/24 ");

        Path out = dir.resolve("out.jsonl");
        assertThat(stride.cli.run("export", "--db", db.toString(), "-o", out.toString()).exitCode()).isZero();
        JsonNode first = JSON.readTree(Files.readAllLines(out).get(0));
        assertThat(first.get("status").asText()).isEqualTo("failed");
        assertThat(first.get("prompt_tokens").asInt()).isEqualTo(9);
        assertThat(first.get("completion_tokens").asInt()).isEqualTo(12);
    }

    @Test
    void aRetryAfterA503DoesNotGrantTheRecordFreshReAsks() throws Exception {
        // Not JSON, then a 503 for the re-ask, then (the runner's retry) not JSON again: the one re-ask is spent.
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> switch (seen.incrementAndGet()) {
            case 2 -> FakeModelServer.json(503, "{\"error\":{\"message\":\"busy\"}}");
            case 1, 3 -> FakeModelServer.ok("I cannot answer in JSON.", 10, 5);
            default -> FakeModelServer.ok("{\"answer\": \"A\"}", 10, 5);
        });
        Path input = questions(dir, "q.jsonl", 1);
        Path db = dir.resolve("runs.db");

        Cli.Result r = run(input, db, "--json-output", "--json-retries", "1", "--retries", "3");

        assertThat(stride.model.requests.get()).as("what the server received").isEqualTo(3);
        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        Map<String, Object> row = query(db, "SELECT status, error_kind, attempts, error FROM predictions").get(0);
        assertThat(row).containsEntry("status", "failed").containsEntry("error_kind", "json_output")
                .containsEntry("attempts", 3);
        assertThat((String) row.get("error")).startsWith("the answer is not JSON (asked 2 times): ");
        assertThat(r.out()).contains("Requests:  3 sent, 1 retry (http_503 1), 0 redundant, 1 re-asked for valid"
                + " JSON\n");
    }

    @Test
    void aBadRegexOrRetriesWithoutJsonOutputAreUsageErrors() throws Exception {
        Path input = questions(dir, "q.jsonl", 1);
        Cli.Result bad = run(input, dir.resolve("a.db"), "--extract", "Answer: (");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--extract Answer: (: not a regular expression");
        Cli.Result lonely = run(input, dir.resolve("b.db"), "--json-retries", "2");
        assertThat(lonely.exitCode()).isEqualTo(2);
        assertThat(lonely.err()).contains("--json-retries goes with --json-output");
        assertThat(stride.model.requests.get()).isZero();
    }
}
