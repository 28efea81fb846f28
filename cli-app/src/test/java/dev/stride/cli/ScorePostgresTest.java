package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scoring on PostgreSQL: live in a run, then stride score finds nothing left to score, and the scoreboard view; the
 * way a run scores, kept with it (schema version 16), and a database of version 15 upgraded; corrected labels.
 */
class ScorePostgresTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();

    @Test
    void aRunScoresLiveAndScoreFindsItAllStored() throws Exception {
        List<String> guesses = List.of("The answer is C", "答案：C", "(C)", "选C", "**C**", "Answer: C) x",
                "The correct option is C", "The answer is B", "答案是D", "I am not sure");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < guesses.size(); i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"guess\":\"").append(guesses.get(i))
                    .append("\",\"answer\":\"C\"}\n");
        }
        Path input = dir.resolve("q.jsonl");
        Files.writeString(input, s, StandardCharsets.UTF_8);
        Cli cli = new Cli();
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            String db = pg.url();
            Cli.Result run = cli.run("run", input.toString(), "--db", db, "--model", "m", "--run", "m",
                    "--base-url", sim.url(), "--template", "{{guess}}", "--log-every", "0",
                    "--label-field", "answer", "--metric", "choice");
            assertThat(run.exitCode()).as(run.all()).isZero();
            assertThat(run.out()).contains("accuracy 70.0% (n=10); 95% CI 39.7% to 89.2%, 1 unparsed");

            Cli.Result score = cli.run("score", "--db", db, "--label-field", "answer", "--metric", "choice",
                    "--json");
            assertThat(score.exitCode()).as(score.all()).isZero();
            JsonNode j = JSON.readTree(score.out());
            assertThat(j.get("newly_scored").asLong()).as("the run stored every score").isZero();
            assertThat(j.get("scored").asLong()).isEqualTo(10);
            assertThat(j.get("correct").asLong()).isEqualTo(7);

            Cli.Result board = cli.run("sql", "--db", db, "--csv",
                    "SELECT run, metric, scored, correct, accuracy, ci_low, ci_high, unparsed FROM scoreboard");
            assertThat(board.exitCode()).as(board.all()).isZero();
            assertThat(board.out()).contains("m,choice,10,7,0.7").contains("0.3968").contains("0.8922");
        }
    }

    @Test
    void aRunKeepsItsScoringOnPostgresAndADatabaseOfVersion15IsUpgraded() throws Exception {
        Path input = questions(8);
        Cli cli = new Cli();
        String db = pg.url();
        // Every request fails and none is tried again: the session ends with no answer, so no score is stored.
        try (Simulator down = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).serverError(1.0)
                .build()).start(0)) {
            Cli.Result first = cli.run("run", input.toString(), "--db", db, "--model", "m", "--run", "m",
                    "--base-url", down.url(), "--template", "{{guess}}", "--log-every", "0", "--retries", "0",
                    "--label-field", "answer", "--metric", "choice");
            assertThat(first.exitCode()).as(first.all()).isEqualTo(3);
        }
        assertThat(rows(db, "SELECT count(*) FROM scores")).containsExactly("0");
        assertThat(rows(db, "SELECT scoring_metric || ',' || scoring_label_field || ',[' || scoring_extract"
                + " || ']' FROM runs")).containsExactly("choice,answer,[]");

        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build())
                .start(0)) {
            Cli.Result resumed = cli.run("run", "--db", db, "--base-url", sim.url(), "--retry-failed",
                    "--log-every", "0");
            assertThat(resumed.exitCode()).as(resumed.all()).isZero();
            assertThat(resumed.out()).contains("Resuming 'm' from checkpoint: 0/8 done, 8 to go\nasking " + sim.url()
                    + " now; its last session asked http://").contains("/v1\nscoring as"
                    + " before: metric choice, label field answer\n").contains("accuracy 75.0% (n=8); 95% CI");
            assertThat(rows(db, "SELECT metric || ',' || scored || ',' || correct FROM scoreboard"))
                    .containsExactly("choice,8,6");

            // Back to version 15, as the stride before this one left it: the next session upgrades it and,
            // the run keeping no way then, scores as its stored scores say.
            try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE runs DROP COLUMN scoring_metric, DROP COLUMN scoring_label_field,"
                        + " DROP COLUMN scoring_extract, DROP COLUMN output_rules"); // V17's, made after V16's
                // V18's columns stay: it is written to be applied again over itself, and counts the tokens anew.
                st.execute("DROP VIEW progress"); // V25's, which reads waiting_since: V25 makes it again
                st.execute("ALTER TABLE workers DROP COLUMN waiting_since"); // V22's
                st.execute("ALTER TABLE workers DROP COLUMN waiting_for_rate_limit"); // V23's
                st.execute("ALTER TABLE workers DROP COLUMN waiting_to_send_again");
                st.execute("ALTER TABLE workers DROP COLUMN in_flight_at"); // V20's
                st.execute("ALTER TABLE workers DROP COLUMN retry_since"); // V19's
                // V21 too is applied again over itself, and counts the scores anew.
                st.execute("DELETE FROM flyway_schema_history"
                        + " WHERE version IN ('16', '17', '18', '19', '20', '21', '22', '23', '24', '25', '26')");
            }
            Cli.Result longer = cli.run("run", questions(12).toString(), "--db", db, "--model", "m", "--run",
                    "m", "--base-url", sim.url(), "--template", "{{guess}}", "--log-every", "0");
            assertThat(longer.exitCode()).as(longer.all()).isZero();
            assertThat(longer.out()).contains("scoring as before: metric choice, label field answer\n")
                    .contains("accuracy 75.0% (n=12); 95% CI");
        }
        assertThat(rows(db, "SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history"))
                .containsExactly("26");
        // Applied again over itself, V18 counted the tokens anew: once, not on top of what its triggers had.
        assertThat(rows(db, "SELECT tokens_in + tokens_out FROM run_totals")).containsExactly(
                rows(db, "SELECT sum(prompt_tokens) + sum(completion_tokens) FROM predictions").get(0));
        assertThat(rows(db, "SELECT coalesce(scoring_metric, 'none') FROM runs")).containsExactly("none");
        assertThat(rows(db, "SELECT metric || ',' || scored || ',' || correct FROM scoreboard"))
                .containsExactly("choice,12,9");
    }

    /** As on SQLite ({@link RelabelledInputTest}): corrected labels keep their answers, and the accuracy follows. */
    @Test
    void aCorrectedLabelKeepsItsAnswerAndTheAccuracyFollowsIt() throws Exception {
        String db = pg.url();
        RelabelledInputTest.correctedLabelsKeepTheirAnswers(dir, db, sql -> rows(db, sql));
    }

    /** q0..q{n-1}, all labelled C; every fourth guess (q3, q7, ...) is (B), the others say C their own way. */
    private Path questions(int n) throws Exception {
        List<String> right = List.of("The answer is C", "答案：C", "**C**");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String guess = i % 4 == 3 ? "(B)" : right.get(i % 4);
            s.append("{\"id\":\"q").append(i).append("\",\"guess\":\"").append(guess)
                    .append("\",\"answer\":\"C\"}\n");
        }
        Path file = dir.resolve("q" + n + ".jsonl");
        Files.writeString(file, s, StandardCharsets.UTF_8);
        return file;
    }

    /** The first column of each row, as text. */
    private static List<String> rows(String db, String sql) throws Exception {
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }
    }
}
