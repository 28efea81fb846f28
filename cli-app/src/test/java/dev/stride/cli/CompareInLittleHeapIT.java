package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.sim.AnswerKey;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride compare} of two runs of 200,000 records each, in the real process with a 16 MB heap: the store pairs
 * the runs in SQL a page at a time, so the heap does not grow with the runs (it held an entry per record of run A
 * before, and ran out of this heap). The runs are real runs against the simulator, grown with SQL; what compare says
 * is checked against counts the test works out itself.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CompareInLittleHeapIT {
    private static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    private static final String TEMPLATE = "Answer with the letter of the correct choice. {{question}} "
            + "A) {{choices.A}} B) {{choices.B}} C) {{choices.C}} D) {{choices.D}}";
    private static final int MORE = 200_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void twoRunsOfTwoHundredThousandRecordsCompareInASixteenMegabyteHeap() throws Exception {
        Path db = dir.resolve("big.db");
        List<AnswerKey.Question> questions = new ArrayList<>();
        for (String line : Files.readAllLines(MCQ, StandardCharsets.UTF_8)) {
            AnswerKey.fromRecord(line, "question", "answer").ifPresent(questions::add);
        }
        Cli cli = new Cli();
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build(),
                new AnswerKey(questions, Map.of("tuned", 0.9, "base", 0.5), 1.0, 42)).start(0)) {
            for (String model : List.of("tuned", "base")) {
                Cli.Result r = cli.run("run", MCQ.toString(), "--db", db.toString(), "--model", model,
                        "--base-url", sim.url(), "--template", TEMPLATE, "--log-every", "0", "--quiet");
                assertThat(r.exitCode()).as(r.all()).isZero();
            }
        }
        // What the 40 real answers give, told by compare itself while the runs are small
        Cli.Result small = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice", "--json");
        assertThat(small.exitCode()).as(small.all()).isZero();
        JsonNode before = JSON.readTree(small.out());

        grow(db);
        // The grown records, marked by the test: every tenth has no label, every seventh failed in run B, A answers
        // the label (B) on even ones, B on multiples of three.
        long bothRight = 0;
        long onlyA = 0;
        long onlyB = 0;
        long bothWrong = 0;
        long missing = 0;
        long answeredOnlyByA = 0;
        int lastDiffering = 0;
        for (int i = 1; i <= MORE; i++) {
            if (i % 7 == 0) {
                answeredOnlyByA++;
            } else if (i % 10 == 0) {
                missing++;
            } else {
                boolean a = i % 2 == 0;
                boolean b = i % 3 == 0;
                bothRight += a && b ? 1 : 0;
                onlyA += a && !b ? 1 : 0;
                onlyB += !a && b ? 1 : 0;
                bothWrong += !a && !b ? 1 : 0;
                lastDiffering = a != b ? i : lastDiffering;
            }
        }

        Path diff = dir.resolve("diff.jsonl");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx16m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar",
                StrideProcess.jar().toString(), "compare", "--db", db.toString(), "tuned", "base", "--label-field",
                "answer", "--metric", "choice", "--json", "-o", diff.toString()));
        try (StrideProcess compare = StrideProcess.startCommand(dir, "compare", command, Map.of())) {
            assertThat(compare.waitForExit(Duration.ofMinutes(4))).as(compare.transcript()).isZero();
            JsonNode after = JSON.readTree(compare.out());
            assertThat(after.get("compared").asLong()).isEqualTo(before.get("compared").asLong() + bothRight + onlyA
                    + onlyB + bothWrong);
            assertThat(after.get("both_right").asLong()).isEqualTo(before.get("both_right").asLong() + bothRight);
            assertThat(after.get("only_a_right").asLong()).isEqualTo(before.get("only_a_right").asLong() + onlyA);
            assertThat(after.get("only_b_right").asLong()).isEqualTo(before.get("only_b_right").asLong() + onlyB);
            assertThat(after.get("both_wrong").asLong()).isEqualTo(before.get("both_wrong").asLong() + bothWrong);
            assertThat(after.get("missing_label").asLong()).isEqualTo(missing);
            assertThat(after.get("answered_only_by_a").asLong()).isEqualTo(answeredOnlyByA);
            assertThat(after.get("answered_only_by_a_ids").toString()).isEqualTo("[\"g7\",\"g14\",\"g21\",\"g28\","
                    + "\"g35\"]");
            assertThat(after.get("answered_only_by_b").asLong()).isZero();
            long differing = before.get("only_a_right").asLong() + before.get("only_b_right").asLong() + onlyA
                    + onlyB;
            assertThat(after.get("differences_written").asLong()).isEqualTo(differing);
            List<String> lines = Files.readAllLines(diff, StandardCharsets.UTF_8);
            assertThat(lines).hasSize((int) differing);
            // In run A's input order: the grown records come after the 40 real ones
            assertThat(JSON.readTree(lines.get(lines.size() - 1)).get("id").asText())
                    .isEqualTo("g" + lastDiffering);
        }
    }

    /**
     * {@link #MORE} more records in each run, answered with SQL as the runner stores answers: labels B, but no label
     * on every tenth; run A right on even ones, run B on multiples of three; every seventh failed in run B.
     */
    private static void grow(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.setAutoCommit(false);
            try (PreparedStatement records = c.prepareStatement("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                    + " SELECT i + 1 FROM n WHERE i < ?) INSERT INTO records (run_id, record_id, seq, line, payload,"
                    + " content_hash) SELECT r.run_id, 'g' || i, 1000 + i, 1000 + i, CASE WHEN i % 10 = 0"
                    + " THEN '{\"id\":\"g' || i || '\",\"question\":\"question ' || i || '\"}'"
                    + " ELSE '{\"id\":\"g' || i || '\",\"question\":\"question ' || i || '\",\"answer\":\"B\"}' END,"
                    + " hex(randomblob(32)) FROM n, runs r");
                 Statement s = c.createStatement()) {
                records.setInt(1, MORE);
                records.executeUpdate();
                s.executeUpdate("INSERT INTO predictions (run_id, record_id, status, output, finish_reason,"
                        + " prompt_tokens, completion_tokens, latency_ms, attempts, error_kind, error, finished_at)"
                        + " SELECT r.run_id, r.record_id,"
                        + " CASE WHEN ru.name = 'base' AND (r.seq - 1000) % 7 = 0 THEN 'failed' ELSE 'done' END,"
                        + " CASE WHEN ru.name = 'base' AND (r.seq - 1000) % 7 = 0 THEN NULL"
                        + " WHEN ru.name = 'tuned' AND (r.seq - 1000) % 2 = 0 THEN 'The answer is B.'"
                        + " WHEN ru.name = 'base' AND (r.seq - 1000) % 3 = 0 THEN 'The answer is B.'"
                        + " ELSE 'The answer is C.' END, 'stop', 10, 10, 5, 1,"
                        + " CASE WHEN ru.name = 'base' AND (r.seq - 1000) % 7 = 0 THEN 'http_500' END,"
                        + " CASE WHEN ru.name = 'base' AND (r.seq - 1000) % 7 = 0 THEN 'gave up' END,"
                        + " '2026-01-01 00:00:00.000'"
                        + " FROM records r JOIN runs ru ON ru.run_id = r.run_id WHERE r.record_id LIKE 'g%'");
                s.executeUpdate("UPDATE runs SET total = total + " + MORE + ", low_watermark = low_watermark + "
                        + MORE);
            }
            c.commit();
        }
        assertThat(Datasets.count(db, "SELECT sum(done) FROM runs")).isEqualTo(80 + 2L * MORE - MORE / 7);
    }
}
