package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands stride tells the user to run paste whole into a POSIX shell: a database path with a space and a run
 * name with a quote come out as the same words, read back here by {@code sh} itself.
 */
class SuggestedCommandsTest {
    private static final String RUN = "it's a run";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    /** The words {@code sh} makes of {@code command} (from "stride" on, up to the end or a closing bracket). */
    private static List<String> wordsOf(String said, String command) throws IOException, InterruptedException {
        Matcher m = Pattern.compile("stride (" + command + " .*?)(\\)|$)", Pattern.MULTILINE).matcher(said);
        assertThat(m.find()).as("a suggested 'stride %s' in: %s", command, said).isTrue();
        return shellWords(m.group(1));
    }

    /** The words {@code sh} makes of {@code words}, each printed on its line by printf. */
    private static List<String> shellWords(String words) throws IOException, InterruptedException {
        Process sh = new ProcessBuilder("sh", "-c", "printf '%s\\n' " + words).redirectErrorStream(true).start();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sh.waitFor()).as(out).isZero();
        return out.lines().toList();
    }

    private Cli.Result runOn(Path input, Path db, String template) {
        return stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--run", RUN,
                "--base-url", stride.url(), "--template", template, "--quiet");
    }

    @Test
    void theRefusalsStartOverPastesAsTheSameCommand() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = Files.createDirectories(dir.resolve("sp dir")).resolve("my runs.db");
        assertThat(runOn(input, db, "Q: {{question}}").exitCode()).isZero();

        Cli.Result refused = runOn(input, db, "X: {{question}}");

        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(wordsOf(refused.err(), "clear")).containsExactly("clear", "--db", db.toString(), "--run", RUN);
    }

    @Test
    void aCopysHintsPasteAsTheSameCommands() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path folder = Files.createDirectories(dir.resolve("sp dir"));
        Path db = folder.resolve("my runs.db");
        Path copy = folder.resolve("the copy.db");
        assertThat(runOn(input, db, "Q: {{question}}").exitCode()).isZero();

        Cli.Result first = stride.cli.run("copy", "--from", db.toString(), "--to", copy.toString());
        Cli.Result again = stride.cli.run("copy", "--from", db.toString(), "--to", copy.toString());

        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(wordsOf(first.out(), "run")).containsExactly("run", "--db", copy.toString());
        assertThat(again.exitCode()).as(again.all()).isNotZero();
        assertThat(wordsOf(again.err(), "clear")).containsExactly("clear", "--db", copy.toString(), "--run", RUN);
    }

    @Test
    void theDemosStartOverAndDeleteLinesPasteAsTheSameCommands() throws Exception {
        Path db = Files.createDirectories(dir.resolve("sp dir")).resolve("the demo.db");
        Cli.Result last = null;
        for (int i = 0; i < 3; i++) {
            last = stride.cli.run("demo", "--db", db.toString(), "--sim-latency", "2ms", "--sim-jitter", "1ms",
                    "--sim-tokens-per-second", "0");
            assertThat(last.exitCode()).as(last.all()).isZero();
        }

        Matcher clear = Pattern.compile("stride (clear .*?) &&").matcher(last.out());
        assertThat(clear.find()).as(last.out()).isTrue();
        assertThat(shellWords(clear.group(1))).containsExactly("clear", "--db", db.toString(), "--all", "--yes");
        Matcher rm = Pattern.compile("rm (.*?) {3}").matcher(last.out());
        assertThat(rm.find()).as(last.out()).isTrue();
        assertThat(shellWords(rm.group(1))).containsExactly(db.toString(), db + "-wal", db + "-shm");
    }

    @Test
    void aDatabaseThatIsNotThereSaysHowToStartOneThatPastes() throws Exception {
        Path missing = dir.resolve("no such.db");

        Cli.Result r = stride.cli.run("status", "--db", missing.toString());

        assertThat(r.exitCode()).as(r.all()).isNotZero();
        assertThat(wordsOf(r.err(), "run")).containsExactly("run", "INPUT.jsonl", "--db", missing.toString(),
                "--model", "NAME", "--base-url", "URL");
    }

    @Test
    void aResumeOfAModelTheFileLacksNamesTheStatusCommandThatPastes() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = Files.createDirectories(dir.resolve("sp dir")).resolve("my runs.db");
        assertThat(runOn(input, db, "Q: {{question}}").exitCode()).isZero();

        Cli.Result r = stride.cli.run("run", "--db", db.toString(), "--model", "other");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(wordsOf(r.err(), "status")).containsExactly("status", "--db", db.toString());
    }
}
