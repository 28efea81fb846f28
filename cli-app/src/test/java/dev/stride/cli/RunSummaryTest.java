package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The end of a run: its summary, costs, and --quiet. */
class RunSummaryTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path input;
    private Path db;

    @BeforeEach
    void setUp() throws Exception {
        input = questions(dir, "q.jsonl", 20);
        db = dir.resolve("runs.db");
    }

    private Cli.Result run(String... more) {
        return stride.run(input, db).template("{{question}}").with(more);
    }

    @Test
    void endsWithOutcomesFailuresByKindTokensCostLatencyTimeAndRequests() {
        stride.model.answering(prompt -> prompt.equals("question 4")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null);

        Cli.Result r = run("--price-in", "0.5", "--price-out", "2", "--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        assertThat(r.out()).contains("Summary of this session:")
                .contains("  Outcomes:  19 done, 1 failed (http_400 1)")
                // 19 answers of 7 prompt and 3 completion tokens: 133 in, 57 out; 133 × 0.5 + 57 × 2 per million.
                .contains("  Tokens:    133 in, 57 out; cost $0.0002 (at $0.5000 in, $2.000 out per million tokens)")
                .containsPattern("  Latency:   p50 \\d+ ms, p95 \\d+ ms, max \\d+ ms")
                // The rate counts the 19 answers; the failure is given apart.
                .containsPattern("  Wall time: \\S+ \\([0-9.]+ predictions/s; [0-9.]+ failures/s\\)")
                .contains("  Requests:  20 sent, 0 retries, 0 redundant");
    }

    @Test
    void anInterruptedSessionCountsTheRequestsItsAnswersNeverReached() throws Exception {
        // The fifth request presses Ctrl+C and is held until the run has ended: with no grace it is given up
        // unanswered.
        CountDownLatch runEnded = new CountDownLatch(1);
        AtomicInteger requests = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (requests.incrementAndGet() == 5) {
                stride.cli.pressCtrlC();
                try {
                    runEnded.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        });

        Cli.Result r;
        try {
            r = run("--concurrency", "1", "--grace", "0s", "--log-every", "0");
        } finally {
            runEnded.countDown();
        }

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        assertThat(r.out()).contains("Summary of this session:")
                .contains("  Outcomes:  4 done, 0 failed")
                .contains("  Requests:  5 sent, 0 retries, 1 redundant (stopped before their answers were saved;"
                        + " asked again next time)");
        assertThat(query(db, "SELECT done FROM progress").get(0)).containsEntry("done", 4);
    }

    @Test
    void quietPrintsNoProgressButTheStartAndTheSummary() {
        Cli.Result r = run("--quiet", "--log-every", "1ms");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Starting new run", "Done:", "Summary of this session:")
                .doesNotContain("% done").doesNotContain("/20 done (");
    }

    @Test
    void withoutQuietLogEveryPrintsPlainProgressLines() {
        Cli.Result r = run("--log-every", "1ms", "--concurrency", "1");

        assertThat(r.exitCode()).as(r.all()).isZero();
        // No ETA this early: 20 quick records never give the rate time to mean something. What is kept in flight
        // (fixed here) ends the line.
        assertThat(r.out()).containsPattern("m: \\d+/20 done \\([0-9.]+%\\), 0 failed, 0 retries, [0-9.]+/s, [0-9.k]+"
                + " tok/s, in flight 1\\R");
    }

    @Test
    void aSessionWithoutAnswersShowsNoLatencyNoTokensAndNoPredictionsPerSecond() {
        stride.model.answering(prompt -> FakeModelServer.json(400, "{\"error\":{\"message\":\"no\"}}"));

        Cli.Result r = run("--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        assertThat(r.out()).contains("  Outcomes:  0 done, 20 failed (http_400 20)")
                .contains("  Tokens:    - in, - out\n")
                .contains("  Latency:   p50 -, p95 -, max -\n")
                .containsPattern("  Wall time: \\S+ \\(0\\.0 predictions/s; [0-9.]+ failures/s\\)\\R")
                .doesNotContain("0 ms");
    }

    @Test
    void aServerThatSendsNoUsageLeavesTheTokensUnknownNotZero() {
        stride.model.answering(prompt -> FakeModelServer.json(200, "{\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}"));

        Cli.Result r = run("--log-every", "0", "--price-in", "0.5", "--price-out", "2");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("  Tokens:    - in, - out; cost unknown (the server did not report token counts)\n")
                .containsPattern("  Latency:   p50 \\d+ ms, p95 \\d+ ms, max \\d+ ms")
                .containsPattern("  Wall time: \\S+ \\([0-9.]+ predictions/s\\)\\R");
    }

    @Test
    void onePriceAloneIsBadUsage() {
        Cli.Result r = run("--price-in", "0.5");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("give both --price-in and --price-out");
    }
}
