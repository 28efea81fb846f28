package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code stride run} process against a server that is not there, or that goes away mid-run: the simulator
 * runs in this JVM on a port chosen once, stopped and started again on that port as a server is restarted. A run
 * whose server never answered stops at once; one whose server went away waits for it; neither marks a record failed
 * for the outage, and the same command finishes the run once the server answers. Nothing here measures time: the
 * checks are exit codes, what the process printed and what the database holds.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ServerUnreachableIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Only a guard against a hung test: every wait below is for a condition, never for a time. */
    private static final Duration GUARD = Duration.ofMinutes(3);
    private static final int RECORDS = 400;

    @TempDir
    Path dir;

    private final List<StrideProcess> children = new ArrayList<>();
    private final List<Simulator> simulators = new ArrayList<>();
    private int port;
    private Path input;
    private Path db;

    @BeforeEach
    void choosePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        input = questions(dir, "q.jsonl", RECORDS);
        db = dir.resolve("runs.db");
    }

    @AfterEach
    void stopEverything() {
        children.forEach(StrideProcess::close);
        simulators.forEach(Simulator::close);
    }

    private String url() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    /** A simulator on the test's port; 20 ms per answer, so that a run of 400 records at 2 at a time takes seconds. */
    private Simulator serve() throws IOException, InterruptedException {
        Simulator sim = Simulator.startedWhenFree(SimulatorSettings.builder().latency(Duration.ofMillis(20)).build(),
                port, Duration.ofSeconds(10));
        simulators.add(sim);
        return sim;
    }

    private StrideProcess run(String label, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", url(), "--template", "Q: {{question}}", "--concurrency", "2", "--log-every", "1s"));
        args.addAll(List.of(more));
        StrideProcess p = StrideProcess.start(dir, label, args);
        children.add(p);
        return p;
    }

    private JsonNode status() throws Exception {
        StrideProcess p = StrideProcess.start(dir, "status-" + children.size(), List.of("status", "--db",
                db.toString(), "--json"));
        children.add(p);
        assertThat(p.waitForExit(GUARD)).as(p.transcript()).isZero();
        return JSON.readTree(p.out()).get(0);
    }

    @Test
    void nothingListeningStopsAtOnceWithTheRecordsPendingAndTheSameCommandFinishesOnceTheServerIsUp()
            throws Exception {
        StrideProcess first = run("first");

        assertThat(first.waitForExit(GUARD)).as(first.transcript()).isEqualTo(ExitCodes.ERROR);
        assertThat(first.err()).as(first.transcript()).contains("no server answered: " + url() + " (connection refused")
                .contains("Check that the server is running and that --base-url is right")
                .contains("nothing was marked failed (0/" + RECORDS + " done and saved)")
                .doesNotContain("Exception");
        JsonNode stopped = status();
        assertThat(stopped.get("failed").asLong()).isZero();
        assertThat(stopped.get("pending").asLong()).isEqualTo(RECORDS);
        assertThat(stopped.get("state").asText()).isEqualTo("stopped");

        Simulator sim = serve();
        StrideProcess again = run("again");

        assertThat(again.waitForExit(GUARD)).as(again.transcript()).isZero();
        JsonNode done = status();
        assertThat(done.get("done").asLong()).isEqualTo(RECORDS);
        assertThat(done.get("failed").asLong()).isZero();
        assertThat(sim.stats().requests()).isEqualTo(RECORDS);
    }

    @Test
    void aServerThatGoesAwayAndComesBackWithinTheWaitCostsNoRecord() throws Exception {
        Simulator before = serve();
        StrideProcess p = run("run");
        p.await("40 requests", GUARD, () -> before.stats().requests() >= 40);
        before.close();
        p.await("a line saying the server is unreachable", GUARD, () -> p.out().contains("server unreachable for"));

        Simulator after = serve();

        assertThat(p.waitForExit(GUARD)).as(p.transcript()).isZero();
        assertThat(p.out()).as(p.transcript()).contains("waiting up to 10m00s for it: " + url())
                .contains("the server answers again after");
        JsonNode done = status();
        assertThat(done.get("done").asLong()).isEqualTo(RECORDS);
        assertThat(done.get("failed").asLong()).isZero();
        assertThat(after.stats().requests()).isPositive();
    }

    @Test
    void aServerThatStaysAwayLongerThanTheWaitStopsTheRunWithItsRecordsPending() throws Exception {
        Simulator before = serve();
        StrideProcess p = run("run", "--wait-for-server", "2s");
        p.await("40 requests", GUARD, () -> before.stats().requests() >= 40);
        before.close();

        assertThat(p.waitForExit(GUARD)).as(p.transcript()).isEqualTo(ExitCodes.ERROR);
        assertThat(p.out()).as(p.transcript()).contains("server unreachable for");
        assertThat(p.err()).as(p.transcript()).contains("no server answered for")
                .contains("(--wait-for-server 2.0s): " + url() + " (connection refused")
                .contains("The server answered this session before it went away: check that it is still running")
                .doesNotContain("--base-url is right")
                .contains("nothing was marked failed");
        JsonNode stopped = status();
        assertThat(stopped.get("failed").asLong()).isZero();
        assertThat(stopped.get("done").asLong()).isGreaterThan(0);
        assertThat(stopped.get("pending").asLong()).isPositive()
                .isEqualTo(RECORDS - stopped.get("done").asLong());
        assertThat(stopped.get("state").asText()).isEqualTo("stopped");
    }
}
