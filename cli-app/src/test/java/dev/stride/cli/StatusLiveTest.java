package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** status beside a run that is going: its rate and time left; tokens and cost of every run. */
class StatusLiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aRunGoingNowShowsItsRateAndEtaAndEveryRunItsTokensAndCost() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 60);
        // From the seventh request on, answers wait until a status has seen the run going: the run cannot end first.
        CountDownLatch seen = new CountDownLatch(1);
        stride.model.holdingAfter(6, seen);
        Cli writer = new Cli();
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> writer.run("run",
                input.toString(), "--db", db.toString(), "--model", "m", "--base-url", stride.url(),
                "--template", "{{question}}", "--concurrency", "1", "--log-every", "0"));
        Cli reader = new Cli();
        JsonNode live;
        try {
            live = Eventually.get("a status that shows the run going with 5 done", Duration.ofSeconds(60), () -> {
                Cli.Result r = reader.run("status", "--db", db.toString(), "--json");
                if (r.exitCode() == 0 && !r.out().isBlank()) {
                    JsonNode runs = JSON.readTree(r.out());
                    if (runs.size() == 1 && runs.get(0).get("done").asInt() >= 5
                            && "running".equals(runs.get(0).get("state").asText())) {
                        return runs.get(0);
                    }
                }
                return null;
            });
        } finally {
            seen.countDown();
        }
        assertThat(live).as("a status while the run goes").isNotNull();
        assertThat(live.get("rate_per_s").asDouble()).isPositive();
        assertThat(live.get("eta_s").isNumber()).isTrue();
        Cli.Result table = reader.run("status", "--db", db.toString());
        assertThat(table.out().lines().toList().get(0)).contains("TOKENS IN/OUT", "RATE", "ETA");
        assertThat(running.get(60, TimeUnit.SECONDS).exitCode()).isZero();

        Cli.Result after = reader.run("status", "--db", db.toString(), "--json", "--price-in", "1", "--price-out",
                "10");
        JsonNode done = JSON.readTree(after.out()).get(0);
        assertThat(done.get("state").asText()).isEqualTo("done");
        assertThat(done.get("rate_per_s").isNull()).isTrue();
        assertThat(done.get("tokens_in").asLong()).isEqualTo(60 * 7);
        assertThat(done.get("tokens_out").asLong()).isEqualTo(60 * 3);
        assertThat(done.get("cost").asDouble()).isEqualTo((60 * 7 * 1 + 60 * 3 * 10) / 1e6);
        List<String> lines = reader.run("status", "--db", db.toString(), "--price-in", "1", "--price-out", "10")
                .out().lines().toList();
        assertThat(lines.get(0)).endsWith("COST");
        assertThat(lines.get(1)).contains("420/180").contains("$0.0022").contains(" - ");
        Cli.Result one = reader.run("status", "--db", db.toString(), "--run", "m");
        assertThat(one.out()).contains("Tokens:      420 in, 180 out").doesNotContain("Pace:");
        assertThat(JSON.readTree(reader.run("status", "--db", db.toString(), "--run", "m", "--json").out())
                .get("tokens_out").asLong()).isEqualTo(180);
    }

    @Test
    void aRerunOfFailuresShowsTheTimeToAskThemAllAsABoundNotZero() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 40);
        // Three requests in four fail for good; the fourth answers, or the run would stop as a server that is down.
        // One at a time: with eight out, ten failures could be counted before the first answer was (a loaded CI),
        // and the run stopped as one whose server answers nothing, 27 records pending.
        AtomicInteger first = new AtomicInteger();
        stride.model.answering(prompt -> first.incrementAndGet() % 4 == 0 ? null
                : new MockResponse.Builder().code(500).body("{}").build());
        Cli.Result failing = new Cli().run("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", stride.url(), "--template", "{{question}}", "--retries", "0", "--concurrency", "1",
                "--log-every", "0");
        assertThat(failing.exitCode()).as(failing.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        // The rerun's answers wait from the sixth on until a status has seen it going, with nothing pending.
        CountDownLatch seen = new CountDownLatch(1);
        stride.model.holdingAfter(5, seen);
        CompletableFuture<Cli.Result> rerun = CompletableFuture.supplyAsync(() -> new Cli().run("run",
                input.toString(), "--db", db.toString(), "--model", "m", "--base-url", stride.url(),
                "--template", "{{question}}", "--concurrency", "1", "--retry-failed", "--log-every", "0"));
        Cli reader = new Cli();
        JsonNode live;
        try {
            live = Eventually.get("a status that shows the rerun going with 5 done", Duration.ofSeconds(60), () -> {
                Cli.Result r = reader.run("status", "--db", db.toString(), "--json");
                if (r.exitCode() == 0 && !r.out().isBlank()) {
                    JsonNode run = JSON.readTree(r.out()).get(0);
                    if (run.get("done").asInt() >= 5 && "running".equals(run.get("state").asText())
                            && !run.get("rate_per_s").isNull()) {
                        return run;
                    }
                }
                return null;
            });
            assertThat(live.get("pending").asInt()).isZero();
            assertThat(live.get("failed").asInt()).isPositive();
            // The failures are left to ask at most, at a positive pace: not the 0 that "nothing pending" gave.
            assertThat(live.get("eta_s").asDouble()).isPositive();
            assertThat(live.get("eta_at_most").asBoolean()).isTrue();
            List<String> table = reader.run("status", "--db", db.toString()).out().lines().toList();
            assertThat(table.get(1)).as("the ETA column").contains("≤");
            assertThat(reader.run("status", "--db", db.toString(), "--run", "m").out())
                    .contains("the failed records being asked again: at most");
        } finally {
            seen.countDown();
        }
        assertThat(rerun.get(60, TimeUnit.SECONDS).exitCode()).isZero();
    }
}
