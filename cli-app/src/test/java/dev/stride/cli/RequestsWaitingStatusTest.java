package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * status, read from another connection while a run's requests wait at no server, says what they wait for as the run's
 * progress line does: requests held for {@code --rpm}, records sleeping out a server's Retry-After before they are
 * sent again. Before, the worker said "in flight 0 (limit 8)" and its run looked idle. PostgreSQL's twins are in
 * {@link PostgresStatusTest}.
 */
class RequestsWaitingStatusTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void sqliteShowsRequestsWaitingForTheRateLimit() throws Exception {
        Path db = dir.resolve("runs.db");
        showsRequestsWaitingForTheRateLimit(dir, db.toString(), () -> DriverManager.getConnection("jdbc:sqlite:" + db));
    }

    @Test
    void sqliteShowsRecordsWaitingToBeSentAgain() throws Exception {
        Path db = dir.resolve("runs.db");
        showsRecordsWaitingToBeSentAgain(dir, db.toString(), stride,
                () -> DriverManager.getConnection("jdbc:sqlite:" + db));
    }

    /**
     * A run at {@code --rpm 6} (a request every 10 s), 8 at a time, against a simulator that answers at once: its 8
     * records wait for the rate limit nearly all the time, none at the server. A lease of 10 minutes: what status shows
     * was written between renewals, as the in-flight figures are. Ctrl+C ends it once status was read.
     */
    static void showsRequestsWaitingForTheRateLimit(Path dir, String db, Opener rows) throws Exception {
        Path input = Datasets.questions(dir, "rpm.jsonl", 100);
        Cli cli = new Cli();
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> cli.run("run",
                    input.toString(), "--db", db, "--model", "m", "--run", "rl", "--base-url", sim.url(),
                    "--template", "{{question}}", "--concurrency", "8", "--rpm", "6", "--lease", "10m",
                    "--log-every", "0"));
            try {
                JsonNode worker = Eventually.get("a worker with its 8 records waiting for the rate limit",
                        Duration.ofSeconds(60), () -> {
                            JsonNode w = workerOf(db, "rl");
                            return w != null && w.path("waiting_for_rate_limit").asInt(-1) == 8
                                    && w.path("requests_out").asInt(-1) == 0 ? w : null;
                        });
                assertThat(worker.get("in_flight").asInt()).as("the bound: %s", worker).isEqualTo(8);
                assertThat(worker.get("waiting_to_send_again").isInt()).as("%s", worker).isTrue();
                assertThat(worker.get("waiting_to_send_again").asInt()).as("%s", worker).isZero();
                try (Connection c = rows.open(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery(row("rl"))) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt("waiting_for_rate_limit")).as("the worker's row").isPositive();
                    assertThat(rs.getObject("waiting_to_send_again")).as("written, though none waits").isNotNull();
                }
                // In the progress line's words, after what is in flight: a send every 10 s may be out for a moment.
                Cli.Result text = EN.run("status", "--db", db);
                assertThat(text.out()).as(text.all()).containsPattern("#1 \\S+ pid \\d+: [\\d,]+ done, .*, in flight"
                        + " \\d \\(limit 8\\), \\d waiting for the rate limit\n");
            } finally {
                cli.pressCtrlC();
            }
            Cli.Result stopped = running.get(60, TimeUnit.SECONDS);
            assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(ExitCodes.INTERRUPTED);
        }
    }

    /**
     * A run 4 at a time whose server answers 4 requests and then refuses each as busy (503) with a Retry-After of 100
     * s: its 4 records sleep before they are sent again, holding their slots, none at the server. Ctrl+C ends it once
     * status was read.
     */
    static void showsRecordsWaitingToBeSentAgain(Path dir, String db, CliFixture server, Opener rows)
            throws Exception {
        Path input = Datasets.questions(dir, "busy.jsonl", 40);
        AtomicInteger seen = new AtomicInteger();
        server.model.answering(prompt -> seen.incrementAndGet() <= 4 ? null
                : new MockResponse.Builder().code(503).setHeader("Retry-After", "100")
                        .setHeader("Content-Type", "application/json")
                        .body("{\"error\":{\"message\":\"busy\"}}").build());
        Cli cli = new Cli();
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> cli.run("run",
                input.toString(), "--db", db, "--model", "m", "--run", "again", "--base-url", server.url(),
                "--template", "{{question}}", "--concurrency", "4", "--lease", "10m", "--log-every", "0"));
        try {
            JsonNode worker = Eventually.get("a worker with its 4 records waiting to be sent again",
                    Duration.ofSeconds(60), () -> {
                        JsonNode w = workerOf(db, "again");
                        return w != null && w.path("waiting_to_send_again").asInt(-1) == 4
                                && w.path("requests_out").asInt(-1) == 0 ? w : null;
                    });
            assertThat(worker.get("waiting_for_rate_limit").asInt(-1)).as("%s", worker).isZero();
            try (Connection c = rows.open(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(row("again"))) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt("waiting_to_send_again")).as("the worker's row").isEqualTo(4);
            }
            Cli.Result text = EN.run("status", "--db", db);
            assertThat(text.out()).as(text.all()).containsPattern("#1 \\S+ pid \\d+: 4 done, .*, in flight 0"
                    + " \\(limit 4\\), 4 waiting to be sent again\n");
        } finally {
            cli.pressCtrlC();
        }
        Cli.Result stopped = running.get(60, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(ExitCodes.INTERRUPTED);
    }

    /** The only live worker of run {@code name} as {@code status --json} lists it; null before it has one. */
    private static JsonNode workerOf(String db, String name) throws Exception {
        Cli.Result r = EN.run("status", "--db", db, "--json");
        if (r.exitCode() != 0 || r.out().isBlank()) {
            return null;
        }
        for (JsonNode run : JSON.readTree(r.out())) {
            if (run.path("run").asText().equals(name) && run.path("workers").size() == 1) {
                return run.path("workers").path(0);
            }
        }
        return null;
    }

    private static String row(String run) {
        return "SELECT w.waiting_for_rate_limit, w.waiting_to_send_again FROM workers w JOIN runs r"
                + " ON r.run_id = w.run_id WHERE r.name = '" + run + "'";
    }

    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }
}
