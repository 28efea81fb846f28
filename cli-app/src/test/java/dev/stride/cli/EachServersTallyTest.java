package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Outcome;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The line per server at the end of a session with several {@code --base-url}s: a request a server turned away as busy
 * (503) is counted as that, not as a failure, because its record was sent again and answered.
 */
class EachServersTallyTest {
    @TempDir
    Path dir;

    @Test
    void requestsAServerTurnedAwayAsBusyAreToldApartFromFailures() throws Exception {
        Path input = questions(dir, "q.jsonl", 20);
        // One place at a time at A for 300 ms: of the 4 in flight, those sent to A while it is taken get a 503.
        try (Simulator a = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(300)).maxConcurrent(1)
                     .whenBusy(SimulatorSettings.WhenBusy.REJECT).build()).start(0);
             Simulator b = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(20)).build()).start(0)) {
            Cli.Result r = new Cli(Map.of("LANG", "en_US.UTF-8")).run("run", input.toString(), "--db",
                    dir.resolve("en.db").toString(), "--model", "m", "--base-url", a.url(), "--base-url", b.url(),
                    "--template", "{{question}}", "--concurrency", "4", "--retries", "20", "--log-every", "0");
            assertThat(r.exitCode()).as(r.err()).isZero();
            long busy = a.stats().count(Outcome.BUSY);
            assertThat(busy).as("503s the simulator sent").isPositive();

            Matcher lineOfA = Pattern.compile("  " + Pattern.quote(a.url())
                    + ": (\\d+) requests?, (\\d+) answered, (\\d+) turned away as busy or rate-limited, 0 failed\n")
                    .matcher(r.out());
            assertThat(lineOfA.find()).as(r.out()).isTrue();
            assertThat(Long.parseLong(lineOfA.group(2))).isEqualTo(a.stats().count(Outcome.OK));
            assertThat(Long.parseLong(lineOfA.group(3))).isEqualTo(busy);
            assertThat(Long.parseLong(lineOfA.group(1))).isEqualTo(a.stats().count(Outcome.OK) + busy);
            assertThat(r.out()).as("a server that turned none away says nothing of it")
                    .containsPattern("  " + Pattern.quote(b.url()) + ": \\d+ requests?, \\d+ answered, 0 failed\n");
            // Each 503 is sent again: as a retry, or uncharged when others were answered just before it (its turn at
            // a full server), which the summary counts apart. Which one a 503 is depends on timing; the sum does not.
            Matcher retries = Pattern.compile("\\(this session: 20 predictions, 0 failed, (\\d+) retr")
                    .matcher(r.out());
            assertThat(retries.find()).as(r.out()).isTrue();
            Matcher uncharged = Pattern.compile("(\\d+) turned away as busy \\(503\\) and sent again").matcher(r.out());
            long sentAgain = uncharged.find() ? Long.parseLong(uncharged.group(1)) : 0;
            assertThat(Long.parseLong(retries.group(1)) + sentAgain).as(r.out()).isEqualTo(busy);

            long busyBefore = a.stats().count(Outcome.BUSY);
            Cli.Result zh = new Cli(Map.of("LANG", "zh_CN.UTF-8")).run("run", input.toString(), "--db",
                    dir.resolve("zh.db").toString(), "--model", "m", "--base-url", a.url(), "--base-url", b.url(),
                    "--template", "{{question}}", "--concurrency", "4", "--retries", "20", "--log-every", "0");
            assertThat(zh.exitCode()).as(zh.err()).isZero();
            long busyNow = a.stats().count(Outcome.BUSY) - busyBefore;
            assertThat(zh.out()).contains("，因繁忙或限速被拒 " + busyNow + " 个，失败 0 个\n");
        }
    }

    @Test
    void aServerNoConnectionReachedIsSaidToHaveBeenSentNothingAndTheCountsAgreeWithTheSummary() throws Exception {
        Path input = questions(dir, "q.jsonl", 20);
        String dead = "http://127.0.0.1:9/v1";
        try (Simulator live = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            Cli.Result r = new Cli(Map.of("LANG", "en_US.UTF-8")).run("run", input.toString(), "--db",
                    dir.resolve("one.db").toString(), "--model", "m", "--base-url", dead, "--base-url", live.url(),
                    "--template", "{{question}}", "--concurrency", "4", "--log-every", "0");

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.out()).as(r.all())
                    .containsPattern("  " + Pattern.quote(dead) + ": [1-9]\\d* connection attempts? failed, nothing sent\n")
                    .contains("  " + live.url() + ": 20 requests, 20 answered, 0 failed\n")
                    .contains("Requests:  20 sent, 0 retries, 0 redundant\n")
                    .doesNotContain(dead + ": 0 requests");
            assertThat(live.stats().requests()).isEqualTo(20);
        }

        Cli.Result none = new Cli(Map.of("LANG", "en_US.UTF-8")).run("run", input.toString(), "--db",
                dir.resolve("none.db").toString(), "--model", "m", "--base-url", dead, "--base-url",
                "http://127.0.0.1:7/v1", "--template", "{{question}}", "--log-every", "0");

        assertThat(none.exitCode()).as(none.all()).isEqualTo(1);
        assertThat(none.out()).as(none.all())
                .containsPattern("  " + Pattern.quote(dead) + ": [1-9]\\d* connection attempts? failed, nothing sent\n")
                .contains("Requests:  0 sent")
                .doesNotContain("answered");
    }
}
