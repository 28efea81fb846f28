package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride run} against a server that is not there, in this JVM: one line that names the URL and what to check,
 * exit 1, nothing marked failed; with a second server that answers, the run does not notice the first is down.
 */
class ServerUnreachableTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private static String nothingListening() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort() + "/v1";
        }
    }

    private Cli.Result run(Cli cli, Path input, Path db, String url) {
        return cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", url,
                "--template", "Q: {{question}}", "--log-every", "0");
    }

    @Test
    void nothingListeningStopsAtOnceWithOneLineThatNamesTheUrlAndMarksNothingFailed() throws Exception {
        Path input = questions(dir, "q.jsonl", 200);
        Path db = dir.resolve("runs.db");
        String url = nothingListening();

        Cli.Result r = run(stride.cli, input, db, url);

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).startsWith("stride: stopped run 'm': no server answered: " + url
                + " (connection refused: ").endsWith(". Check that the server is running and that --base-url is"
                + " right; nothing was marked failed (0/200 done and saved): run the same command again once the"
                + " server answers.\n");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.out()).contains("Outcomes:  0 done, 0 failed");
        // A request that found no server cost nothing: it is neither sent to a server nor redundant.
        assertThat(r.out()).contains("Requests:  0 sent, 0 retries, 0 redundant").doesNotContain("stopped before");
        JsonNode status = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out()).get(0);
        assertThat(status.get("failed").asLong()).isZero();
        assertThat(status.get("pending").asLong()).isEqualTo(200);
        assertThat(status.get("state").asText()).isEqualTo("stopped");
        // With no answer stored, the latency and the tokens are unknown, not zero.
        String detail = stride.cli.run("status", "--db", db.toString(), "--run", "m").out();
        assertThat(detail).contains("Latency:     p50 -, p95 -, max -").contains("Tokens:      - in, - out");
    }

    @Test
    void aResumeThatGaveNoBaseUrlSaysTheUnreachableServerIsTheOneStoredWithTheRun() throws Exception {
        // The run is started where its server was; its .db alone is copied to another machine, where that address
        // leads nowhere. The resume there named no server: the line must not send the reader to an option never typed.
        Path input = questions(dir, "q.jsonl", 30);
        String url = nothingListening();
        assertThat(run(stride.cli, input, dir.resolve("runs.db"), url).exitCode()).isEqualTo(ExitCodes.ERROR);
        Path elsewhere = Files.createDirectory(dir.resolve("gpu2")).resolve("runs.db");
        Files.copy(dir.resolve("runs.db"), elsewhere);

        Cli.Result alone = stride.cli.run("run", "--db", elsewhere.toString(), "--log-every", "0");
        Cli.Result byModel = stride.cli.run("run", "--db", elsewhere.toString(), "--model", "m", "--log-every", "0");
        Cli.Result zh = new Cli(Map.of("LANG", "zh_CN.UTF-8")).run("run", "--db", elsewhere.toString(),
                "--log-every", "0");

        for (Cli.Result r : List.of(alone, byModel)) {
            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
            assertThat(r.err()).as(r.all()).startsWith("stride: stopped run 'm': no server answered: " + url
                    + " (connection refused: ").endsWith(". This command gave no --base-url, so it went to the server"
                    + " stored with the run: check that it is running, or give --base-url with the server's address"
                    + " as seen from here (the run may have been started on another machine); nothing was marked"
                    + " failed (0/30 done and saved): run the same command again once the server answers.\n");
            assertThat(r.err().lines()).hasSize(1);
        }
        assertThat(zh.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(zh.err()).contains("。本命令没有给出 --base-url，因此请求发往了任务中保存的服务器：");
    }

    @Test
    void recordsThatFailedBeforeTheServerWentAwayAreCountedNotDenied() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        // Two records the server refuses for reasons of their own; after the tenth answer, the server goes away.
        stride.model.answering(prompt -> {
            if (stride.model.requests.get() == 10) {
                new Thread(stride.server::close).start();
            }
            return prompt.equals("Q: question 2") || prompt.equals("Q: question 5")
                    ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt too long\"}}")
                    : null;
        });

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", stride.url(), "--template", "Q: {{question}}", "--log-every", "0",
                "--concurrency", "1", "--wait-for-server", "1s");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        JsonNode status = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out()).get(0);
        assertThat(status.get("failed").asLong()).as(r.all()).isEqualTo(2);
        long done = status.get("done").asLong();
        assertThat(r.err()).as(r.all()).doesNotContain("nothing was marked failed")
                .contains("the wait marked nothing failed (" + done + "/40 done and saved, 2 failed earlier:"
                        + " --retry-failed redoes them): run the same command again once the server answers.");
    }

    @Test
    void theLineIsInTheReadersLanguage() throws Exception {
        Path input = questions(dir, "q.jsonl", 20);
        String url = nothingListening();

        Cli.Result r = run(new Cli(Map.of("LANG", "zh_CN.UTF-8")), input, dir.resolve("runs.db"), url);

        assertThat(r.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).startsWith("stride: 已停止任务 'm'：没有服务器应答：" + url + " (connection refused: ")
                .contains("。请检查服务器是否在运行，以及 --base-url 是否正确；没有任何记录被标记为失败（已完成并保存 0/20 条）");
    }

    @Test
    void aSecondServerThatAnswersCarriesTheRunWhenTheFirstIsDown() throws Exception {
        Path input = questions(dir, "q.jsonl", 50);
        Path db = dir.resolve("runs.db");

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", nothingListening(), "--base-url", stride.url(), "--template", "Q: {{question}}",
                "--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Outcomes:  50 done, 0 failed");
        assertThat(stride.model.requests.get()).isEqualTo(50);
    }
}
