package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A path that starts with '~' reaches stride as it is when a script quotes it ('~/data.jsonl', "$X" holding it) or a
 * config file holds it: only an unquoted ~ at the start of a word is the shell's to expand. "no such file" alone left
 * the user looking at a file that is there; the line says why it was not found.
 */
class TildePathTest {
    private static final String HINT = "the shell expands a ~ only unquoted at the start of a word: write $HOME/... or"
            + " the whole path";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void anInputADatabaseAndADatabaseFolderNamedWithATildeSayTheShellDidNotExpandIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path tilde = Path.of("~", "stride-tilde-" + ProcessHandle.current().pid());
        assertThat(tilde).doesNotExist();

        Cli.Result noInput = stride.cli.run("run", tilde.resolve("q.jsonl").toString(), "--db",
                dir.resolve("a.db").toString(), "--model", "m", "--base-url", stride.url());
        assertThat(noInput.exitCode()).as(noInput.err()).isEqualTo(2);
        assertThat(noInput.err()).isEqualTo("stride: " + tilde.resolve("q.jsonl") + ": no such file; " + HINT + "\n");

        Cli.Result noFolder = stride.cli.run("run", input.toString(), "--db", tilde.resolve("a.db").toString(),
                "--model", "m", "--base-url", stride.url());
        assertThat(noFolder.exitCode()).as(noFolder.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(noFolder.err()).startsWith("stride: cannot open " + tilde.resolve("a.db") + ": folder ")
                .endsWith(" does not exist; " + HINT + "\n");

        Cli.Result noDatabase = stride.cli.run("status", "--db", tilde.resolve("a.db").toString());
        assertThat(noDatabase.exitCode()).as(noDatabase.err()).isEqualTo(2);
        assertThat(noDatabase.err()).isEqualTo("stride: " + tilde.resolve("a.db") + ": no such database; " + HINT
                + "\n");

        // The same mistakes without a '~' keep their own advice, and the same exit code: a mistyped path.
        Cli.Result plain = stride.cli.run("status", "--db", dir.resolve("none.db").toString());
        assertThat(plain.err()).contains("no such database; start a run with").doesNotContain("~");
        Path missing = dir.resolve("no-such-folder").resolve("a.db");
        Cli.Result plainFolder = stride.cli.run("run", input.toString(), "--db", missing.toString(), "--model", "m",
                "--base-url", stride.url());
        assertThat(plainFolder.exitCode()).as(plainFolder.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(plainFolder.err()).isEqualTo("stride: cannot open " + missing + ": folder " + missing.getParent()
                + " does not exist; create it or name a file elsewhere\n");
        assertThat(stride.model.requests.get()).as("nothing sent").isZero();
        assertThat(Files.exists(Path.of("~"))).as("nothing made where the ~ pointed").isFalse();
    }
}
