package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database to be made in a folder this user cannot write: there is no database yet to copy elsewhere, so the line
 * names the file asked for (never the {@code .partial-PID} file a copy or merge writes first) and says to choose
 * another place for it, with the option that names it. Exit 4, nothing made.
 */
class NewDatabaseInReadOnlyFolderTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Path readOnly;
    private boolean mounted;
    private Path runs;

    /** A run to copy and a shard to merge, in a writable folder; a read-only one beside them. */
    @BeforeEach
    void files() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        runs = dir.resolve("e.db");
        assertThat(stride.run(input, runs).template("{{question}}").noProgress().with("--shard", "0/1").exitCode())
                .isZero();
        readOnly = Files.createDirectories(dir.resolve("ro"));
        // A read-only mount as root (to whom a folder's mode denies nothing), a folder's mode otherwise.
        mounted = Commands.exitCode("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", readOnly.toString()) == 0;
        if (mounted) {
            assertThat(Commands.exitCode("mount", "-o", "remount,ro", readOnly.toString())).isZero();
        } else {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        assumeFalse(Files.isWritable(readOnly), "cannot make a read-only folder here: skipped");
    }

    @AfterEach
    void writableAgain() throws Exception {
        if (mounted) {
            Commands.exitCode("umount", "-l", readOnly.toString());
        } else {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void copyToAReadOnlyFolderNamesTheToAndSaysToChooseAnother() throws Exception {
        Path to = readOnly.resolve("z.db");

        Cli.Result r = stride.cli.run("copy", "--from", runs.toString(), "--to", to.toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(r.err()).isEqualTo("stride: cannot create " + to + ": folder " + readOnly.toAbsolutePath()
                + " is read-only; choose a --to in a writable folder\n");
        assertNothingMade();
    }

    @Test
    void mergeToAReadOnlyFolderNamesTheToAndSaysToChooseAnother() throws Exception {
        Path to = readOnly.resolve("m.db");

        Cli.Result r = stride.cli.run("merge", "--to", to.toString(), runs.toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(r.err()).isEqualTo("stride: cannot create " + to + ": folder " + readOnly.toAbsolutePath()
                + " is read-only; choose a --to in a writable folder\n");
        assertNothingMade();
    }

    @Test
    void aNewRunInAReadOnlyFolderSaysToChooseAnotherDb() throws Exception {
        Path db = readOnly.resolve("new.db");
        int before = stride.model.requests.get();

        Cli.Result r = stride.run(dir.resolve("q.jsonl"), db).template("{{question}}").noProgress().with();

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(r.err()).isEqualTo("stride: cannot create " + db + ": folder " + readOnly.toAbsolutePath()
                + " is read-only; choose a --db in a writable folder\n");
        assertThat(stride.model.requests.get()).isEqualTo(before);
        assertNothingMade();
    }

    private void assertNothingMade() throws Exception {
        try (var left = Files.list(readOnly)) {
            assertThat(left).isEmpty();
        }
    }
}
