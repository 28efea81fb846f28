package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code stride status} says how good each scored run is, as the run's summary and {@code stride score} do. */
class StatusAccuracyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path db;
    private Path input;

    /**
     * Ten labelled questions. "tuned" gets q0-q6 right, q7 wrong and says nothing usable for q8 and q9; "base" gets
     * q0-q3 right and the rest wrong.
     */
    @BeforeEach
    void labelledQuestions() throws Exception {
        db = dir.resolve("runs.db");
        input = dir.resolve("mcq.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lines.add("{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\",\"answer\":\"" + "ABCD".charAt(i % 4)
                    + "\"}");
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
    }

    private static String label(int i) {
        return String.valueOf("ABCD".charAt(i % 4));
    }

    private static String wrong(int i) {
        return String.valueOf("ABCD".charAt((i + 1) % 4));
    }

    private void tunedScoredLive() {
        stride.model.answering(prompt -> {
            int i = Integer.parseInt(prompt.substring("question ".length()));
            return FakeModelServer.ok(i < 7 ? "The answer is " + label(i) : i == 7 ? "The answer is " + wrong(i)
                    : "I cannot tell.");
        });
        Cli.Result r = stride.run(input, db).model("tuned").template("{{question}}")
                .with("--label-field", "answer", "--metric", "choice");
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    /** "base", run without labels, then scored afterwards with {@code stride score}. */
    private void baseScoredAfter() {
        stride.model.answering(prompt -> {
            int i = Integer.parseInt(prompt.substring("question ".length()));
            return FakeModelServer.ok("The answer is " + (i < 4 ? label(i) : wrong(i)));
        });
        Cli.Result r = stride.run(input, db).model("base").template("{{question}}").with();
        assertThat(r.exitCode()).as(r.all()).isZero();
        Cli.Result score = stride.cli.run("score", "--db", db.toString(), "--run", "base", "--label-field", "answer",
                "--metric", "choice");
        assertThat(score.exitCode()).as(score.all()).isZero();
    }

    @Test
    void theTableHasEachScoredRunsAccuracy() {
        tunedScoredLive();
        // Scored another way afterwards: the table keeps the accuracy the run showed as it went.
        assertThat(stride.cli.run("score", "--db", db.toString(), "--run", "tuned", "--label-field", "answer",
                "--metric", "exact").exitCode()).isZero();
        baseScoredAfter();
        stride.model.answering(prompt -> null);
        Cli.Result unlabelled = stride.run(input, db).model("plain").template("{{question}}").with();
        assertThat(unlabelled.exitCode()).as(unlabelled.all()).isZero();

        Cli.Result r = stride.cli.run("status", "--db", db.toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).contains("TOKENS IN/OUT  ACCURACY  ");
        int at = lines.get(0).indexOf("ACCURACY") + "ACCURACY".length();
        assertThat(row(lines, "tuned").substring(0, at)).endsWith("70.0%");
        assertThat(row(lines, "base").substring(0, at)).endsWith("40.0%");
        assertThat(row(lines, "plain").substring(0, at)).endsWith(" -");
    }

    /** 14 of 27 is 51.85%: the scoreboard view's 0.5185 would read 51.8%; stride score and the run say 51.9%. */
    @Test
    void theAccuracyIsWhatStrideScorePrintsNotTheViewsRoundedFraction() throws Exception {
        Path many = dir.resolve("many.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 27; i++) {
            lines.add("{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\",\"answer\":\"" + label(i) + "\"}");
        }
        Files.write(many, lines, StandardCharsets.UTF_8);
        stride.model.answering(prompt -> {
            int i = Integer.parseInt(prompt.substring("question ".length()));
            return FakeModelServer.ok("The answer is " + (i < 14 ? label(i) : wrong(i)));
        });
        Cli.Result run = stride.run(many, db).model("m").template("{{question}}")
                .with("--label-field", "answer", "--metric", "choice");
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.all()).contains("accuracy 51.9% (n=27)");

        assertThat(stride.cli.run("status", "--db", db.toString()).out()).contains("51.9%").doesNotContain("51.8%");
        assertThat(stride.cli.run("status", "--db", db.toString(), "--run", "m").out())
                .contains("Accuracy:    51.9% (95% CI ");
    }

    @Test
    void aFileWithoutScoresKeepsTheTableItHad() {
        stride.model.answering(prompt -> null);
        assertThat(stride.run(input, db).model("plain").template("{{question}}").with().exitCode()).isZero();

        Cli.Result r = stride.cli.run("status", "--db", db.toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).doesNotContain("ACCURACY");
        assertThat(r.out().lines().findFirst().orElseThrow()).contains("TOKENS IN/OUT      RATE");
    }

    @Test
    void theRunUpCloseShowsEveryScoringWithItsIntervalAndUnparsed() {
        tunedScoredLive();
        Cli.Result exact = stride.cli.run("score", "--db", db.toString(), "--run", "tuned", "--label-field",
                "answer", "--metric", "exact");
        assertThat(exact.exitCode()).as(exact.all()).isZero();

        Cli.Result r = stride.cli.run("status", "--db", db.toString(), "--run", "tuned");

        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String> accuracy = r.out().lines().dropWhile(l -> !l.startsWith("Accuracy:"))
                .takeWhile(l -> l.startsWith("Accuracy:") || l.startsWith(" ")).toList();
        // Wilson's 95% interval of 7 of 10: 39.7% to 89.2%.
        assertThat(accuracy).containsExactly(
                "Accuracy:    70.0% (95% CI 39.7% to 89.2%), 7 of 10 correct, 2 unparsed; metric choice, label field "
                        + "answer; scored as answers arrive",
                "             0.0% (95% CI 0.0% to 27.8%), 0 of 10 correct, 0 unparsed; metric exact, label field "
                        + "answer");
    }

    /**
     * A run scored by stride score alone shows the accuracy of its latest scoring: the run up close says which of its
     * lines that is, first, so that a 0.0% in the list after a scoring by exact is not read as choice's.
     */
    @Test
    void theRunUpCloseNamesTheScoringTheListShows() {
        baseScoredAfter();
        assertThat(stride.cli.run("score", "--db", db.toString(), "--run", "base", "--label-field", "answer",
                "--metric", "exact").exitCode()).isZero();

        Cli.Result r = stride.cli.run("status", "--db", db.toString(), "--run", "base");

        List<String> accuracy = r.out().lines().dropWhile(l -> !l.startsWith("Accuracy:"))
                .takeWhile(l -> l.startsWith("Accuracy:") || l.startsWith(" ")).toList();
        assertThat(accuracy).containsExactly(
                "Accuracy:    0.0% (95% CI 0.0% to 27.8%), 0 of 10 correct, 0 unparsed; metric exact, label field "
                        + "answer; scored last, the accuracy the list of runs shows",
                "             40.0% (95% CI 16.8% to 68.7%), 4 of 10 correct, 0 unparsed; metric choice, label field "
                        + "answer");
        assertThat(row(stride.cli.run("status", "--db", db.toString()).out().lines().toList(), "base"))
                .contains(" 0.0% ");
    }

    @Test
    void theJsonOfBothViewsHoldsTheScores() throws Exception {
        tunedScoredLive();
        baseScoredAfter();

        JsonNode runs = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out());
        JsonNode tuned = runs.get(0).get("run").asText().equals("tuned") ? runs.get(0) : runs.get(1);
        JsonNode base = tuned == runs.get(0) ? runs.get(1) : runs.get(0);
        assertThat(tuned.at("/scores/0/metric").asText()).isEqualTo("choice");
        assertThat(tuned.at("/scores/0/label_field").asText()).isEqualTo("answer");
        assertThat(tuned.at("/scores/0/scored").asLong()).isEqualTo(10);
        assertThat(tuned.at("/scores/0/correct").asLong()).isEqualTo(7);
        assertThat(tuned.at("/scores/0/accuracy").asDouble()).isEqualTo(0.7);
        assertThat(tuned.at("/scores/0/unparsed").asLong()).isEqualTo(2);
        assertThat(tuned.at("/scores/0/live").asBoolean()).isTrue();
        assertThat(base.at("/scores/0/correct").asLong()).isEqualTo(4);
        assertThat(base.at("/scores/0/live").asBoolean()).as("scored by stride score, not as it ran").isFalse();

        // The accuracy the table shows, named: the live scoring's, not that of another metric tried after it.
        assertThat(stride.cli.run("score", "--db", db.toString(), "--run", "tuned", "--label-field", "answer",
                "--metric", "exact").exitCode()).isZero();
        JsonNode again = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out());
        JsonNode tunedAgain = again.get(0).get("run").asText().equals("tuned") ? again.get(0) : again.get(1);
        assertThat(tunedAgain.get("accuracy").asDouble()).isEqualTo(0.7);
        assertThat(tunedAgain.get("accuracy_metric").asText()).isEqualTo("choice");
        assertThat(tunedAgain.get("accuracy_label_field").asText()).isEqualTo("answer");
        JsonNode tunedOne = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--run", "tuned", "--json")
                .out());
        assertThat(tunedOne.get("accuracy_metric").asText()).isEqualTo("choice");

        JsonNode one = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--run", "base", "--json").out());
        assertThat(one.get("accuracy").asDouble()).isEqualTo(0.4);
        assertThat(one.get("accuracy_metric").asText()).isEqualTo("choice");
        assertThat(one.get("scores")).hasSize(1);
        assertThat(one.at("/scores/0/accuracy").asDouble()).isEqualTo(0.4);
        assertThat(one.at("/scores/0/ci_low").asDouble()).isLessThan(0.4);
        assertThat(one.at("/scores/0/ci_high").asDouble()).isGreaterThan(0.4);
    }

    @Test
    void anUnscoredRunHasNoAccuracyLineAndAnEmptyScoresList() throws Exception {
        stride.model.answering(prompt -> null);
        assertThat(stride.run(input, db).model("plain").template("{{question}}").with().exitCode()).isZero();

        Cli.Result text = stride.cli.run("status", "--db", db.toString(), "--run", "plain");
        assertThat(text.exitCode()).as(text.all()).isZero();
        assertThat(text.out()).doesNotContain("Accuracy");
        JsonNode one = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--run", "plain", "--json")
                .out());
        assertThat(one.get("scores").isArray()).isTrue();
        assertThat(one.get("scores")).isEmpty();
        assertThat(one.get("accuracy").isNull()).isTrue();
        assertThat(one.get("accuracy_metric").isNull()).isTrue();
    }

    private static String row(List<String> lines, String run) {
        return lines.stream().filter(l -> l.startsWith(run + " ")).findFirst().orElseThrow();
    }
}
