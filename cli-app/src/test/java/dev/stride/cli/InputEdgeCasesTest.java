package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Input files as users have them, through {@code stride run}: each gets a sensible outcome and a clear line. */
class InputEdgeCasesTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Cli.Result run(Path input, String... more) {
        return stride.run(input, dir.resolve("runs.db")).noProgress().with(more);
    }

    private Path file(String name, byte[] bytes) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private Path file(String name, String text) throws Exception {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void bomCrlfBlankLinesAndNoFinalNewlineAreAllFine() throws Exception {
        Path input = file("windows.jsonl", "\uFEFF{\"id\":\"a\",\"prompt\":\"one\"}\r\n\r\n   \r\n"
                + "{\"id\":\"b\",\"prompt\":\"two\"}\r\n{\"id\":\"c\",\"prompt\":\"three\"}");
        Cli.Result r = run(input);
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(query(dir.resolve("runs.db"), "SELECT id, output FROM results")).containsExactly(
                Map.of("id", "a", "output", "echo: one"), Map.of("id", "b", "output", "echo: two"),
                Map.of("id", "c", "output", "echo: three"));
    }

    @Test
    void anEmptyFileIsRefusedWithoutARequest() throws Exception {
        Cli.Result r = run(file("empty.jsonl", ""));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + dir.resolve("empty.jsonl") + ": has no records; it holds no JSON"
                + " object, array element or CSV/TSV row after the header" + System.lineSeparator());
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void duplicateIdsAreRefusedWithBothLineNumbersAndNothingIsWritten() throws Exception {
        Path input = file("dup.jsonl", "{\"id\":\"a\",\"prompt\":\"1\"}\n{\"id\":\"b\",\"prompt\":\"2\"}\n"
                + "{\"id\":\"a\",\"prompt\":\"3\"}\n");
        Cli.Result r = run(input);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains(input + ": duplicate id 'a' on lines 1 and 3; give every record its own id");
        assertThat(stride.model.requests.get()).isZero();
        assertThat(dir.resolve("runs.db")).doesNotExist(); // not even an empty database
    }

    /**
     * Several ids repeated: the first is named with its lines, and the others counted, so that they are fixed in one
     * go; in a new run (the ids refused as they are stored) and in a rerun of a stored one (refused by the sync).
     */
    @Test
    void theRefusalOfARepeatedIdSaysHowManyOtherIdsRepeat() throws Exception {
        // a on lines 1 and 4; b twice more; c once more; d once.
        String repeats = "{\"id\":\"a\",\"prompt\":\"1\"}\n{\"id\":\"b\",\"prompt\":\"2\"}\n"
                + "{\"id\":\"c\",\"prompt\":\"3\"}\n{\"id\":\"a\",\"prompt\":\"4\"}\n{\"id\":\"b\",\"prompt\":\"5\"}\n"
                + "{\"id\":\"d\",\"prompt\":\"6\"}\n{\"id\":\"c\",\"prompt\":\"7\"}\n{\"id\":\"b\",\"prompt\":\"8\"}\n"
                + "{\"id\":\"a\",\"prompt\":\"9\"}\n";
        Path input = file("dup.jsonl", repeats);

        Cli.Result fresh = run(input);

        assertThat(fresh.exitCode()).as(fresh.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(fresh.err()).isEqualTo("stride: " + input + ": duplicate id 'a' on lines 1 and 4, and 2 more ids"
                + " repeat; give every record its own id\n");

        Path clean = file("clean.jsonl", "{\"id\":\"a\",\"prompt\":\"1\"}\n{\"id\":\"b\",\"prompt\":\"2\"}\n");
        assertThat(stride.run(clean, dir.resolve("runs.db")).noProgress().with("--run", "r").exitCode()).isZero();
        Files.writeString(clean, repeats + "{\"id\":\"d\",\"prompt\":\"10\"}\n");

        Cli.Result rerun = stride.run(clean, dir.resolve("runs.db")).noProgress().with("--run", "r");

        assertThat(rerun.exitCode()).as(rerun.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(rerun.err()).isEqualTo("stride: " + clean + ": duplicate id 'a' on lines 1 and 4, and 3 more ids"
                + " repeat; give every record its own id\n");
        assertThat(stride.model.requests.get()).isEqualTo(2);
    }

    @Test
    void invalidUtf8IsRefusedNamingTheLine() throws Exception {
        byte[] bytes = "{\"id\":\"a\",\"prompt\":\"ok\"}\n{\"id\":\"b\",\"prompt\":\"caf\u00e9\"}\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        Cli.Result r = run(file("latin1.jsonl", bytes));
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("latin1.jsonl line 2, column 24: is not valid UTF-8; save the file as UTF-8");
        assertThat(stride.model.requests.get()).isZero();
    }

    @Test
    void aTenMegabyteRecordIsSentStoredAndExported() throws Exception {
        String big = "b".repeat(10 * 1024 * 1024);
        Path input = file("big.jsonl", "{\"id\":\"small\",\"prompt\":\"s\"}\n{\"id\":\"big\",\"prompt\":\"" + big
                + "\"}\n");
        Cli.Result r = run(input, "--timeout", "60s");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(count(dir.resolve("runs.db"), "SELECT length(output) FROM results WHERE id = 'big'"))
                .isEqualTo(big.length() + "echo: ".length());
        Path out = dir.resolve("out.jsonl");
        assertThat(stride.cli.run("export", "--db", dir.resolve("runs.db").toString(), "-o", out.toString()).exitCode())
                .isZero();
        assertThat(Files.size(out)).isGreaterThan(big.length());
    }

    @Test
    void anIdColumnInAnotherCaseIsSaidOnceAtTheStartOfANewRunAndTheRunStillResumes() throws Exception {
        Path input = file("cap.csv", "ID,question\nA1,hi?\nA2,ho?\n");
        String notice = "note: " + input + " has no field 'id' but has 'ID', so its records are numbered by line;"
                + " to take their ids from 'ID', give --id-field ID to a new run (this one keeps its line numbers: stop it now"
                + " and stride clear it, or give another --run NAME)";

        Cli.Result dry = run(input, "--template", "{{question}}", "--dry-run");
        assertThat(dry.exitCode()).as(dry.all()).isZero();
        assertThat(dry.out().lines().findFirst()).hasValue(notice);

        Cli.Result first = run(input, "--template", "{{question}}");
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(first.out().lines().limit(2)).containsExactly(notice, "Starting new run 'm': 2 records");
        assertThat(query(dir.resolve("runs.db"), "SELECT id FROM results ORDER BY id"))
                .containsExactly(Map.of("id", "2"), Map.of("id", "3"));

        // A run made from such a file goes on as it was, without a word: its records keep their line numbers.
        Cli.Result again = run(input, "--template", "{{question}}");
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(again.all()).doesNotContain("note:");

        Cli.Result named = stride.run(input, dir.resolve("named.db")).noProgress()
                .with("--template", "{{question}}", "--id-field", "ID");
        assertThat(named.exitCode()).as(named.all()).isZero();
        assertThat(named.all()).doesNotContain("note:");
        assertThat(query(dir.resolve("named.db"), "SELECT id FROM results ORDER BY id"))
                .containsExactly(Map.of("id", "A1"), Map.of("id", "A2"));
    }

    /** An id in a field not named id (question_id) is said once, before anything is sent, with the option to take it. */
    @Test
    void aFieldNamedLikeAnIdIsSaidWhenRecordsAreNumberedByLine() throws Exception {
        Path input = file("qid.jsonl", "{\"question_id\":\"Q-17\",\"question\":\"hi?\"}\n"
                + "{\"question_id\":\"Q-18\",\"question\":\"ho?\"}\n");
        Cli.Result first = run(input, "--template", "{{question}}");
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(first.out().lines().limit(2)).containsExactly("note: " + input + " has no field 'id' but has"
                + " 'question_id', so its records are numbered by line; to take their ids from 'question_id', give"
                + " --id-field question_id to a new run (this one keeps its line numbers: stop it now and stride clear"
                + " it, or give another --run NAME)", "Starting new run 'm': 2 records");
        assertThat(first.err()).doesNotContain("note:");

        Cli.Result named = stride.run(input, dir.resolve("named.db")).noProgress()
                .with("--template", "{{question}}", "--id-field", "question_id");
        assertThat(named.exitCode()).as(named.all()).isZero();
        assertThat(named.all()).doesNotContain("note:");
        assertThat(query(dir.resolve("named.db"), "SELECT id FROM results ORDER BY id"))
                .containsExactly(Map.of("id", "Q-17"), Map.of("id", "Q-18"));
    }
}
