package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride run --label-field}: answers scored as they arrive, the accuracy on the progress lines and after the
 * summary, the scores stored; and {@code stride score} beside a run that is writing. The simulator echoes the
 * template {@code {{guess}}}, so every accuracy is known in advance.
 */
class RunScoresLiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final Cli cli = new Cli();

    /** q0..q{n-1}, all labelled C; every fourth guess (q3, q7, ...) is (B), the others say C their own way. */
    private Path questions(String name, int n) throws Exception {
        List<String> right = List.of("The answer is C", "答案：C", "**C**");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String guess = i % 4 == 3 ? "(B)" : right.get(i % 4);
            s.append("{\"id\":\"q").append(i).append("\",\"guess\":\"").append(guess)
                    .append("\",\"answer\":\"C\"}\n");
        }
        Path file = dir.resolve(name);
        Files.writeString(file, s, StandardCharsets.UTF_8);
        return file;
    }

    private Cli.Result run(Simulator sim, Path input, Path db, String... more) {
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--run", "m", "--base-url", sim.url(), "--template", "{{guess}}", "--concurrency", "1"));
        args.addAll(List.of(more));
        return cli.run(args.toArray(String[]::new));
    }

    @Test
    void progressLinesAndTheSummaryShowTheAccuracySoFar() throws Exception {
        // 20 ms per answer and a line at most every 1 ms: with one request at a time, a line after nearly every
        // answer. Not after each one: answers are stored by a writer thread, and on a loaded machine it may fall
        // behind and store two at once; the second's line then comes within the 1 ms and is not printed (a test that
        // waits for the line of "(n=4)" then fails). So every line printed is checked against the accuracy of its
        // answers, and the first line (its answer came at least 20 ms after the start) and the summary must be there.
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(20)).build())
                .start(0)) {
            Path db = dir.resolve("runs.db");
            Cli.Result r = run(sim, questions("q.jsonl", 8), db, "--log-every", "1ms", "--label-field", "answer",
                    "--metric", "choice");
            assertThat(r.exitCode()).as(r.all()).isZero();
            // Lines during the run show the accuracy so far. Not necessarily the first answer's: a line printed a
            // moment before that answer was counted ("0/8") keeps the next within the 1 ms from being printed, and on a
            // loaded machine the second answer may be counted by then.
            assertThat(r.out()).containsPattern("done \\(\\d+\\.\\d%\\), .*, accuracy [\\d.]+% \\(n=[1-7]\\)");
            assertEveryLineHasTheAccuracyOfItsAnswers(r.out(), 8);
            assertThat(r.out()).contains("accuracy 75.0% (n=8); 95% CI 40.9% to 92.9%, 0 unparsed (metric choice,"
                    + " label field answer; stored in the scoreboard view)");
            assertThat(query(db, "SELECT scored, correct FROM scoreboard WHERE metric = 'choice'").get(0))
                    .containsEntry("scored", 8).containsEntry("correct", 6);

            // A longer input resumes the run: the accuracy counts the answers of before and of this session once.
            Cli.Result more = run(sim, questions("q.jsonl", 12), db, "--log-every", "1ms", "--label-field",
                    "answer", "--metric", "choice");
            assertThat(more.exitCode()).as(more.all()).isZero();
            assertThat(more.out()).contains("9/12 done").contains(", accuracy 77.8% (n=9)")
                    .contains("accuracy 75.0% (n=12); 95% CI");
            assertEveryLineHasTheAccuracyOfItsAnswers(more.out(), 12);
            assertThat(count(db, "SELECT count(*) FROM scores")).isEqualTo(12);
        }
    }

    /** The accuracy joins a Chinese progress line with its full-width comma, as the line's other parts do. */
    @Test
    void theAccuracyOnAChineseProgressLineIsJoinedAsTheLineIs() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(20)).build())
                .start(0)) {
            List<String> args = List.of("run", questions("q.jsonl", 4).toString(), "--db",
                    dir.resolve("zh.db").toString(), "--model", "m", "--base-url", sim.url(), "--template",
                    "{{guess}}", "--concurrency", "1", "--log-every", "1ms", "--label-field", "answer", "--metric",
                    "choice");
            Cli.Result r = new Cli(Map.of("LANG", "zh_CN.UTF-8")).run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.all()).isZero();
            // Which answers a progress line comes after is the clock's (it printed n=2 first on a busy machine): the
            // way the accuracy is joined to the line is what counts.
            assertThat(r.out()).containsPattern("，准确率 [0-9.]+%（n=[1-4]）\n").doesNotContain(", 准确率");
        }
    }

    @Test
    void theDefaultMetricIsNormalizedAndAMetricNeedsALabelField() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Path db = dir.resolve("runs.db");
            Cli.Result no = run(sim, questions("q.jsonl", 4), db, "--metric", "choice");
            assertThat(no.exitCode()).isEqualTo(2);
            assertThat(no.err().strip()).isEqualTo(
                    "stride: --metric scores answers against a label: add --label-field FIELD");
            Cli.Result bad = run(sim, questions("q.jsonl", 4), db, "--label-field", "answer", "--metric", "bleu");
            assertThat(bad.exitCode()).isEqualTo(2);
            assertThat(bad.err()).contains("unknown metric \"bleu\"");

            Cli.Result r = run(sim, questions("q.jsonl", 4), db, "--log-every", "0", "--label-field", "answer");
            assertThat(r.exitCode()).as(r.all()).isZero();
            // The simulator's answers are whole sentences: none equals "c" once normalized.
            assertThat(r.out()).contains("accuracy 0.0% (n=4)").contains("(metric normalized, label field answer;");
        }
    }

    /** The short resume of a database whose runs are done sends nothing, so scores nothing: it says what does. */
    @Test
    void aShortResumeOfDoneRunsToldToScoreSaysTheScoreCommand() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Path db = dir.resolve("runs.db");
            assertThat(run(sim, questions("q.jsonl", 4), db, "--log-every", "0").exitCode()).isZero();

            Cli.Result r = cli.run("run", "--db", db.toString(), "--run", "m", "--label-field", "answer", "--metric",
                    "choice");

            assertThat(r.exitCode()).as(r.all()).isZero();
            String command = "stride score --db " + db + " --run m --label-field answer --metric choice";
            assertThat(r.out()).contains("Nothing to resume in " + db + ": every run is done.\n"
                    + "Nothing was scored: a run that is done is scored with: " + command + "\n");
            Cli.Result scored = cli.run(command.substring("stride ".length()).split(" "));
            assertThat(scored.exitCode()).as(scored.all()).isZero();
            assertThat(scored.out()).contains("3 of 4 correct");
        }
    }

    @Test
    void scoreWorksBesideARunThatIsWriting() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(40)).build())
                .start(0)) {
            Path db = dir.resolve("runs.db");
            Path input = questions("q.jsonl", 40);
            CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(
                    () -> run(sim, input, db, "--log-every", "0", "--save-interval", "1"));
            Eventually.until("five answers", Duration.ofMinutes(2), () -> fiveAnswers(db));

            JsonNode during = score(db);
            assertThat(during.get("scored").asLong()).isBetween(5L, 40L);
            assertThat(running.get().exitCode()).isZero();

            JsonNode after = score(db);
            assertThat(after.get("scored").asLong()).isEqualTo(40);
            assertThat(after.get("newly_scored").asLong()).isEqualTo(40 - during.get("scored").asLong());
            assertThat(after.get("correct").asLong()).isEqualTo(30);
        }
    }

    @Test
    void aShortResumeScoresAsTheRunWasScored() throws Exception {
        Path db = dir.resolve("runs.db");
        // Half the requests fail and none is tried again: the run stops part-way, its answers scored.
        try (Simulator failing = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).serverError(0.5)
                .build()).start(0)) {
            Cli.Result first = run(failing, questions("q.jsonl", 20), db, "--log-every", "0", "--retries", "0",
                    "--label-field", "answer", "--metric", "choice");
            assertThat(first.exitCode()).as(first.all()).isEqualTo(3);
        }
        long doneBefore = count(db, "SELECT done FROM progress");
        assertThat(count(db, "SELECT scored FROM scoreboard")).isEqualTo(doneBefore);
        // As a session killed before it stored its scores leaves them: answers with none, one scored left to tell how.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("DELETE FROM scores WHERE record_id <> (SELECT min(record_id) FROM scores)");
        }
        assertThat(count(db, "SELECT scored FROM scoreboard")).isEqualTo(1);
        // The README's short resume (elsewhere: another server), without --label-field or --metric.
        shortResumeScoresAsChoiceOnAnswer(db, doneBefore);
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(20);
    }

    /**
     * A session killed after its last answers and before their scores were stored leaves a run done with answers
     * unscored: the same command again has nothing to send, and scores them, saying so.
     */
    @Test
    void aFinishedRunWithAnswersUnscoredIsScoredByTheSameCommandAgain() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions("q.jsonl", 8);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Cli.Result first = run(sim, input, db, "--log-every", "0", "--label-field", "answer", "--metric",
                    "choice");
            assertThat(first.exitCode()).as(first.all()).isZero();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                st.execute("DELETE FROM scores");
            }

            Cli.Result again = run(sim, input, db, "--log-every", "0", "--label-field", "answer", "--metric",
                    "choice");

            assertThat(again.exitCode()).as(again.all()).isZero();
            assertThat(again.out()).contains("Nothing left to send for 'm': 8/8 done, the run is already finished (to ask"
                    + " every record again, start a new run of it with --run NEW-NAME)\naccuracy 75.0% (n=8)");
            assertThat(query(db, "SELECT scored, correct FROM scoreboard"))
                    .containsExactly(Map.of("scored", 8, "correct", 6));

            // Scored already: a run of the same command once more says nothing of scores.
            Cli.Result third = run(sim, input, db, "--log-every", "0", "--label-field", "answer", "--metric",
                    "choice");
            assertThat(third.out()).doesNotContain("accuracy");
        }
    }

    @Test
    void aShortResumeScoresARunStoppedBeforeItsFirstScoreAsItsFirstSessionWasTold() throws Exception {
        Path db = dir.resolve("runs.db");
        // Every request fails and none is tried again: the session ends with no answer, so no score is stored.
        try (Simulator down = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).serverError(1.0)
                .build()).start(0)) {
            Cli.Result first = run(down, questions("q.jsonl", 8), db, "--log-every", "0", "--retries", "0",
                    "--label-field", "answer", "--metric", "regex", "--extract", "\\b([A-D])\\b");
            assertThat(first.exitCode()).as(first.all()).isEqualTo(3);
        }
        assertThat(count(db, "SELECT count(*) FROM scores")).isZero();
        // The run keeps how it scores, its expression included.
        assertThat(query(db, "SELECT scoring_metric, scoring_label_field, scoring_extract FROM runs"))
                .containsExactly(Map.of("scoring_metric", "regex", "scoring_label_field", "answer",
                        "scoring_extract", "\\b([A-D])\\b"));
        // The README's short resume, told nothing about scoring: every answer is scored, as the first session was told.
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Cli.Result resumed = cli.run("run", "--db", db.toString(), "--base-url", sim.url(), "--retry-failed",
                    "--log-every", "0");
            assertThat(resumed.exitCode()).as(resumed.all()).isZero();
            // The run keeps its --extract too, said first: it fills the extracted column as the metric reads it.
            // Another server than the first session's: said under the resume line.
            assertThat(resumed.out()).contains("Resuming 'm' from checkpoint: 0/8 done, 8 to go\nasking " + sim.url()
                    + " now; its last session asked http://").contains("/v1\ntaking answers as"
                    + " before: --extract '\\b([A-D])\\b'\nscoring as before: metric regex --extract '\\b([A-D])\\b',"
                    + " label field answer\n");
            assertThat(resumed.out()).contains("accuracy 75.0% (n=8); 95% CI 40.9% to 92.9%, 0 unparsed (metric"
                    + " regex, label field answer; stored in the scoreboard view)");
        }
        assertThat(query(db, "SELECT run, metric, label_field, scored, correct FROM scoreboard")).containsExactly(
                Map.of("run", "m", "metric", "regex", "label_field", "answer", "scored", 8, "correct", 6));
        // Each answer has its score: q3 and q7 said (B).
        assertThat(query(db, "SELECT record_id, correct FROM current_scores WHERE correct = 0 ORDER BY record_id"))
                .containsExactly(Map.of("record_id", "q3", "correct", 0), Map.of("record_id", "q7", "correct", 0));
        assertThat(count(db, "SELECT count(*) FROM current_scores")).isEqualTo(8);
    }

    @Test
    void aDatabaseMadeBeforeRunsKeptTheirScoringResumesAsItsScoresSay() throws Exception {
        Path db = dir.resolve("runs.db");
        try (Simulator failing = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).serverError(0.5)
                .build()).start(0)) {
            Cli.Result first = run(failing, questions("q.jsonl", 20), db, "--log-every", "0", "--retries", "0",
                    "--label-field", "answer", "--metric", "choice");
            assertThat(first.exitCode()).as(first.all()).isEqualTo(3);
        }
        long doneBefore = count(db, "SELECT done FROM progress");
        // Back to schema version 15, as the stride before this one left the file: no column keeps the scoring.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            OlderSchemas.backTo15(st);
        }
        assertThat(count(db, "SELECT count(*) FROM pragma_table_info('runs') WHERE name LIKE 'scoring%'")).isZero();
        shortResumeScoresAsChoiceOnAnswer(db, doneBefore);
        // Upgraded; the run keeps no way, as no session was told one since: the next resume infers it again.
        assertThat(count(db, "SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")).isEqualTo(26);
        // V18 counted the tokens of the outcomes stored before it, and its triggers the ones after.
        assertThat(count(db, "SELECT tokens_in + tokens_out FROM runs")).isPositive()
                .isEqualTo(count(db, "SELECT sum(prompt_tokens) + sum(completion_tokens) FROM predictions"));
        assertThat(count(db, "SELECT count(*) FROM runs WHERE scoring_metric IS NULL")).isEqualTo(1);
    }

    @Test
    void aResumeKeepsTheRegexOfItsRunAndScoresAnotherWayOnlyWhenToldAndSaid() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Path db = dir.resolve("runs.db");
            Cli.Result first = run(sim, questions("q.jsonl", 8), db, "--log-every", "0", "--label-field", "answer",
                    "--metric", "regex", "--extract", "\\b([A-D])\\b");
            assertThat(first.exitCode()).as(first.all()).isZero();

            // A longer input, neither scoring option nor --extract given: scored by the stored expression.
            Cli.Result same = run(sim, questions("q.jsonl", 12), db, "--log-every", "0");
            assertThat(same.exitCode()).as(same.all()).isZero();
            assertThat(same.out()).contains("scoring as before: metric regex --extract '\\b([A-D])\\b', label"
                    + " field answer\n").contains("accuracy 75.0% (n=12); 95% CI");
            assertThat(count(db, "SELECT scored FROM scoreboard WHERE metric = 'regex'")).isEqualTo(12);

            // Told another metric: scored that way (the answers of before too), and said; the regex row is left.
            Cli.Result other = run(sim, questions("q.jsonl", 16), db, "--log-every", "0", "--label-field", "answer",
                    "--metric", "choice");
            assertThat(other.exitCode()).as(other.all()).isZero();
            assertThat(other.out()).contains("scoring with metric choice, label field answer as given; the run was"
                    + " scored before with metric regex --extract '\\b([A-D])\\b', label field answer: that"
                    + " scoreboard row is no longer kept up to date (stride score updates it)\n")
                    .contains("accuracy 75.0% (n=16); 95% CI");
            assertThat(count(db, "SELECT scored FROM scoreboard WHERE metric = 'choice'")).isEqualTo(16);
            assertThat(count(db, "SELECT scored FROM scoreboard WHERE metric = 'regex'")).isEqualTo(12);

            // Scored two ways now, and told neither: the run goes on the way it was last told, which it keeps.
            Cli.Result after = run(sim, questions("q.jsonl", 20), db, "--log-every", "0");
            assertThat(after.exitCode()).as(after.all()).isZero();
            assertThat(after.out()).contains("scoring as before: metric choice, label field answer\n")
                    .contains("accuracy 75.0% (n=20); 95% CI");
            assertThat(query(db, "SELECT metric, scored FROM scoreboard ORDER BY metric")).containsExactly(
                    Map.of("metric", "choice", "scored", 20), Map.of("metric", "regex", "scored", 12));
        }
    }

    @Test
    void aResumeToldAnotherWayNamesTheRunsOwnWayAloneNotThoseStrideScorePutBesideIt() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Path db = dir.resolve("runs.db");
            Cli.Result first = run(sim, questions("q.jsonl", 8), db, "--log-every", "0", "--label-field", "answer",
                    "--metric", "regex", "--extract", "\\b([A-D])\\b");
            assertThat(first.exitCode()).as(first.all()).isZero();
            for (String metric : List.of("contains", "normalized")) {
                Cli.Result beside = cli.run("score", "--db", db.toString(), "--run", "m", "--label-field", "answer",
                        "--metric", metric);
                assertThat(beside.exitCode()).as(beside.all()).isZero();
            }

            Cli.Result other = run(sim, questions("q.jsonl", 12), db, "--log-every", "0", "--label-field", "answer",
                    "--metric", "choice");
            assertThat(other.exitCode()).as(other.all()).isZero();
            assertThat(other.out()).contains("scoring with metric choice, label field answer as given; the run was"
                    + " scored before with metric regex --extract '\\b([A-D])\\b', label field answer: that"
                    + " scoreboard row is no longer kept up to date (stride score updates it)\n")
                    .doesNotContain("metric contains").doesNotContain("metric normalized");

            // Told a way stride score stored beside the run's (choice): the run changes its way, and says so.
            Cli.Result told = run(sim, questions("q.jsonl", 16), db, "--log-every", "0", "--label-field", "answer",
                    "--metric", "normalized");
            assertThat(told.exitCode()).as(told.all()).isZero();
            assertThat(told.out()).contains("scoring with metric normalized, label field answer as given; the run"
                    + " was scored before with metric choice, label field answer: that scoreboard row is no longer"
                    + " kept up to date (stride score updates it)\n");
            assertThat(count(db, "SELECT scored FROM scoreboard WHERE metric = 'choice'")).isEqualTo(12);
            assertThat(count(db, "SELECT scored FROM scoreboard WHERE metric = 'normalized'")).isEqualTo(16);
        }
    }

    @Test
    void aRunThatKeepsNoScoringAndWasScoredTwoWaysIsNotScoredByAResumeToldNone() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Path db = dir.resolve("runs.db");
            // Not scored live: the run keeps no way; stride score scores it two ways.
            Cli.Result first = run(sim, questions("q.jsonl", 8), db, "--log-every", "0");
            assertThat(first.exitCode()).as(first.all()).isZero();
            for (String metric : List.of("choice", "contains")) {
                Cli.Result scored = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric",
                        metric);
                assertThat(scored.exitCode()).as(scored.all()).isZero();
            }

            Cli.Result off = run(sim, questions("q.jsonl", 12), db, "--log-every", "0");
            assertThat(off.exitCode()).as(off.all()).isZero();
            assertThat(off.out()).contains("scoring is off: the stored scores of 'm' do not say one way to score it"
                    + " (metric choice, label field answer; metric contains, label field answer); give --label-field"
                    + " FIELD and --metric M to score its answers as they arrive\n")
                    .doesNotContain("accuracy");
            assertThat(query(db, "SELECT metric, scored FROM scoreboard ORDER BY metric")).containsExactly(
                    Map.of("metric", "choice", "scored", 8), Map.of("metric", "contains", "scored", 8));
        }
    }

    /**
     * Each progress line "k/TOTAL done ..., accuracy X% (n=k)" gives the accuracy of the first k answers (one
     * request at a time, so in input order: every fourth is wrong), and the lines come in order (a count may repeat);
     * at least one.
     */
    private static void assertEveryLineHasTheAccuracyOfItsAnswers(String out, int total) {
        Matcher m = Pattern.compile("(\\d+)/" + total + " done .*, accuracy ([0-9.]+)% \\(n=(\\d+)\\)$",
                Pattern.MULTILINE).matcher(out);
        int lines = 0;
        int last = 0;
        while (m.find()) {
            int k = Integer.parseInt(m.group(1));
            // An answer is scored a moment before it is counted done: a line the ticker prints in between has the
            // next answer scored already (n = k + 1). Its accuracy is still that of the answers it counts.
            int n = Integer.parseInt(m.group(3));
            assertThat(n).as("scored on the line of %d done", k).isBetween(k, k + 1);
            assertThat(m.group(2)).as("accuracy on the line of %d done", k)
                    .isEqualTo(String.format(Locale.ROOT, "%.1f", 100.0 * (n - n / 4) / n));
            // In order; the same count twice when a line came due with no answer since (lines come every
            // --log-every, answers or not).
            assertThat(k).as("lines in order").isGreaterThanOrEqualTo(last);
            last = k;
            lines++;
        }
        assertThat(lines).as("progress lines with an accuracy in\n%s", out).isPositive();
    }

    private static boolean fiveAnswers(Path db) {
        try {
            return Files.exists(db) && count(db, "SELECT count(*) FROM progress WHERE done >= 5") == 1;
        } catch (java.sql.SQLException e) {
            return false; // the run has not made its tables yet
        }
    }

    private JsonNode score(Path db) throws Exception {
        Cli.Result r = cli.run("score", "--db", db.toString(), "--label-field", "answer", "--metric", "choice",
                "--json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return JSON.readTree(r.out());
    }

    /**
     * The README's short resume of the 20-question run, against a server that answers all: it says it scores as before
     * (metric choice, label field answer), and every answer is scored so, 15 of 20 right.
     */
    private void shortResumeScoresAsChoiceOnAnswer(Path db, long doneBefore) throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Cli.Result resumed = cli.run("run", "--db", db.toString(), "--base-url", sim.url(), "--retry-failed",
                    "--log-every", "0");
            assertThat(resumed.exitCode()).as(resumed.all()).isZero();
            assertThat(resumed.out()).contains("Resuming 'm' from checkpoint: " + doneBefore + "/20 done, "
                    + (20 - doneBefore) + " to go\nasking " + sim.url() + " now; its last session asked http://")
                    .contains("/v1\nscoring as before: metric choice, label field answer\n");
            assertThat(resumed.out()).contains("accuracy 75.0% (n=20); 95% CI 53.1% to 88.8%, 0 unparsed (metric"
                    + " choice, label field answer; stored in the scoreboard view)");
        }
        assertThat(query(db, "SELECT run, metric, label_field, scored, correct FROM scoreboard")).containsExactly(
                Map.of("run", "m", "metric", "choice", "label_field", "answer", "scored", 20, "correct", 15));
    }
}
