package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.app.CheckpointManager;
import dev.stride.app.OutputRules;
import dev.stride.app.RunOptions;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunListener;
import dev.stride.core.RunState;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --extract}, {@code --json-output} and {@code --json-retries} are kept with the run, as its template is: a run
 * stopped part-way and finished by the README's short {@code stride run --db FILE} (or the Java API) takes the rest of
 * its answers as it took the first, on a real SQLite file, against MockWebServer.
 */
class OutputRulesKeptTest {
    private static final String LETTER = "\\b([A-D])\\b";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    /** Every answer names a letter; Ctrl+C (as SIGTERM) at request {@code stopAt} of the first session. */
    private void answerALetterAndStopAt(int stopAt) {
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == stopAt) {
                stride.cli.pressCtrlC();
            }
            return FakeModelServer.ok("I would say C, all things considered.");
        });
    }

    /**
     * Questions with an even number answer JSON, the others a sentence; Ctrl+C at request {@code stopAt} (0: never).
     */
    private void answerJsonForEvenQuestionsAndStopAt(int stopAt) {
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == stopAt) {
                stride.cli.pressCtrlC();
            }
            int n = Integer.parseInt(prompt.substring(prompt.lastIndexOf(' ') + 1));
            return FakeModelServer.ok(n % 2 == 0 ? "{\"answer\": \"C\"}" : "The answer is C.");
        });
    }

    private Cli.Result first(Path input, Path db, String... more) {
        return stride.run(input, db).template("{{question}}").noProgress().and("--concurrency", "2",
                "--save-interval", "2").with(more);
    }

    /** The README's short resume, {@code stride run --db FILE}, pointed at the fake server. */
    private Cli.Result shortResume(Path db, String... more) {
        List<String> args = new ArrayList<>(List.of("run", "--db", db.toString(), "--base-url", stride.url(),
                "--log-every", "0"));
        args.addAll(List.of(more));
        return stride.cli.run(args.toArray(String[]::new));
    }

    @Test
    void aShortResumeExtractsAsTheRunWasStarted() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        answerALetterAndStopAt(10);

        Cli.Result stopped = first(input, db, "--extract", LETTER);

        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(130);
        long doneBefore = count(db, "SELECT done FROM progress");
        assertThat(doneBefore).isBetween(1L, 39L);
        // Kept with the run: the printed resume command need not repeat it.
        assertThat(stopped.out()).contains("or: stride run --db " + db + " --run m --concurrency 2 --save-interval 2"
                + "\n").doesNotContain("--extract '");

        answerALetterAndStopAt(0);
        Cli.Result resumed = shortResume(db);

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).contains("Resuming 'm' from checkpoint: " + doneBefore + "/40 done, "
                + (40 - doneBefore) + " to go\ntaking answers as before: --extract '" + LETTER + "'\n");
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(40);
        assertThat(count(db, "SELECT count(*) FROM results WHERE extracted IS NULL")).isZero();
        assertThat(count(db, "SELECT count(*) FROM results WHERE extracted = 'C'")).isEqualTo(40);
    }

    @Test
    void aShortResumeRequiresJsonAsTheRunWasStartedWithItsReasks() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        answerJsonForEvenQuestionsAndStopAt(12);

        Cli.Result stopped = first(input, db, "--json-output", "--json-retries", "1");

        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(130);
        assertThat(stopped.out()).doesNotContain("--json-output").doesNotContain("--json-retries");
        long outcomesBefore = count(db, "SELECT done + failed FROM progress");
        assertThat(outcomesBefore).isBetween(1L, 39L);

        answerJsonForEvenQuestionsAndStopAt(0);
        Cli.Result resumed = shortResume(db);

        assertThat(resumed.exitCode()).as(resumed.all()).isEqualTo(3); // the sentences failed, as in the first session
        assertThat(resumed.out()).contains("\ntaking answers as before: --json-output --json-retries 1\n");
        // No answer that is not JSON stored as done; each such record asked twice (--json-retries 1), then failed.
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done' AND output_json IS NULL")).isZero();
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(20);
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'failed'")).isEqualTo(20);
        assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'failed' AND (error_kind <> 'json_output'"
                + " OR error NOT LIKE 'the answer is not JSON (asked 2 times)%')")).isZero();
    }

    @Test
    void statusShowsTheRulesTheRunKeeps() throws Exception {
        Path input = questions(dir, "q.jsonl", 4);
        Path db = dir.resolve("runs.db");
        answerJsonForEvenQuestionsAndStopAt(0);
        assertThat(first(input, db, "--extract", LETTER, "--json-output", "--json-retries", "2").exitCode())
                .isEqualTo(3);

        Cli.Result text = stride.cli.run("status", "--db", db.toString(), "--run", "m");
        Cli.Result json = stride.cli.run("status", "--db", db.toString(), "--run", "m", "--json");

        assertThat(text.exitCode()).as(text.all()).isZero();
        assertThat(text.out()).contains("\nSettings:    {}\nOutput:      --extract '" + LETTER
                + "' --json-output --json-retries 2\n");
        JsonNode shown = JSON.readTree(json.out());
        assertThat(shown.get("output_rules")).isEqualTo(JSON.readTree(
                "{\"extract\": \"\\\\b([A-D])\\\\b\", \"json_output\": true, \"json_retries\": 2}"));

        // A run that takes its answers as they come says so.
        Path plain = dir.resolve("plain.db");
        assertThat(stride.run(input, plain).template("{{question}}").noProgress().with().exitCode()).isZero();
        assertThat(stride.cli.run("status", "--db", plain.toString(), "--run", "m").out())
                .contains("\nOutput:      as returned (no --extract or --json-output)\n");
    }

    /**
     * Another expression, or JSON required of a run that stored answers without it, would make one run's
     * {@code extracted} and {@code output_json} mean two things: refused as a changed template is, nothing written.
     */
    @Test
    void aResumeGivingOtherRulesIsRefused() throws Exception {
        Path input = questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        answerALetterAndStopAt(6);
        assertThat(first(input, db, "--extract", LETTER).exitCode()).isEqualTo(130);
        long doneBefore = count(db, "SELECT done FROM progress");
        answerALetterAndStopAt(0);

        Cli.Result other = shortResume(db, "--extract", "Answer: (.)");
        assertThat(other.exitCode()).as(other.all()).isEqualTo(2);
        assertThat(other.err()).contains("--extract '" + LETTER + "' -> 'Answer: (.)'");
        Cli.Result json = first(input, db, "--json-output");
        assertThat(json.exitCode()).as(json.all()).isEqualTo(2);
        assertThat(json.err()).contains("--json-output off -> on");
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(doneBefore);
        assertThat(query(db, "SELECT output_rules FROM runs")).containsExactly(
                Map.of("output_rules", "{\"extract\":\"\\\\b([A-D])\\\\b\"}"));

        // The same expression again is no change, and the run goes on.
        Cli.Result same = first(input, db, "--extract", LETTER);
        assertThat(same.exitCode()).as(same.all()).isZero();
        assertThat(same.out()).doesNotContain("taking answers as before");
        assertThat(count(db, "SELECT count(*) FROM results WHERE extracted = 'C'")).isEqualTo(20);
    }

    @Test
    void moreReasksForJsonOnAResumeAreTakenAndKeptForTheResumesAfterIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");
        answerJsonForEvenQuestionsAndStopAt(0);
        assertThat(first(input, db, "--json-output").exitCode()).isEqualTo(3);

        Cli.Result more = shortResume(db, "--retry-failed", "--json-retries", "2");

        assertThat(more.exitCode()).as(more.all()).isEqualTo(3);
        assertThat(query(db, "SELECT output_rules FROM runs")).containsExactly(
                Map.of("output_rules", "{\"json_output\":true,\"json_retries\":2}"));
        assertThat(count(db, "SELECT count(*) FROM predictions WHERE error LIKE 'the answer is not JSON (asked 3"
                + " times)%'")).isEqualTo(5);
    }

    /** A run made before runs kept their rules (output_rules NULL) takes what each session's options say, as before. */
    @Test
    void aRunMadeBeforeRunsKeptTheirRulesResumesAsItsOptionsSay() throws Exception {
        Path input = questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        answerALetterAndStopAt(6);
        assertThat(first(input, db, "--extract", LETTER).exitCode()).isEqualTo(130);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("UPDATE runs SET output_rules = NULL");
        }
        assertThat(stride.cli.run("status", "--db", db.toString(), "--run", "m").out())
                .contains("\nOutput:      not kept (run made before stride kept --extract and --json-output)\n");
        answerALetterAndStopAt(0);

        // Given another expression: taken, not refused (nothing tells what the earlier answers were taken by); kept.
        Cli.Result resumed = shortResume(db, "--extract", "(C)");

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).doesNotContain("taking answers as before");
        assertThat(query(db, "SELECT output_rules FROM runs")).containsExactly(
                Map.of("output_rules", "{\"extract\":\"(C)\"}"));
        assertThat(count(db, "SELECT count(*) FROM results WHERE extracted IS NULL")).isZero();
    }

    @Test
    void aRunStartedFromJavaKeepsItsRulesThroughAResumeFromJava() throws Exception {
        Path input = questions(dir, "q.jsonl", 30);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> FakeModelServer.ok("I would say C, all things considered."));
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            RunListener stopEarly = new RunListener() {
                private final AtomicInteger n = new AtomicInteger();

                @Override
                public void recordDone(InputRecord record, Prediction prediction) {
                    if (n.incrementAndGet() == 10) {
                        checkpoints.requestStop();
                    }
                }
            };
            RunOptions options = RunOptions.of("m", stride.url()).withTemplate("{{question}}").withSaveInterval(5)
                    .withConcurrency(2).withOutput(new OutputRules(Pattern.compile(LETTER), false, null));
            assertThat(checkpoints.run(input, options, stopEarly).state()).isEqualTo(RunState.INTERRUPTED);
        }
        assertThat(count(db, "SELECT done FROM progress")).isBetween(1L, 29L);

        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            assertThat(checkpoints.resume("m", RunOptions.of(null, null)).state()).isEqualTo(RunState.DONE);
        }

        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(30);
        assertThat(count(db, "SELECT count(*) FROM results WHERE extracted IS NULL")).isZero();
    }
}
