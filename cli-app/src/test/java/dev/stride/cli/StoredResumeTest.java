package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code stride run --db FILE} without the input goes on with the runs stored there. It must hold to what the same
 * command with the input holds to: a setting that changes the results is refused, not quietly dropped; a model or run
 * the file does not hold is an error, not "nothing to resume"; failed records left are exit 3.
 */
class StoredResumeTest {
    private static final String MODEL = "qwen-medical-lora-251106-f16";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    /** A run of 40 records stopped by Ctrl+C at the 10th request: some done, the rest pending. */
    private Path stoppedRun() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        stride.model.pressingCtrlCAt(10, stride.cli);
        Cli.Result stopped = stride.run(input, db).model(MODEL).template("Q: {{question}}").noProgress()
                .with("--concurrency", "2");
        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(ExitCodes.INTERRUPTED);
        return db;
    }

    private Cli.Result resume(Path db, String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "run";
        args[1] = "--db";
        args[2] = db.toString();
        args[3] = "--quiet";
        System.arraycopy(more, 0, args, 4, more.length);
        return stride.cli.run(args);
    }

    @Test
    void aSettingThatChangesTheResultsIsRefusedAndNamedAsWithTheInput() throws Exception {
        Path db = stoppedRun();
        long done = count(db, "SELECT done FROM progress");
        int sent = stride.model.requests.get();

        Cli.Result r = resume(db, "--base-url", stride.url(), "--template", "Translate: {{question}}",
                "--max-tokens", "3", "--system", "Be a pirate");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("stride: run '" + MODEL + "' was started with other settings (")
                .contains("template").contains("Translate: {{question}}").contains("max_tokens (unset) -> 3")
                .contains("system message (unset) -> \"Be a pirate\"").doesNotContain("\tat ");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(stride.model.requests.get()).as("no request sent").isEqualTo(sent);
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(done);

        Cli.Result otherModel = resume(db, "--run", MODEL, "--model", "llama-3-8b");
        assertThat(otherModel.exitCode()).as(otherModel.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(otherModel.err()).contains("was started with other settings").contains("llama-3-8b");

        Cli.Result dry = resume(db, "--dry-run", "--temperature", "0.9");
        assertThat(dry.exitCode()).as(dry.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(dry.err()).contains("was started with other settings").contains("temperature");
        assertThat(stride.model.requests.get()).isEqualTo(sent);

        // The settings it was started with, given again or left out, change nothing: it goes on with them.
        Cli.Result same = resume(db, "--base-url", stride.url(), "--template", "Q: {{question}}");
        assertThat(same.exitCode()).as(same.all()).isZero();
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'"
                + " AND output = 'echo: Q: question ' || substr(id, 2)")).isEqualTo(40);
    }

    /** A run of {@code input} under {@code name}, stopped by Ctrl+C at the 10th request of its session. */
    private void stoppedRun(Path input, Path db, String name, String... settings) {
        stoppedRunOf(MODEL, input, db, name, settings);
    }

    /** As {@link #stoppedRun(Path, Path, String, String...)}, of {@code model}. */
    private void stoppedRunOf(String model, Path input, Path db, String name, String... settings) {
        stride.model.pressingCtrlCAt(stride.model.requests.get() + 10, stride.cli);
        String[] more = new String[4 + settings.length];
        System.arraycopy(new String[] {"--run", name, "--concurrency", "2"}, 0, more, 0, 4);
        System.arraycopy(settings, 0, more, 4, settings.length);
        Cli.Result stopped = stride.run(input, db).model(model).template("Q: {{question}}").noProgress().with(more);
        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(ExitCodes.INTERRUPTED);
    }

    /**
     * Runs of one model that differ by a setting, resumed by the model and that setting: the one run it matches is
     * the one meant, not refused for another's; with none or several matching, refused, naming them.
     */
    @Test
    void theOneRunOfTheModelWhoseSettingsMatchIsResumed() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        stoppedRun(input, db, "eval");
        stoppedRun(input, db, "eval-t07", "--temperature", "0.7");
        stoppedRun(input, db, "eval-t07s", "--temperature", "0.7", "--seed", "1");
        int sent = stride.model.requests.get();

        Cli.Result none = resume(db, "--model", MODEL, "--temperature", "0.5");
        Cli.Result several = resume(db, "--model", MODEL, "--temperature", "0.7");

        assertThat(none.exitCode()).as(none.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).startsWith("stride: " + db + ": no run of model '" + MODEL + "' was started with these"
                + " settings: 'eval' (parameters temperature (unset) -> 0.5), 'eval-t07' (parameters temperature 0.7"
                + " -> 0.5), 'eval-t07s' (parameters temperature 0.7 -> 0.5); name the one").endsWith("; name the one to go on with by"
                + " --run NAME and leave out what differs, or give the input and a new --run NAME to start another\n");
        assertThat(several.exitCode()).as(several.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(several.err()).isEqualTo("stride: " + db + ": runs 'eval-t07', 'eval-t07s' of model '" + MODEL
                + "' were all started with these settings; name the one to go on with by --run NAME\n");
        assertThat(stride.model.requests.get()).as("no request sent").isEqualTo(sent);

        // A dry run says the same of the runs it would leave as they are, and changes nothing.
        Cli.Result dry = stride.cli.run("run", "--db", db.toString(), "--model", MODEL, "--temperature", "0.7",
                "--seed", "1", "--dry-run");
        assertThat(dry.exitCode()).as(dry.all()).isZero();
        assertThat(dry.out()).contains("'eval-t07s'").contains("not resumed, as these options would change their"
                + " settings: 'eval' (parameters seed (unset) -> 1, temperature (unset) -> 0.7), 'eval-t07' (parameters"
                + " seed (unset) -> 1)");
        assertThat(stride.model.requests.get()).as("no request sent").isEqualTo(sent);

        Cli.Result chosen = stride.cli.run("run", "--db", db.toString(), "--model", MODEL, "--temperature", "0.7",
                "--seed", "1", "--log-every", "0");

        assertThat(chosen.exitCode()).as(chosen.all()).isZero();
        assertThat(chosen.out()).contains("Resuming 'eval-t07s' from checkpoint");
        assertThat(chosen.out().lines().filter(line -> line.startsWith("not resumed"))).as(chosen.out())
                .containsExactly("not resumed, as these options would change their settings: 'eval' (parameters"
                        + " seed (unset) -> 1, temperature (unset) -> 0.7), 'eval-t07' (parameters seed (unset) -> 1);"
                        + " to go on with one, name it by --run NAME and leave out what differs");
        assertThat(count(db, "SELECT pending FROM progress WHERE run = 'eval-t07s'")).isZero();
        assertThat(count(db, "SELECT sum(pending) FROM progress WHERE run <> 'eval-t07s'")).as("the others wait")
                .isPositive();
    }

    /**
     * A done run of the model whose settings match is no pick over a stopped one whose settings differ: the stopped
     * one is refused, as it was before a match was picked, not "every run is done" with its records to go.
     */
    @Test
    void aDoneRunIsNoPickOverAStoppedRunOfTheModel() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        stoppedRun(input, db, "eval");
        Cli.Result finished = stride.run(input, db).model(MODEL).template("Q: {{question}}").noProgress()
                .with("--run", "eval-t07", "--temperature", "0.7");
        assertThat(finished.exitCode()).as(finished.all()).isZero();
        long evalDone = count(db, "SELECT done FROM progress WHERE run = 'eval'");
        int sent = stride.model.requests.get();

        Cli.Result r = resume(db, "--model", MODEL, "--temperature", "0.7", "--base-url", stride.url());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.out()).doesNotContain("every run is done");
        assertThat(r.err()).startsWith("stride: run 'eval' was started with other settings (parameters temperature"
                + " (unset) -> 0.7)");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(stride.model.requests.get()).as("no request sent").isEqualTo(sent);
        assertThat(count(db, "SELECT done FROM progress WHERE run = 'eval'")).isEqualTo(evalDone).isLessThan(40);
        assertThat(count(db, "SELECT done FROM progress WHERE run = 'eval-t07'")).isEqualTo(40);
    }

    /**
     * Without a model, every unfinished run is meant, of whichever model: one whose settings differ is refused, as
     * before a match was picked, not left without a word while another of another model is resumed.
     */
    @Test
    void withoutAModelNoRunIsPickedOverAnotherOfAnotherModel() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        stoppedRunOf("m1", input, db, "a");
        stoppedRunOf("m2", input, db, "b", "--temperature", "0.7");
        long aDone = count(db, "SELECT done FROM progress WHERE run = 'a'");
        long bDone = count(db, "SELECT done FROM progress WHERE run = 'b'");
        int sent = stride.model.requests.get();

        Cli.Result r = resume(db, "--temperature", "0.7", "--base-url", stride.url());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("stride: run 'a' was started with other settings (parameters temperature"
                + " (unset) -> 0.7)");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(stride.model.requests.get()).as("no request sent").isEqualTo(sent);
        assertThat(count(db, "SELECT done FROM progress WHERE run = 'a'")).isEqualTo(aDone).isLessThan(40);
        assertThat(count(db, "SELECT done FROM progress WHERE run = 'b'")).isEqualTo(bDone).isLessThan(40);
    }

    @Test
    void aFinishedRunNamedIsComparedTooAndOneNotNamedHoldsBackNoOther() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        assertThat(stride.run(input, db).model(MODEL).template("Q: {{question}}").noProgress().with().exitCode())
                .isZero();

        Cli.Result named = resume(db, "--run", MODEL, "--template", "X: {{question}}");
        Cli.Result byModel = resume(db, "--model", MODEL, "--temperature", "0.9");
        Cli.Result none = resume(db, "--template", "X: {{question}}");

        assertThat(named.exitCode()).as(named.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(named.err()).contains("was started with other settings").contains("X: {{question}}");
        assertThat(byModel.exitCode()).as(byModel.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(byModel.err()).contains("temperature");
        // Nothing named: only the runs it would go on with are compared, and there is none.
        assertThat(none.exitCode()).as(none.all()).isZero();
        assertThat(none.out()).contains("every run is done");
    }

    @Test
    void aRefusalLeavesTheStoredBaseUrlAsItWas() throws Exception {
        Path db = stoppedRun();
        String before = query(db, "SELECT base_urls FROM runs").toString();

        Cli.Result r = resume(db, "--base-url", "http://127.0.0.1:9/v1", "--template", "X: {{question}}");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(query(db, "SELECT base_urls FROM runs").toString()).isEqualTo(before);
    }

    @Test
    void aModelTheFileDoesNotHoldIsAnErrorNotNothingToResume() throws Exception {
        Path db = stoppedRun();
        int sent = stride.model.requests.get();

        Cli.Result r = resume(db, "--model", "qwen-medical-lora-251106-f61", "--base-url", stride.url());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + db + ": has no run of model 'qwen-medical-lora-251106-f61'; see:"
                + " stride status --db " + db + "\n");
        assertThat(r.out()).doesNotContain("Nothing to resume");
        assertThat(stride.model.requests.get()).isEqualTo(sent);
    }

    /** As every other command says a run the file lacks: with the runs it holds, not a command to look them up. */
    @Test
    void aRunTheFileDoesNotHoldIsNamedWithTheRunsItHolds() throws Exception {
        Path db = stoppedRun();
        int sent = stride.model.requests.get();

        Cli.Result r = resume(db, "--run", "nope", "--base-url", stride.url());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + db + ": has no run 'nope'; it holds '" + MODEL + "'\n");
        assertThat(stride.model.requests.get()).isEqualTo(sent);
    }

    /**
     * Without the input, a file that is not there is a mistyped name: said as other commands say it, and not made;
     * with the input, the same name is a new database, made as ever.
     */
    @Test
    void aMissingFileWithoutTheInputIsNoSuchDatabaseAndIsNotMade() throws Exception {
        Path db = dir.resolve("nope.db");
        String noSuch = "stride: " + db + ": no such database; start a run with: stride run INPUT.jsonl --db " + db
                + " --model NAME --base-url URL\n";

        for (String[] more : new String[][] {{"--run", "x"}, {}}) {
            Cli.Result r = resume(db, more);

            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).isEqualTo(noSuch);
            assertThat(db).doesNotExist();
        }
        Cli.Result made = stride.run(questions(dir, "q.jsonl", 2), db).template("{{question}}").noProgress()
                .with("--run", "x");
        assertThat(made.exitCode()).as(made.all()).isZero();
        assertThat(query(db, "SELECT run, done FROM progress")).containsExactly(Map.of("run", "x",
                "done", 2));
    }

    @Test
    void failedRecordsLeftAreExitThreeWithoutTheInputAsWithIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 6);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> prompt.endsWith("question 2") || prompt.endsWith("question 4")
                ? new MockResponse.Builder().code(400).body("{\"error\":{\"message\":\"bad prompt\"}}").build()
                : null);
        Cli.Result first = stride.run(input, db).model(MODEL).template("Q: {{question}}").noProgress().with();
        assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.FAILED_RECORDS);

        Cli.Result withInput = stride.run(input, db).model(MODEL).template("Q: {{question}}").noProgress().with();
        Cli.Result stored = resume(db);
        Cli.Result named = resume(db, "--run", MODEL);

        assertThat(withInput.exitCode()).as(withInput.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(stored.exitCode()).as(stored.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(stored.out()).contains("2 failed records; add --retry-failed to redo them");
        assertThat(named.exitCode()).as(named.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
    }

    @Test
    void failedRecordsOfAnotherRunDoNotCountAgainstTheOneNamed() throws Exception {
        Path input = questions(dir, "q.jsonl", 4);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> prompt.endsWith("question 2")
                ? new MockResponse.Builder().code(400).body("{\"error\":{\"message\":\"bad prompt\"}}").build()
                : null);
        assertThat(stride.run(input, db).model("a").template("Q: {{question}}").noProgress().with().exitCode())
                .isEqualTo(ExitCodes.FAILED_RECORDS);
        stride.model.answering(prompt -> null);
        assertThat(stride.run(input, db).model("b").template("Q: {{question}}").noProgress().with().exitCode())
                .isZero();

        Cli.Result b = resume(db, "--run", "b");

        assertThat(b.exitCode()).as(b.all()).isZero();
        assertThat(b.out()).contains("every run is done").doesNotContain("failed records");
    }

    @Test
    void anInputOptionWithoutTheInputIsRefused() throws Exception {
        Path db = stoppedRun();

        Cli.Result r = resume(db, "--id-field", "question", "--base-url", stride.url());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: --id-field is about reading the input, and no input is given: give"
                + " the input file too, or leave --id-field out\n");
    }
}
