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
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * status, read from another connection while a run's server is away: the worker says it waits for its server instead
 * of a rate, the run's row is {@code waiting} with no rate and no ETA (and so is its row in the progress view, read
 * with plain SQL), and all go back to a running run's once the server answers again. PostgreSQL's twin is in
 * {@link PostgresStatusTest}.
 */
class WaitingStatusTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WAITING_SINCE = "SELECT w.waiting_since FROM workers w JOIN runs r"
            + " ON r.run_id = w.run_id WHERE r.name = 'w'";

    @TempDir
    Path dir;

    @Test
    void sqliteShowsTheRunWaitingForItsServerUntilItAnswersAgain() throws Exception {
        Path db = dir.resolve("runs.db");
        showsTheWaitUntilAnswersCome(dir, db.toString(), () -> DriverManager.getConnection("jdbc:sqlite:" + db));
    }

    /**
     * A run of 400 records, 4 at a time, against a simulator that is closed once 20 requests came, and started again
     * on the same port once status has shown the wait: slower then (200 ms an answer), so that the run is still going
     * when status shows it running again. A lease of 10 minutes: its renewals come 200 s apart, so what status shows
     * was written between them, as the in-flight figures are.
     */
    static void showsTheWaitUntilAnswersCome(Path dir, String db, Opener rows) throws Exception {
        Path input = Datasets.questions(dir, "wait.jsonl", 400);
        Simulator first = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(50)).build()).start(0);
        int port = first.port();
        Simulator second = null;
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> new Cli().run("run",
                input.toString(), "--db", db, "--model", "m", "--run", "w", "--base-url", first.url(), "--template",
                "{{question}}", "--concurrency", "4", "--lease", "10m", "--log-every", "0"));
        try {
            while (first.stats().requests() < 20 && !running.isDone()) {
                Thread.sleep(10);
            }
            first.close();

            JsonNode waiting = Eventually.get("a status that shows the run waiting", Duration.ofSeconds(60),
                    () -> runOf(db, "waiting"));
            assertThat(waiting.get("rate_per_s").isNull()).as("no rate while it waits: %s", waiting).isTrue();
            assertThat(waiting.get("eta_s").isNull()).as("no ETA while it waits: %s", waiting).isTrue();
            JsonNode worker = waiting.path("workers").path(0);
            Instant since = Instant.parse(worker.get("waiting_since").asText());
            assertThat(since).isBefore(Instant.now().plusSeconds(1));
            try (Connection c = rows.open(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(WAITING_SINCE)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).as("the worker's row").isNotNull();
            }
            assertThat(shownInProgress(rows)).as("the progress view, as status shows it").isEqualTo("waiting");
            // Its four records wait for the server, trying it now and then: none is at a server in between.
            JsonNode idle = Eventually.get("waiting worker with no request out", Duration.ofSeconds(60), () -> {
                JsonNode run = runOf(db, "waiting");
                return run != null && run.path("workers").path(0).path("requests_out").asInt(-1) == 0 ? run : null;
            });
            assertThat(idle.path("workers").path(0).path("in_flight").asInt()).as("the bound stays").isEqualTo(4);
            Cli.Result text = EN.run("status", "--db", db);
            String row = text.out().lines().filter(l -> l.startsWith("w ")).findFirst().orElseThrow();
            String[] cells = row.trim().split("\\s+");
            assertThat(cells[cells.length - 1]).as(text.out()).isEqualTo("waiting");
            assertThat(cells[cells.length - 6]).as("RATE: %s", text.out()).isEqualTo("-");
            assertThat(cells[cells.length - 5]).as("ETA: %s", text.out()).isEqualTo("-");
            assertThat(text.out()).containsPattern("#1 \\S+ pid \\d+: [\\d,]+ done, server unreachable for \\S+,"
                    + " waiting for it, last seen ");
            Cli.Result detail = EN.run("status", "--db", db, "--run", "w");
            assertThat(detail.out()).as(detail.all()).containsPattern("State: +waiting").doesNotContain("Pace:");

            second = Simulator.startedWhenFree(
                    SimulatorSettings.builder().latency(Duration.ofMillis(200)).build(), port, Duration.ofSeconds(10));
            JsonNode back = Eventually.get("a status that shows the run running again", Duration.ofSeconds(60),
                    () -> runOf(db, "running"));
            assertThat(back.path("workers").path(0).get("waiting_since").isNull()).as("%s", back).isTrue();
            assertThat(back.get("rate_per_s").isNull()).as("a rate again: %s", back).isFalse();
            try (Connection c = rows.open(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(WAITING_SINCE)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).as("the worker's row").isNull();
            }
            assertThat(shownInProgress(rows)).as("the progress view, as status shows it").isEqualTo("running");
            assertThat(EN.run("status", "--db", db).out()).doesNotContain("unreachable");

            Cli.Result done = running.get(120, TimeUnit.SECONDS);
            assertThat(done.exitCode()).as(done.all()).isZero();
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    /** Run {@code w}'s state as a user's plain SQL reads it from the progress view. */
    private static String shownInProgress(Opener rows) throws SQLException {
        try (Connection c = rows.open(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT state FROM progress WHERE run = 'w'")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    /** Run {@code w} as {@code status --json} lists it, once it is in {@code state} with a live worker; else null. */
    private static JsonNode runOf(String db, String state) throws Exception {
        Cli.Result r = EN.run("status", "--db", db, "--json");
        if (r.exitCode() != 0 || r.out().isBlank()) {
            return null;
        }
        for (JsonNode run : JSON.readTree(r.out())) {
            if (run.path("run").asText().equals("w") && run.path("state").asText().equals(state)
                    && run.path("workers").size() == 1) {
                return run;
            }
        }
        return null;
    }

    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }
}
