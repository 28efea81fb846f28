package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride score} on real SQLite files written by real runs against the simulator. The simulator echoes its
 * prompt ("Answer to: PROMPT -- words."), so a template {@code {{guess}}} makes each answer say the record's guess:
 * the accuracy is known in advance.
 */
class ScoreCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPTIONS = "\"options\":{\"A\":\"Heparin\",\"B\":\"Warfarin\",\"C\":\"Aspirin\","
            + "\"D\":\"Insulin\"}";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private final Cli cli = new Cli();
    private Simulator sim;

    @BeforeEach
    void start() throws Exception {
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** Ten questions with answer C: seven guessed right (in several phrasings), two wrong, one without a choice. */
    private static List<String> tenQuestions() {
        List<String> guesses = List.of("The answer is C", "答案：C", "(C)", "Aspirin", "选C", "**C**",
                "Answer: C) Aspirin", "The answer is B", "答案是D", "I am not sure");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < guesses.size(); i++) {
            lines.add("{\"id\":\"q" + i + "\",\"guess\":\"" + guesses.get(i) + "\"," + OPTIONS + ",\"answer\":\"C\"}");
        }
        return lines;
    }

    private Path input(String name, List<String> lines) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private Cli.Result run(Path input, Path db, String... more) {
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--run", "m", "--base-url", sim.url(), "--template", "{{guess}}", "--log-every", "0"));
        args.addAll(List.of(more));
        Cli.Result r = cli.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r;
    }

    /**
     * Ctrl+C while scoring a big run: exit 130 and one line, the first page's scores kept, the file sound; the same
     * command again scores the rest and says what one uninterrupted call says.
     */
    @Test
    void ctrlCWhileScoringKeepsWhatWasScoredAndTheSameCommandScoresTheRest() throws Exception {
        List<String> lines = new ArrayList<>();
        List<String> ten = tenQuestions();
        for (int i = 0; i < 1_200; i++) {
            String q = ten.get(i % ten.size());
            lines.add(q.replace("\"id\":\"q" + (i % ten.size()) + "\"", "\"id\":\"r" + i + "\""));
        }
        Path db = dir.resolve("runs.db");
        run(input("many.jsonl", lines), db);
        Path whole = Files.copy(db, dir.resolve("whole.db"));
        String[] score = {"score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice", "--json"};

        Cli.Result stopped = new Cli().stoppingAtOnce().run(score);

        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(stopped.out()).isEmpty();
        assertThat(stopped.err().lines().toList()).as(stopped.err()).singleElement().asString()
                .contains("interrupted while scoring", "500 answers", db.toString(), "run the same command again");
        assertThat(count(db, "SELECT COUNT(*) FROM scores")).isEqualTo(500);
        assertThat(query(db, "PRAGMA integrity_check")).containsExactly(Map.of("integrity_check", "ok"));

        Cli.Result again = cli.run(score);
        Cli.Result uninterrupted = cli.run("score", "--db", whole.toString(), "--label-field", "answer", "--metric",
                "choice", "--json");
        assertThat(again.exitCode()).as(again.all()).isZero();
        JsonNode rest = JSON.readTree(again.out());
        JsonNode all = JSON.readTree(uninterrupted.out());
        assertThat(rest.get("newly_scored").asLong()).isEqualTo(700);
        ((ObjectNode) rest).remove("newly_scored");
        ((ObjectNode) all).remove("newly_scored");
        assertThat(rest).isEqualTo(all);
        assertThat(all.get("scored").asLong()).isEqualTo(1_200);

        // --again stopped: the rest still hold their first scores, and only --again again scores them all anew
        String[] rescore = {"score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice", "--again"};
        Cli.Result stoppedAgain = new Cli().stoppingAtOnce().run(rescore);
        assertThat(stoppedAgain.exitCode()).as(stoppedAgain.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(stoppedAgain.err()).contains("interrupted while scoring again", "500 answers",
                "the others keep any score they had", "with --again");
    }

    /**
     * Scoring a file an older stride wrote listens for Ctrl+C before it upgrades the file: a signal during the upgrade
     * is then the scoring's stop, not the JVM's default action with the upgrade's connection open and a -wal left.
     */
    @Test
    void scoringAnOlderFileListensForCtrlCBeforeItUpgradesIt() throws Exception {
        Path db = dir.resolve("runs.db");
        run(input("q.jsonl", tenQuestions()), db);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            OlderSchemas.backTo17(st);
        }
        List<String> versionWhenListening = new ArrayList<>();

        Cli.Result r = new Cli().whenListening(() -> {
            try {
                versionWhenListening.add(query(db, "SELECT max(CAST(version AS INTEGER)) AS v FROM"
                        + " flyway_schema_history").get(0).get("v").toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice");

        assertThat(versionWhenListening).as("the file's version as the score began to listen").containsExactly("17");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.err()).contains("from schema version 17 to 26");
    }

    /**
     * --id-field and --label-field reach into nested objects with a dotted path (meta.qid, meta.answer), in run and
     * in score; a record's own field named with the dot wins over the path (q7's says B, which its guess is).
     */
    @Test
    void dottedFieldsReachIntoNestedObjectsAndAFieldNamedWithTheDotWins() throws Exception {
        List<String> lines = new ArrayList<>();
        List<String> ten = tenQuestions();
        for (int i = 0; i < ten.size(); i++) {
            String guess = ten.get(i).replaceAll(".*\"guess\":(\"[^\"]*\").*", "$1");
            lines.add("{\"meta\":{\"qid\":\"n" + i + "\",\"answer\":\"C\"}," + (i == 7 ? "\"meta.answer\":\"B\"," : "")
                    + "\"guess\":" + guess + "," + OPTIONS + "}");
        }
        assertThat(lines.get(7)).isEqualTo("{\"meta\":{\"qid\":\"n7\",\"answer\":\"C\"},\"meta.answer\":\"B\","
                + "\"guess\":\"The answer is B\"," + OPTIONS + "}");
        Path db = dir.resolve("runs.db");

        Cli.Result run = run(input("nested.jsonl", lines), db, "--id-field", "meta.qid", "--label-field",
                "meta.answer", "--metric", "choice");

        assertThat(run.out()).contains("accuracy 80.0% (n=10)").contains("label field meta.answer");
        assertThat(query(db, "SELECT id, score FROM results ORDER BY id").stream()
                .map(row -> row.get("id") + "=" + row.get("score")).toList())
                .containsExactly("n0=1", "n1=1", "n2=1", "n3=1", "n4=1", "n5=1", "n6=1", "n7=1", "n8=0", "n9=0");
        Cli.Result score = cli.run("score", "--db", db.toString(), "--label-field", "meta.answer", "--metric",
                "choice", "--again", "--json");
        assertThat(score.exitCode()).as(score.all()).isZero();
        JsonNode o = JSON.readTree(score.out());
        assertThat(o.get("scored").asLong()).isEqualTo(10);
        assertThat(o.get("correct").asLong()).isEqualTo(8);
    }

    /** Nothing scored has no accuracy: null in --json, not 0.0 with an interval of 0 to 0. */
    @Test
    void aRunWithNothingScoredHasNoAccuracyInJson() throws Exception {
        Path db = dir.resolve("runs.db");
        run(input("q.jsonl", tenQuestions()), db);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("DELETE FROM predictions"); // as before the first answer: every record pending
        }

        Cli.Result r = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice",
                "--json");

        assertThat(r.exitCode()).as(r.all()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("scored").asLong()).isZero();
        assertThat(o.get("accuracy").isNull()).as(r.out()).isTrue();
        assertThat(o.get("ci_low").isNull()).isTrue();
        assertThat(o.get("ci_high").isNull()).isTrue();
        assertThat(o.get("pending").asLong()).isEqualTo(10);
    }

    @Test
    void choiceScoresARunAndStoresEachRecordsScore() throws Exception {
        Path db = dir.resolve("runs.db");
        run(input("q.jsonl", tenQuestions()), db);

        Cli.Result r = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).isEqualTo("""
                run m: metric choice, label field answer
                accuracy 70.0% (95% CI 39.7% to 89.2%), 7 of 10 correct
                scored 10 (1 unparsed: no recognisable answer, counted wrong); 10 newly scored now
                """);
        assertThat(query(db, "SELECT run, metric, label_field, scored, correct, accuracy, ci_low, ci_high, unparsed"
                + " FROM scoreboard")).containsExactly(Map.of("run", "m", "metric", "choice", "label_field", "answer",
                "scored", 10, "correct", 7, "accuracy", 0.7, "ci_low", 0.3968, "ci_high", 0.8922, "unparsed", 1));
        assertThat(query(db, "SELECT id, label, score FROM results ORDER BY id").stream()
                .map(row -> row.get("id") + "=" + row.get("score")).toList())
                .containsExactly("q0=1", "q1=1", "q2=1", "q3=1", "q4=1", "q5=1", "q6=1", "q7=0", "q8=0", "q9=0");
        assertThat(query(db, "SELECT extracted, parsed FROM scores WHERE record_id IN ('q3', 'q8', 'q9')"
                + " ORDER BY record_id").stream().map(row -> row.get("extracted") + "/" + row.get("parsed")).toList())
                .containsExactly("C/1", "D/1", "null/0");
    }

    /**
     * Without --metric (and --label-field), a run is scored as it was scored: one scored live by choice read anew by
     * normalized gave a user 19.1% beside the 80.4% status showed. A run never scored takes normalized, and a label
     * field it must be told. The first line says which.
     */
    @Test
    void withoutAMetricARunIsScoredAsItWasScoredAndTheLineSaysSo() throws Exception {
        Path db = dir.resolve("runs.db");
        run(input("q.jsonl", tenQuestions()), db, "--label-field", "answer", "--metric", "choice");

        Cli.Result plain = cli.run("score", "--db", db.toString());
        assertThat(plain.exitCode()).as(plain.all()).isZero();
        assertThat(plain.out()).startsWith("""
                run m: metric choice, label field answer (as the run was scored; --metric scores another way)
                accuracy 70.0% (95% CI 39.7% to 89.2%), 7 of 10 correct
                """);
        // Another metric tried beside it does not become the run's own: the run keeps the way it was run with.
        assertThat(score(db, "--label-field", "answer", "--metric", "exact").get("correct").asLong()).isZero();
        JsonNode again = score(db, "--label-field", "answer");
        assertThat(again.get("metric").asText()).isEqualTo("choice");
        assertThat(again.get("metric_from").asText()).isEqualTo("as_scored");
        assertThat(again.get("correct").asLong()).isEqualTo(7);

        Path other = dir.resolve("other.db");
        run(input("q.jsonl", tenQuestions()), other);
        Cli.Result noField = cli.run("score", "--db", other.toString());
        assertThat(noField.exitCode()).isEqualTo(2);
        assertThat(noField.err().strip()).isEqualTo("stride: --label-field: run 'm' was never scored, so there is no"
                + " label field to take; name the field that holds each record's label, e.g. --label-field answer");
        Cli.Result byDefault = cli.run("score", "--db", other.toString(), "--label-field", "answer");
        assertThat(byDefault.out()).startsWith(
                "run m: metric normalized, label field answer (the default: the run was never scored)\n");
        // Scored by stride score alone, a run is scored as it was scored last.
        assertThat(score(other, "--label-field", "answer", "--metric", "choice").get("metric_from").asText())
                .isEqualTo("given");
        JsonNode last = score(other, "--run", "m");
        assertThat(last.get("metric").asText()).isEqualTo("choice");
        assertThat(last.get("label_field").asText()).isEqualTo("answer");
    }

    @Test
    void scoringAgainScoresOnlyNewAnswers() throws Exception {
        Path db = dir.resolve("runs.db");
        List<String> ten = tenQuestions();
        run(input("q.jsonl", ten.subList(0, 6)), db);
        JsonNode first = score(db);
        assertThat(first.get("newly_scored").asLong()).isEqualTo(6);
        assertThat(first.get("correct").asLong()).isEqualTo(6);

        JsonNode again = score(db);
        assertThat(again.get("newly_scored").asLong()).as("nothing new").isZero();
        assertThat(again.get("scored").asLong()).isEqualTo(6);
        String scoredAt = (String) query(db, "SELECT scored_at FROM scores WHERE record_id = 'q0'").get(0)
                .get("scored_at");

        // The rerun goes on scoring the run as it was scored, so its 4 new answers are scored by the time it ends.
        run(input("q.jsonl", ten), db);
        assertThat(count(db, "SELECT scored FROM scoreboard")).isEqualTo(10);
        JsonNode third = score(db);
        assertThat(third.get("newly_scored").asLong()).isZero();
        assertThat(third.get("scored").asLong()).isEqualTo(10);
        assertThat(third.get("correct").asLong()).isEqualTo(7);
        assertThat(query(db, "SELECT scored_at FROM scores WHERE record_id = 'q0'").get(0).get("scored_at"))
                .as("q0 was not scored again").isEqualTo(scoredAt);
    }

    /**
     * Scores an older stride stored hold while their answers and records are unchanged, whatever the metric reads
     * now; {@code --again} scores every answer anew and replaces them. Here the stored verdicts are turned around,
     * as a build that read those answers differently would have left them.
     */
    @Test
    void againScoresEveryAnswerAnewAndReplacesTheStoredScores() throws Exception {
        Path db = dir.resolve("runs.db");
        run(input("q.jsonl", tenQuestions()), db);
        assertThat(score(db).get("correct").asLong()).isEqualTo(7);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE scores SET correct = 1 - correct");
        }
        JsonNode kept = score(db);
        assertThat(kept.get("newly_scored").asLong()).isZero();
        assertThat(kept.get("correct").asLong()).as("the stored verdicts hold").isEqualTo(3);

        JsonNode again = score(db, "--label-field", "answer", "--metric", "choice", "--again");

        assertThat(again.get("newly_scored").asLong()).isEqualTo(10);
        assertThat(again.get("scored").asLong()).isEqualTo(10);
        assertThat(again.get("correct").asLong()).isEqualTo(7);
        assertThat(count(db, "SELECT correct FROM scoreboard")).isEqualTo(7);
        assertThat(count(db, "SELECT count(*) FROM scores")).as("replaced, not added").isEqualTo(10);
    }

    @Test
    void jsonOutputAndRecordsWithoutTheLabelFieldNamed() throws Exception {
        Path db = dir.resolve("runs.db");
        List<String> lines = new ArrayList<>(tenQuestions());
        lines.add("{\"id\":\"n1\",\"guess\":\"C\"}");
        lines.add("{\"id\":\"n2\",\"guess\":\"C\",\"answer\":null}");
        lines.add("{\"id\":\"n3\",\"guess\":\"C\",\"answer\":\" \"}");
        run(input("q.jsonl", lines), db);

        JsonNode j = score(db);
        assertThat(j.get("scored").asLong()).isEqualTo(10);
        assertThat(j.get("accuracy").asDouble()).isEqualTo(0.7);
        assertThat(j.get("ci_low").asDouble()).isBetween(0.396, 0.398);
        assertThat(j.get("missing_label").asLong()).isEqualTo(3);
        assertThat(j.get("missing_label_ids").toString()).isEqualTo("[\"n1\",\"n2\",\"n3\"]");
        assertThat(j.get("failed").asLong()).isZero();
        assertThat(j.get("pending").asLong()).isZero();

        Cli.Result text = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice");
        // The field is there in n2 and n3, with nothing in it: said as no label, not as a field misnamed.
        assertThat(text.out()).contains("not scored: 3 answers whose record has no label in field answer (missing,"
                + " null or blank; first ids: n1, n2, n3); label them, or name the labelled field with --label-field");
    }

    @Test
    void oneAnswerWithoutALabelIsOneAnswerInTheRunsSummaryAndInScores() throws Exception {
        Path db = dir.resolve("runs.db");
        List<String> lines = new ArrayList<>(tenQuestions());
        lines.add("{\"id\":\"n1\",\"guess\":\"C\"}");

        Cli.Result run = run(input("q.jsonl", lines), db, "--label-field", "answer", "--metric", "choice");
        Cli.Result score = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice");

        String one = "not scored: 1 answer whose record has no label in field answer (missing, null or blank; first"
                + " ids: n1)";
        assertThat(run.out()).contains(one);
        assertThat(score.exitCode()).as(score.all()).isZero();
        assertThat(score.out()).contains(one);
    }

    @Test
    void otherMetricsScoreTheSameAnswers() throws Exception {
        Path db = dir.resolve("runs.db");
        run(input("q.jsonl", List.of(
                "{\"id\":\"a\",\"guess\":\"dose: 75 mg\",\"dose\":\"75\",\"word\":\"DOSE\"}",
                "{\"id\":\"b\",\"guess\":\"dose: 80 mg\",\"dose\":\"75\",\"word\":\"mg\"}")), db);
        assertThat(score(db, "--label-field", "dose", "--metric", "regex", "--extract", "dose: (\\d+) mg")
                .get("correct").asLong()).isEqualTo(1);
        assertThat(score(db, "--label-field", "word", "--metric", "contains").get("correct").asLong()).isEqualTo(2);
        assertThat(score(db, "--label-field", "dose", "--metric", "exact").get("correct").asLong()).isZero();
        assertThat(query(db, "SELECT metric, label_field, scored FROM scoreboard").stream()
                .map(row -> row.get("metric") + ":" + row.get("label_field") + ":" + row.get("scored")).toList())
                .containsExactly("contains:word:2", "exact:dose:2", "regex:dose:2");
    }

    @Test
    void failedRecordsAreNotScoredAndSaidSo() throws Exception {
        // A model server that refuses one prompt: that record fails, the nine others are answered "echo: GUESS".
        stride.model.answering(prompt -> prompt.equals("The answer is B")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null);
        Path db = dir.resolve("runs.db");
        Cli.Result run = stride.run(input("q.jsonl", tenQuestions()), db).template("{{guess}}").noProgress()
                .with("--retries", "0");
        assertThat(run.exitCode()).as(run.all()).isEqualTo(3);

        Cli.Result r = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice");
        assertThat(r.out()).contains("accuracy 77.8% (95% CI 45.3% to 93.7%), 7 of 9 correct")
                .contains("not scored: 1 failed, 0 not yet answered");
    }

    @Test
    void aLabelFieldNoRecordHasIsRefusedBeforeAnythingIsSentOrKept() throws Exception {
        Path db = dir.resolve("runs.db");
        List<String> lines = new ArrayList<>(tenQuestions());
        Path q = input("q.jsonl", lines);
        String inInput = "stride: --label-field anwser: no record of " + q + " has a value in field anwser (the first"
                + " record's fields: id, guess, options, answer); name the field that holds the labels; nothing was"
                + " changed" + System.lineSeparator();
        String inRun = "stride: --label-field anwser: no record of run 'm' has a value in field anwser (the first"
                + " record's fields: id, guess, options, answer); name the field that holds the labels"
                + System.lineSeparator();

        Cli.Result dry = stride.run(q, db).template("{{guess}}").noProgress().with("--label-field", "anwser",
                "--dry-run");
        assertThat(dry.exitCode()).as("a dry run, which reads the input, refuses it too").isEqualTo(2);
        assertThat(dry.err()).isEqualTo(inInput);

        Cli.Result fresh = stride.run(q, db).template("{{guess}}").noProgress().with("--label-field", "anwser");
        assertThat(fresh.exitCode()).isEqualTo(2);
        assertThat(fresh.err()).isEqualTo(inInput);
        assertThat(stride.model.requests.get()).isZero();
        assertThat(db).as("the refused run's new database is not kept").doesNotExist();

        assertThat(stride.run(q, db).template("{{guess}}").noProgress().with().exitCode()).isZero();
        int sent = stride.model.requests.get();
        List<String> more = new ArrayList<>(lines);
        more.add("{\"id\":\"q10\",\"guess\":\"C\",\"answer\":\"C\"}");
        Cli.Result changed = stride.run(input("q.jsonl", more), db).template("{{guess}}").noProgress()
                .with("--label-field", "anwser");
        assertThat(changed.exitCode()).isEqualTo(2);
        assertThat(changed.err()).isEqualTo(inInput);
        assertThat(stride.model.requests.get()).isEqualTo(sent);
        assertThat(query(db, "SELECT count(*) AS n FROM records").get(0))
                .as("the refused input's new record is not stored: the sync was rolled back").containsEntry("n", 10);
        assertThat(query(db, "SELECT count(*) AS n FROM results WHERE status = 'done'").get(0))
                .as("a stored run is kept with its answers").containsEntry("n", 10);

        // The input the run last read, unchanged: the sync does not read it again; its stored records are checked.
        Cli.Result unchanged = stride.run(input("q.jsonl", lines), db).template("{{guess}}").noProgress()
                .with("--label-field", "anwser");
        assertThat(unchanged.exitCode()).isEqualTo(2);
        assertThat(unchanged.err()).isEqualTo(inRun);
        assertThat(stride.model.requests.get()).isEqualTo(sent);

        Cli.Result score = cli.run("score", "--db", db.toString(), "--label-field", "anwser");
        assertThat(score.exitCode()).isEqualTo(2);
        assertThat(score.err()).isEqualTo(inRun);
    }

    @Test
    void aShardWithoutLabelledRecordsOfALabelledInputIsNotRefused() throws Exception {
        // q0..q3 hash to shard 0/2 and have labels; q4..q7 hash to shard 1/2 and have none.
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"id\":\"q" + i + "\",\"guess\":\"C\"" + (i < 4 ? ",\"answer\":\"C\"" : "") + "}");
        }
        Path q = input("q.jsonl", lines);
        for (int shard = 0; shard < 2; shard++) {
            Cli.Result r = stride.run(q, dir.resolve("shard" + shard + ".db")).template("{{guess}}").noProgress()
                    .with("--shard", shard + "/2", "--label-field", "answer");
            assertThat(r.exitCode()).as(r.all()).isZero();
        }
        assertThat(query(dir.resolve("shard1.db"), "SELECT count(*) AS n FROM results WHERE status = 'done'").get(0))
                .containsEntry("n", 4);
    }

    @Test
    void aRunThatScoredNothingSaysSoInsteadOfAnEmptyAccuracy() throws Exception {
        // The one labelled record is refused by the server: nothing can be scored.
        stride.model.answering(prompt -> prompt.equals("labelled")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null);
        Path q = input("q.jsonl", List.of("{\"id\":\"a\",\"guess\":\"unlabelled\"}",
                "{\"id\":\"b\",\"guess\":\"labelled\",\"answer\":\"C\"}"));
        Cli.Result r = stride.run(q, dir.resolve("runs.db")).template("{{guess}}").noProgress()
                .with("--retries", "0", "--label-field", "answer");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(3);
        assertThat(r.out()).contains("accuracy: nothing scored (metric normalized, label field answer)")
                .doesNotContain("95% CI");
    }

    @Test
    void badMetricsAndRegexesAreOneLineUsageErrors() throws Exception {
        Path db = dir.resolve("runs.db");
        run(input("q.jsonl", tenQuestions()), db);
        Cli.Result unknown = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "f1");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err().strip())
                .isEqualTo("stride: unknown metric \"f1\": use one of exact, normalized, contains, choice, regex");
        Cli.Result regex = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "regex",
                "--extract", "(\\d+");
        assertThat(regex.exitCode()).isEqualTo(2);
        assertThat(regex.err().strip()).startsWith("stride: --extract (\\d+ is not a valid regular expression:")
                .doesNotContain("\n").doesNotContain("Exception");
        Cli.Result noRun = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--run", "x");
        assertThat(noRun.exitCode()).isEqualTo(2);
        assertThat(noRun.err()).contains("has no run 'x'");
    }

    private JsonNode score(Path db, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("score", "--db", db.toString(), "--json"));
        all.addAll(args.length == 0 ? List.of("--label-field", "answer", "--metric", "choice") : List.of(args));
        Cli.Result r = cli.run(all.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.all()).isZero();
        return JSON.readTree(r.out());
    }
}
