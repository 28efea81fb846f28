package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code stride status} says of a run whose process was killed with kill -9, with the real process: running
 * while it lives, and interrupted as soon as it is gone, without waiting for its cursor to grow 20 s old, since the
 * process its worker row names is gone from this machine (as the workers block and {@code clear} already judge it).
 * Moments are chosen by what the database holds, never by time.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KilledRunStatusIT {
    private static final String RUN = "w";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(5, 15);
    private final List<StrideProcess> children = new ArrayList<>();
    private final Cli cli = new Cli();
    private Path db;

    @BeforeEach
    void serve() {
        server.setDispatcher(model);
        db = dir.resolve("w9.db");
    }

    @AfterEach
    void killChildren() {
        children.forEach(StrideProcess::close);
        model.release();
    }

    @Test
    void aRunKilledWithKill9IsInterruptedInStatusAtOnceAndRunningWhileItLives() throws Exception {
        StrideProcess run = StrideProcess.start(dir, "run", List.of("run", questions(dir, "big.jsonl", 3000).toString(),
                "--db", db.toString(), "--model", RUN, "--base-url", server.url("/v1").toString(), "--template",
                "Q: {{question}}", "--log-every", "0", "--concurrency", "2"));
        children.add(run);
        run.await("30 answers stored", Duration.ofSeconds(120), () -> done() >= 30);

        // Alive: running, with its worker, and a WAL that a live run writes.
        JsonNode live = statusJson();
        assertThat(live.get("state").asText()).as(live.toString()).isEqualTo("running");
        assertThat(live.get("workers").get(0).get("pid").asLong()).isEqualTo(run.pid());
        Cli.Result liveText = status();
        assertThat(tableRow(liveText)).endsWith("  running");
        assertThat(liveText.out()).contains("Workers of '" + RUN + "' (1 live):")
                .contains(db + " alone is not whole while a run writes it");

        assertThat(run.killHard(Duration.ofSeconds(10))).as("exit status of SIGKILL").isEqualTo(137);
        Instant asked = Instant.now();

        // Gone: interrupted at once, with no pace, and the WAL a stopped writer's, its answers counted.
        JsonNode dead = statusJson();
        Cli.Result text = status();
        JsonNode detail = JSON.readTree(cli.run("status", "--db", db.toString(), "--run", RUN, "--json").out());
        Cli.Result detailText = cli.run("status", "--db", db.toString(), "--run", RUN);

        assertThat(dead.get("state").asText()).as(dead.toString()).isEqualTo("interrupted");
        assertThat(dead.get("rate_per_s").isNull()).as(dead.toString()).isTrue();
        assertThat(dead.get("eta_s").isNull()).as(dead.toString()).isTrue();
        assertThat(dead.get("workers").isEmpty()).as(dead.toString()).isTrue();
        assertThat(dead.get("file_alone_whole").asBoolean()).isFalse();
        assertThat(dead.get("answers_only_in_wal").isNumber()).as(dead.toString()).isTrue();
        assertThat(tableRow(text)).endsWith("  interrupted").doesNotContain("/s");
        assertThat(text.out()).doesNotContain("Workers of").doesNotContain("while a run writes it")
                .containsPattern(Pattern.quote(db + " alone is not whole: ") + "\\d+"
                        + Pattern.quote(" answers are only in " + db + "-wal, left there by a stride"
                        + " stopped before it could fold them in"));
        assertThat(detail.get("state").asText()).isEqualTo("interrupted");
        assertThat(detail.get("rate_per_s").isNull()).isTrue();
        assertThat(detailText.out()).containsPattern("State: +interrupted").doesNotContain("Pace:");

        // Whether this proved anything: the run's last save was within 20 s of these looks, so the cursor alone
        // would still have said running. On a machine so loaded that it was not, the checks above hold either way.
        Instant savedAt = Instant.parse(dead.get("saved_at").asText());
        assumeTrue(savedAt.plusSeconds(20).isAfter(asked), "the killed run's cursor was over 20 s old when status"
                + " looked (saved " + savedAt + ", looked " + asked + "): the 20 s rule alone says interrupted too");
    }

    private long done() {
        Cli.Result r = cli.run("status", "--db", db.toString(), "--json");
        if (r.exitCode() != 0) {
            return 0; // no database or no schema yet
        }
        try {
            JsonNode runs = JSON.readTree(r.out());
            return runs.isEmpty() ? 0 : runs.get(0).get("done").asLong();
        } catch (IOException e) {
            throw new IllegalStateException(r.all(), e);
        }
    }

    private JsonNode statusJson() throws Exception {
        Cli.Result r = cli.run("status", "--db", db.toString(), "--json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return JSON.readTree(r.out()).get(0);
    }

    private Cli.Result status() {
        Cli.Result r = cli.run("status", "--db", db.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r;
    }

    /** The run's line of the status table. */
    private static String tableRow(Cli.Result r) {
        return r.out().lines().filter(l -> l.startsWith(RUN + " ")).findFirst().orElseThrow(
                () -> new AssertionError(r.all()));
    }
}
