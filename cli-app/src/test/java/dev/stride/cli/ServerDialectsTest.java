package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run command against servers that speak the other dialects: completions, Ollama, streams, several servers. */
class ServerDialectsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    @StartStop
    public final MockWebServer second = new MockWebServer();

    private final Cli cli = new Cli();

    /** Keeps every request's path and body, and answers with {@code answer}. */
    private static final class Recording extends Dispatcher {
        final ConcurrentLinkedQueue<String> paths = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();
        private final java.util.function.Function<JsonNode, MockResponse> answer;

        Recording(java.util.function.Function<JsonNode, MockResponse> answer) {
            this.answer = answer;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            try {
                JsonNode body = JSON.readTree(request.getBody().utf8());
                paths.add(request.getTarget());
                bodies.add(body);
                return answer.apply(body);
            } catch (Exception e) {
                return new MockResponse.Builder().code(500).body(e.toString()).build();
            }
        }
    }

    private static String lastUserMessage(JsonNode body) {
        JsonNode messages = body.get("messages");
        return messages.get(messages.size() - 1).get("content").asText();
    }

    @Test
    void everyRequestSettingIsSentAndRecordedAndAChangeIsRefused() throws Exception {
        Recording recording = new Recording(body -> FakeModelServer.ok("echo: " + lastUserMessage(body)));
        server.setDispatcher(recording);
        Path input = questions(dir, "q.jsonl", 2);
        Path db = dir.resolve("runs.db");
        String url = server.url("/v1").toString();

        Cli.Result r = cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", url,
                "--template", "{{question}}", "--system", "Be brief.", "--max-tokens", "64", "--temperature", "0.2",
                "--top-p", "0.9", "--seed", "7", "--stop", "END", "--stop", "\n\n",
                "--param", "guided_json={\"type\": \"object\"}", "--param", "repetition_penalty=1.1");

        assertThat(r.exitCode()).as(r.all()).isZero();
        JsonNode body = recording.bodies.peek();
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(body.get("messages").get(0).get("content").asText()).isEqualTo("Be brief.");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(64);
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(body.get("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.get("seed").asLong()).isEqualTo(7);
        assertThat(body.get("stop")).hasSize(2);
        assertThat(body.get("guided_json").get("type").asText()).isEqualTo("object");
        assertThat(body.get("repetition_penalty").asDouble()).isEqualTo(1.1);

        Cli.Result changed = cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--seed", "8");
        assertThat(changed.exitCode()).isEqualTo(2);
        assertThat(changed.err()).contains("was started with other settings (parameters seed 7 -> 8);");

        Cli.Result same = cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--seed", "7",
                "--param", "guided_json={\"type\":\"object\"}");
        assertThat(same.exitCode()).as(same.all()).isZero();
        assertThat(same.out()).contains("Nothing left to send");
    }

    @Test
    void aBadParamIsAUsageErrorNamingIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 1);
        Cli.Result r = cli.run("run", input.toString(), "--db", dir.resolve("x.db").toString(), "--model", "m",
                "--base-url", server.url("/v1").toString(), "--param", "guided_json={oops");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("parameter 'guided_json' is not JSON");
    }

    @Test
    void theCompletionsEndpointSendsAPromptAndStoresTheText() throws Exception {
        Recording recording = new Recording(body -> FakeModelServer.json(200, "{\"id\":\"cmpl-1\",\"object\":"
                + "\"text_completion\",\"model\":\"base-7b\",\"choices\":[{\"index\":0,\"text\":\" Paris.\","
                + "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}"));
        server.setDispatcher(recording);
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");

        Cli.Result r = cli.run("run", input.toString(), "--db", db.toString(), "--model", "base-7b", "--base-url",
                server.url("/v1").toString(), "--endpoint", "completions", "--template", "Q: {{question}}\nA:");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(recording.paths).containsOnly("/v1/completions");
        assertThat(recording.bodies.peek().get("prompt").asText()).startsWith("Q: question");
        assertThat(query(db, "SELECT output, finish_reason, server_model, response_id FROM results").get(0))
                .containsEntry("output", " Paris.").containsEntry("finish_reason", "length")
                .containsEntry("server_model", "base-7b").containsEntry("response_id", "cmpl-1");
        assertThat(query(db, "SELECT truncated FROM progress").get(0)).containsEntry("truncated", 3);
        Cli.Result status = cli.run("status", "--db", db.toString(), "--json");
        assertThat(JSON.readTree(status.out()).get(0).get("truncated").asInt()).isEqualTo(3);
    }

    @Test
    void ollamasNativeApiIsSpokenAtItsRoot() throws Exception {
        Recording recording = new Recording(body -> FakeModelServer.json(200, "{\"model\":\"llama3.1:8b\","
                + "\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"ok: "
                + lastUserMessage(body) + "\",\"thinking\":\"hmm\"},\"done\":true,\"done_reason\":\"stop\","
                + "\"prompt_eval_count\":11,\"eval_count\":4}"));
        server.setDispatcher(recording);
        Path input = questions(dir, "q.jsonl", 2);
        Path db = dir.resolve("runs.db");

        Cli.Result r = cli.run("run", input.toString(), "--db", db.toString(), "--model", "llama3.1:8b",
                "--base-url", server.url("/").toString(), "--api", "ollama", "--template", "{{question}}",
                "--temperature", "0");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(recording.paths).containsOnly("/api/chat");
        assertThat(recording.bodies.peek().get("options").get("temperature").asDouble()).isZero();
        assertThat(query(db, "SELECT output, reasoning, prompt_tokens, completion_tokens FROM results").get(0))
                .containsEntry("output", "ok: question 0").containsEntry("reasoning", "hmm")
                .containsEntry("prompt_tokens", 11).containsEntry("completion_tokens", 4);
    }

    @Test
    void aStreamedAnswerIsStoredWholeWithItsUsageAndTheRawBodyWhenAsked() throws Exception {
        String sse = String.join("\n",
                "data: {\"id\":\"chatcmpl-s\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
                        + "\"assistant\",\"reasoning_content\":\"let me see\"}}]}",
                "",
                "data: {\"id\":\"chatcmpl-s\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                        + "\"Hel\"}}]}",
                "",
                "data: {\"id\":\"chatcmpl-s\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                        + "\"lo\"},\"finish_reason\":\"stop\"}]}",
                "",
                "data: {\"id\":\"chatcmpl-s\",\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
                        + "\"completion_tokens\":2,\"total_tokens\":11}}",
                "",
                "data: [DONE]",
                "", "");
        Recording recording = new Recording(body -> new MockResponse.Builder().code(200)
                .setHeader("Content-Type", "text/event-stream").body(sse).build());
        server.setDispatcher(recording);
        Path input = questions(dir, "q.jsonl", 2);
        Path db = dir.resolve("runs.db");

        Cli.Result r = cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                server.url("/v1").toString(), "--stream", "--keep-raw", "--template", "{{question}}");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(recording.bodies.peek().get("stream").asBoolean()).isTrue();
        Map<String, Object> row = query(db, "SELECT r.output, r.reasoning, r.prompt_tokens, r.completion_tokens,"
                + " p.raw_response FROM results r JOIN predictions p ON p.record_id = r.id").get(0);
        assertThat(row).containsEntry("output", "Hello").containsEntry("reasoning", "let me see")
                .containsEntry("prompt_tokens", 9).containsEntry("completion_tokens", 2);
        assertThat((String) row.get("raw_response")).isEqualTo(sse);
    }

    @Test
    void severalServersShareTheWorkAndEachAnswerNamesItsServer() throws Exception {
        FakeModelServer a = new FakeModelServer();
        FakeModelServer b = new FakeModelServer();
        server.setDispatcher(a);
        second.setDispatcher(b);
        Path input = questions(dir, "q.jsonl", 60);
        Path db = dir.resolve("runs.db");
        String urlA = server.url("/v1").toString();
        String urlB = second.url("/v1").toString();

        Cli.Result r = cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", urlA,
                "--base-url", urlB, "--template", "{{question}}", "--concurrency", "8");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(a.requests.get()).isPositive();
        assertThat(b.requests.get()).isPositive();
        assertThat(a.requests.get() + b.requests.get()).isEqualTo(60);
        assertThat(r.out()).contains(urlA + ": " + a.requests.get() + " requests")
                .contains(urlB + ": " + b.requests.get() + " requests");
        List<Map<String, Object>> byServer = query(db, "SELECT server, count(*) AS n FROM results GROUP BY server"
                + " ORDER BY server");
        assertThat(byServer).extracting(m -> m.get("server")).containsExactlyInAnyOrder(urlA, urlB);
        assertThat(count(db, "SELECT count(*) FROM results WHERE output = 'echo: ' || json_extract(input,"
                + " '$.question')")).isEqualTo(60);
    }

    @Test
    void statusOfOneRunShowsServersFinishReasonsLatencyAndErrorsByKind() throws Exception {
        java.util.function.Function<String, MockResponse> tooLong = prompt -> prompt.equals("question 3")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null;
        server.setDispatcher(new FakeModelServer().answering(tooLong));
        second.setDispatcher(new FakeModelServer().answering(tooLong));
        Path input = questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        String urlA = server.url("/v1").toString();
        String urlB = second.url("/v1").toString();
        assertThat(cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", urlA,
                "--base-url", urlB, "--template", "{{question}}", "--concurrency", "4").exitCode()).isEqualTo(3);

        Cli.Result text = cli.run("status", "--db", db.toString(), "--run", "m");

        assertThat(text.exitCode()).as(text.all()).isZero();
        assertThat(text.out()).contains("Run:         m").contains("Servers:     " + urlA + " " + urlB)
                .contains("19/20 done (95.0%), 1 failed, 0 pending, 0 truncated")
                .contains("Finish:      stop 19").containsPattern("Latency:     p50 \\d+ ms, p95 \\d+ ms, max \\d+ ms")
                .contains("Errors:      http_400: 1, e.g. HTTP 400: prompt is too long");
        JsonNode json = JSON.readTree(cli.run("status", "--db", db.toString(), "--run", "m", "--json").out());
        assertThat(json.get("answered_by").get(urlA).asLong() + json.get("answered_by").get(urlB).asLong())
                .isEqualTo(19);
        assertThat(json.get("errors").get(0).get("kind").asText()).isEqualTo("http_400");
        assertThat(json.get("base_urls")).extracting(JsonNode::asText).containsExactly(urlA, urlB);
        assertThat(JSON.readTree(cli.run("status", "--db", db.toString(), "--json").out()).get(0).get("base_urls"))
                .extracting(JsonNode::asText).containsExactly(urlA, urlB);
        assertThat(cli.run("status", "--db", db.toString(), "--run", "nope").err()).contains("has no run 'nope'");
    }

    /**
     * Each worker that starts stores its --base-url with the run: status showed the latest one's as "Servers:" under
     * an "Answered by:" that listed every server the run's workers used (a user walk). The line says whose they are.
     */
    @Test
    void statusSaysTheStoredServersAreTheLatestWorkersWhenOthersAnsweredToo() throws Exception {
        server.setDispatcher(new FakeModelServer().answering(prompt -> prompt.equals("question 3")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null));
        second.setDispatcher(new FakeModelServer());
        Path input = questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        String urlA = server.url("/v1").toString();
        String urlB = second.url("/v1").toString();
        assertThat(cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", urlA,
                "--template", "{{question}}").exitCode()).isEqualTo(3);
        String alone = cli.run("status", "--db", db.toString(), "--run", "m").out();
        assertThat(alone).contains("Servers:     " + urlA + "\n");

        Cli.Result redo = cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", urlB,
                "--template", "{{question}}", "--retry-failed");
        assertThat(redo.exitCode()).as(redo.all()).isZero();

        Cli.Result text = cli.run("status", "--db", db.toString(), "--run", "m");
        assertThat(text.out()).contains("Servers:     " + urlB + " (the --base-url of the worker that started last,"
                        + " which a run without --base-url asks; answers came from other servers too: see Answered"
                        + " by)\n")
                .contains("Answered by: " + urlA + " 19, " + urlB + " 1");
    }
}
