package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.PostgresCluster;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoring on PostgreSQL: live in a run, then stride score finds nothing left to score, and the scoreboard view. */
class ScorePostgresTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

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
        try (PostgresCluster cluster = PostgresCluster.start();
             Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            String db = cluster.newDatabase();
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
}
