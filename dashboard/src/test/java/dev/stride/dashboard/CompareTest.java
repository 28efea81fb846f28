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
 * model right 90% of the time, the other 50%), checked against what sqlite3 reads from the scores. Both runs are
 * scored with {@code choice}, and the better one afterwards with {@code exact} too (its latest scoring, by which
 * most of its phrased answers are wrong): right and wrong must still be by {@code choice}, the one scoring both
 * share, as {@code stride compare} takes it.
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
            checkpoints.run(MCQ, RunOptions.of("base", sim.url()).withRun("contained").withTemplate(TEMPLATE)
                    .withConcurrency(4).withRetries(0, Duration.ofMillis(1)));
        }
        try (ScoreBook book = ScoreBook.open(db); CheckpointManager checkpoints = CheckpointManager.open(db)) {
            for (String model : List.of("tuned", "base")) {
                new RunScorer(Scorer.of(Metric.CHOICE, null), "answer").score(book,
                        checkpoints.loadCheckpoint(model).orElseThrow());
            }
            new RunScorer(Scorer.of(Metric.EXACT, null), "answer").score(book,
                    checkpoints.loadCheckpoint("tuned").orElseThrow());
            new RunScorer(Scorer.of(Metric.CONTAINS, null), "answer").score(book,
                    checkpoints.loadCheckpoint("contained").orElseThrow());
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

    /**
     * The ids of the records both runs answered where {@code condition} (on a: tuned, b: base; {@code a.score} their
     * score by {@code metric}) holds, by sqlite3.
     */
    private List<String> expected(String condition, String metric) throws Exception {
        List<String> ids = new ArrayList<>();
        String byMetric = condition.replace("a.score", scoreBy("tuned", "a", metric))
                .replace("b.score", scoreBy("base", "b", metric));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT a.id FROM results a"
                     + " JOIN results b ON b.id = a.id AND b.run = 'base' WHERE a.run = 'tuned' AND a.status = 'done' AND b.status = 'done' AND " + byMetric)) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static String scoreBy(String run, String alias, String metric) {
        return "(SELECT s.correct FROM current_scores s JOIN runs ru ON ru.run_id = s.run_id WHERE ru.name = '" + run
                + "' AND s.record_id = " + alias + ".id AND s.metric = '" + metric + "')";
    }

    private JsonNode page(String only) throws Exception {
        HttpResponse<String> response = get(base, "/api/compare?a=tuned&b=base&limit=500" + only);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return BoardJson.MAPPER.readTree(response.body());
    }

    private List<String> listed(String only) throws Exception {
        JsonNode page = page(only);
        assertThat(page.get("next").isNull()).isTrue();
        List<String> ids = new ArrayList<>();
        page.get("differences").forEach(d -> ids.add(d.get("id").asText()));
        return ids;
    }

    @Test
    void eachFilterListsTheRecordsTheScoresOfTheSharedMetricSay() throws Exception {
        List<String> aRight = expected("a.score = 1 AND b.score = 0", "choice");
        List<String> bRight = expected("a.score = 0 AND b.score = 1", "choice");
        List<String> bothWrong = expected("a.score = 0 AND b.score = 0", "choice");
        assertThat(aRight).as("the better model is right where the other is wrong somewhere").isNotEmpty();
        assertThat(expected("a.score = 0 AND b.score = 0", "exact")).as("exact judges otherwise")
                .isNotEqualTo(bothWrong);

        assertThat(listed("&only=a_right")).isEqualTo(aRight);
        assertThat(listed("&only=b_right")).isEqualTo(bRight);
        assertThat(listed("&only=both_wrong")).isEqualTo(bothWrong);
        assertThat(listed("")).isEqualTo(listed("&only=differ"))
                .isEqualTo(expected("coalesce(a.output, '') <> coalesce(b.output, '')", "choice"))
                .containsAll(aRight).containsAll(bRight);
    }

    @Test
    void theAccuraciesShownAreOfTheMetricRightAndWrongAreBy() throws Exception {
        JsonNode page = page("&only=a_right");
        assertThat(page.get("metric").asText()).isEqualTo("choice");
        assertThat(page.get("label_field").asText()).isEqualTo("answer");
        assertThat(page.get("no_scoring").isNull()).isTrue();
        for (String side : List.of("a", "b")) {
            JsonNode score = page.get(side).get("score");
            String run = page.get(side).get("name").asText();
            assertThat(score.get("metric").asText()).isEqualTo("choice");
            assertThat(score.get("correct").asLong()).isEqualTo(Fixtures.count(db,
                    "SELECT correct FROM scoreboard WHERE metric = 'choice' AND run = '" + run + "'"));
        }
        page.get("differences").forEach(d -> assertThat(d.get("correct_a").asInt()).isOne());
    }

    @Test
    void twoRunsScoredWithDifferentMetricsAreJudgedByNoneAndThePageSaysWhy() throws Exception {
        HttpResponse<String> response = get(base, "/api/compare?a=contained&b=tuned&only=both_wrong");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode page = BoardJson.MAPPER.readTree(response.body());
        assertThat(page.get("metric").isNull()).isTrue();
        assertThat(page.get("no_scoring").asText()).contains("different metrics").contains("'contained': contains")
                .contains("'tuned': choice, exact").contains("stride compare --metric");
        assertThat(page.get("a").get("score").isNull()).isTrue();
        assertThat(page.get("differences")).as("nothing is wrong by no metric").isEmpty();
    }

    @Test
    void theReportListsTheWrongAnswersOfOneNamedScoring() throws Exception {
        Path report = dir.resolve("report.html");
        assertThat(DashboardReport.write(board, "tuned", "runs.db", report)).isPresent();
        String html = Files.readString(report, StandardCharsets.UTF_8);
        String data = html.substring(html.indexOf("id=\"stride-data\">"), html.indexOf("</script>",
                html.indexOf("id=\"stride-data\">")));
        JsonNode problems = BoardJson.MAPPER.readTree(data.substring(data.indexOf('>') + 1)
                .replace("\\u003c", "<")).get("details").get(0).get("problems");
        // tuned was scored by exact last
        assertThat(problems.get("wrong_metric").asText()).isEqualTo("exact");
        assertThat(problems.get("wrong_label_field").asText()).isEqualTo("answer");
        List<String> wrong = new ArrayList<>();
        problems.get("wrong").forEach(r -> wrong.add(r.get("id").asText()));
        assertThat(wrong).isEqualTo(expected("a.score = 0", "exact"));
        problems.get("wrong").forEach(r -> assertThat(r.get("score").asInt()).isZero());
    }

    @Test
    void anUnknownFilterIsABadRequest() throws Exception {
        HttpResponse<String> response = get(base, "/api/compare?a=tuned&b=base&only=better");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("a_right").contains("both_wrong");
    }
}
