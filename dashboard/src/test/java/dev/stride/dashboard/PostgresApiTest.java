package dev.stride.dashboard;

import static dev.stride.dashboard.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.app.RunScorer;
import dev.stride.core.Metric;
import dev.stride.core.Scorer;
import dev.stride.db.Board;
import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import dev.stride.db.PostgresLocation;
import dev.stride.db.ScoreBook;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON API over real HTTP on a throwaway PostgreSQL cluster, against two runs written there by real runs against
 * the simulator (one scored, one where the server fails some requests), checked against what psql reads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresApiTest {
    @TempDir
    static Path dir;

    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    String url;
    Board board;
    DashboardServer server;
    URI base;

    @BeforeAll
    void runTwoRunsOnPostgresql() throws Exception {
        url = PG.newDatabase(); // the class's: its tests only read it
        PostgresLocation location = PostgresCluster.location(url);
        Path input = Fixtures.questions(dir, "questions.jsonl", 120);
        for (String name : List.of("clean", "flaky")) {
            SimulatorSettings settings = name.equals("clean") ? SimulatorSettings.builder().build()
                    : SimulatorSettings.builder().serverError(0.3).seed(7).build();
            try (Simulator sim = new Simulator(settings).start(0);
                 CheckpointManager checkpoints = CheckpointManager.open(location, null)) {
                checkpoints.run(input, RunOptions.of("model-" + name, sim.url()).withRun(name)
                        .withTemplate("Answer briefly: {{question}}").withSaveInterval(5).withConcurrency(4)
                        .withRetries(0, Duration.ofMillis(1)));
            }
        }
        try (ScoreBook book = ScoreBook.open(location);
             CheckpointManager checkpoints = CheckpointManager.open(location, null)) {
            new RunScorer(Scorer.of(Metric.CONTAINS, null), "answer").score(book,
                    checkpoints.loadCheckpoint("clean").orElseThrow());
        }
        board = Board.postgres(location);
        server = DashboardServer.start(board, new InetSocketAddress("127.0.0.1", 0));
        base = server.url();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (board != null) {
            board.close();
        }
    }

    private JsonNode json(String path, int status) throws Exception {
        HttpResponse<String> response = get(base, path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
        return BoardJson.MAPPER.readTree(response.body());
    }

    private long count(String sql) throws SQLException {
        try (Connection c = PostgresCluster.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String snapshot() throws SQLException {
        StringBuilder s = new StringBuilder();
        try (Connection c = PostgresCluster.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name, done, failed, saved_at, state, heartbeat_at,"
                     + " (SELECT count(*) FROM predictions p WHERE p.run_id = r.run_id),"
                     + " (SELECT count(*) FROM scores s WHERE s.run_id = r.run_id) FROM runs r ORDER BY name")) {
            while (rs.next()) {
                for (int i = 1; i <= 8; i++) {
                    s.append(rs.getString(i)).append('|');
                }
                s.append('\n');
            }
        }
        return s.toString();
    }

    @Test
    void theApiAnswersOnPostgresqlAsOnSqlite() throws Exception {
        String before = snapshot();

        JsonNode runs = json("/api/runs", 200).get("runs");
        assertThat(runs).hasSize(2);
        for (JsonNode r : runs) {
            String name = r.get("name").asText();
            assertThat(r.get("done").asLong()).as(name).isEqualTo(
                    count("SELECT count(*) FROM results WHERE run = '" + name + "' AND status = 'done'"));
            assertThat(r.get("failed").asLong()).as(name).isEqualTo(
                    count("SELECT count(*) FROM results WHERE run = '" + name + "' AND status = 'failed'"));
            assertThat(r.get("total").asLong()).isEqualTo(120);
            assertThat(r.get("finished").asBoolean()).isTrue();
            assertThat(r.get("rate_per_second").isNull()).as("finished: no pace now").isTrue();
            // There, as on SQLite, and null: a server's database has no file that a copy could take without its WAL
            assertThat(r.get("answers_only_in_wal").isNull()).as(name).isTrue();
            assertThat(r.get("in_flight_total").isNull()).as(name).isTrue();
        }
        long flakyFailed = count("SELECT count(*) FROM results WHERE run = 'flaky' AND status = 'failed'");
        assertThat(flakyFailed).as("the flaky server failed some").isPositive();

        JsonNode clean = json("/api/runs/clean", 200);
        double seconds = clean.get("timeline").get("bucket_seconds").asDouble();
        double outcomes = 0;
        for (JsonNode v : clean.get("timeline").get("per_second")) {
            outcomes += v.asDouble() * seconds;
        }
        assertThat(Math.round(outcomes)).as("the buckets hold every outcome").isEqualTo(120);
        assertThat(clean.get("tokens").get("out").asLong())
                .isEqualTo(count("SELECT sum(completion_tokens) FROM results WHERE run = 'clean'"));
        assertThat(clean.get("scores").get(0).get("correct").asLong())
                .isEqualTo(count("SELECT correct FROM scoreboard WHERE run = 'clean'"));
        long failed = 0;
        for (JsonNode e : json("/api/runs/flaky", 200).get("errors")) {
            failed += e.get("count").asLong();
            assertThat(e.get("example").asText()).isNotBlank();
        }
        assertThat(failed).isEqualTo(flakyFailed);

        List<String> ids = new ArrayList<>();
        String after = "";
        for (int pages = 0; pages < 10; pages++) {
            JsonNode page = json("/api/runs/flaky/records?limit=25" + after, 200);
            page.get("records").forEach(r -> ids.add(r.get("id").asText()));
            if (page.get("next").isNull()) {
                break;
            }
            after = "&after=" + page.get("next").asLong();
        }
        assertThat(ids).hasSize(120).doesNotHaveDuplicates().startsWith("q0", "q1", "q2", Fixtures.HOSTILE_ID);
        JsonNode failedPage = json("/api/runs/flaky/records?status=failed&limit=500", 200);
        assertThat((long) failedPage.get("records").size()).isEqualTo(flakyFailed);
        // The error apart from the answer, as the record's own page gives them
        JsonNode firstFailed = failedPage.get("records").get(0);
        JsonNode failedDetail = json("/api/runs/flaky/records/" + firstFailed.get("id").asText(), 200);
        assertThat(firstFailed.get("answer").isNull()).as("%s", firstFailed).isTrue();
        assertThat(firstFailed.get("error").asText()).isNotBlank().isEqualTo(failedDetail.get("error").asText());
        List<String> found = new ArrayList<>();
        // in any case, as on SQLite
        json("/api/runs/clean/records?limit=500&q=" + URLEncoder.encode("Question 11", StandardCharsets.UTF_8), 200)
                .get("records").forEach(r -> found.add(r.get("id").asText()));
        assertThat(found).containsExactly("q11", "q110", "q111", "q112", "q113", "q114", "q115", "q116", "q117",
                "q118", "q119");

        JsonNode record = json("/api/runs/clean/records/" + URLEncoder.encode(Fixtures.HOSTILE_ID,
                StandardCharsets.UTF_8).replace("+", "%20"), 200);
        assertThat(record.get("prompt").asText()).isEqualTo("Answer briefly: " + Fixtures.HOSTILE);
        assertThat(record.get("answer").asText()).contains(Fixtures.HOSTILE);
        assertThat(record.get("score").asInt()).isZero();

        JsonNode compare = json("/api/compare?a=clean&b=flaky", 200);
        assertThat(compare.get("a").get("scores").get(0).get("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(compare.get("differences")).isEmpty();
        assertThat(json("/api/compare?a=clean&b=clean&only=both_wrong&limit=500", 200).get("differences").size())
                .as("the wrong answers of a run compared with itself")
                .isEqualTo(count("SELECT scored - correct FROM scoreboard WHERE run = 'clean'"));
        assertThat(json("/api/runs/nope", 404).get("error").asText()).contains("nope");

        assertThat(snapshot()).as("the dashboard wrote nothing").isEqualTo(before);
    }

    @Test
    void aSearchForTextWithQuotesFindsTheRecordsWhoseInputHoldsItOnPostgresql() throws Exception {
        PostgresLocation location = PG.location();
        // Answers that echo only the id: the text is in each record's input alone, stored there as JSON.
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0);
             CheckpointManager checkpoints = CheckpointManager.open(location, null)) {
            checkpoints.run(Fixtures.quoted(dir, "quoted.jsonl", 40), RunOptions.of("model-quoted", sim.url())
                    .withRun("quoted").withTemplate("Name the record {{id}}").withConcurrency(4));
        }
        try (Board b = Board.postgres(location);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            HttpResponse<String> response = get(s.url(), "/api/runs/quoted/records?limit=500&q="
                    + URLEncoder.encode(Fixtures.QUOTED, StandardCharsets.UTF_8));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode records = BoardJson.MAPPER.readTree(response.body()).get("records");
            assertThat(records).hasSize(40);
            records.forEach(r -> assertThat(r.get("answer").asText()).doesNotContain("quotes"));
        }
    }
}
