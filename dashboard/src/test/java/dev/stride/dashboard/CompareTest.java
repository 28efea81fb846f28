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
import dev.stride.db.ScoreBook;
import dev.stride.sim.AnswerKey;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/compare?only=...} on two scored runs that answer differently (a simulator that knows the answers, one
 * model right 90% of the time, the other 50%), checked against what sqlite3 reads from the results view.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompareTest {
    static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    static final String TEMPLATE = "Answer with the letter of the correct choice. {{question}} "
            + "A) {{choices.A}} B) {{choices.B}} C) {{choices.C}} D) {{choices.D}}";

    @TempDir
    static Path dir;

    Path db;
    Board board;
    DashboardServer server;
    URI base;

    @BeforeAll
    void runAndScoreTwoModels() throws Exception {
        db = dir.resolve("runs.db");
        List<AnswerKey.Question> questions = new ArrayList<>();
        for (String line : Files.readAllLines(MCQ, StandardCharsets.UTF_8)) {
            AnswerKey.fromRecord(line, "question", "answer").ifPresent(questions::add);
        }
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build(),
                new AnswerKey(questions, Map.of("tuned", 0.9, "base", 0.5), 1.0, 42)).start(0);
             CheckpointManager checkpoints = CheckpointManager.open(db)) {
            for (String model : List.of("tuned", "base")) {
                checkpoints.run(MCQ, RunOptions.of(model, sim.url()).withRun(model).withTemplate(TEMPLATE)
                        .withConcurrency(4).withRetries(0, Duration.ofMillis(1)));
            }
        }
        try (ScoreBook book = ScoreBook.open(db); CheckpointManager checkpoints = CheckpointManager.open(db)) {
            for (String model : List.of("tuned", "base")) {
                new RunScorer(Scorer.of(Metric.CHOICE, null), "answer").score(book,
                        checkpoints.loadCheckpoint(model).orElseThrow());
            }
        }
        board = Board.sqlite(db);
        server = DashboardServer.start(board, new InetSocketAddress("127.0.0.1", 0));
        base = server.url();
    }

    @AfterAll
    void stop() {
        server.close();
        board.close();
    }

    /** The ids of the records both runs answered where {@code condition} (on a: tuned, b: base) holds, by sqlite3. */
    private List<String> expected(String condition) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT a.id FROM results a"
                     + " JOIN results b ON b.id = a.id AND b.run = 'base' WHERE a.run = 'tuned' AND a.status = 'done' AND b.status = 'done' AND " + condition)) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private List<String> listed(String only) throws Exception {
        HttpResponse<String> response = get(base, "/api/compare?a=tuned&b=base&limit=500" + only);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode page = BoardJson.MAPPER.readTree(response.body());
        assertThat(page.get("next").isNull()).isTrue();
        List<String> ids = new ArrayList<>();
        page.get("differences").forEach(d -> ids.add(d.get("id").asText()));
        return ids;
    }

    @Test
    void eachFilterListsTheRecordsTheScoresSay() throws Exception {
        List<String> aRight = expected("a.score = 1 AND b.score = 0");
        List<String> bRight = expected("a.score = 0 AND b.score = 1");
        List<String> bothWrong = expected("a.score = 0 AND b.score = 0");
        assertThat(aRight).as("the better model is right where the other is wrong somewhere").isNotEmpty();

        assertThat(listed("&only=a_right")).isEqualTo(aRight);
        assertThat(listed("&only=b_right")).isEqualTo(bRight);
        assertThat(listed("&only=both_wrong")).isEqualTo(bothWrong);
        assertThat(listed("")).isEqualTo(listed("&only=differ"))
                .isEqualTo(expected("coalesce(a.output, '') <> coalesce(b.output, '')"))
                .containsAll(aRight).containsAll(bRight);
    }

    @Test
    void anUnknownFilterIsABadRequest() throws Exception {
        HttpResponse<String> response = get(base, "/api/compare?a=tuned&b=base&only=better");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("a_right").contains("both_wrong");
    }
}
