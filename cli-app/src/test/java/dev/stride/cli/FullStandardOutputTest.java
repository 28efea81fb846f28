package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride export --db runs.db > answers.jsonl} (and sql, status) on a disk that fills: standard output went
 * through {@code System.out}, whose PrintStream swallows a failed write, so the command wrote a cut-off file and
 * exited 0. Now it exits 1 with one line that names standard output and the reason. The database is a real finished
 * run; the full disk is a real small tmpfs (root only; skipped otherwise), the rest a stream that fails as the
 * operating system's write does.
 */
class FullStandardOutputTest {
    private static final int RECORDS = 500;

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path db;
    private Path mounted;

    @BeforeEach
    void aFinishedRun() throws Exception {
        db = dir.resolve("runs.db");
        Cli.Result r = stride.run(questions(dir, "q.jsonl", RECORDS), db).template("Q: {{question}}").noProgress()
                .with();
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            Commands.exitCode("umount", "-l", mounted.toString());
        }
    }

    @Test
    void exportToAFullDiskExitsOneSayingSo() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        assumeTrue(Commands.exitCode("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", small.toString()) == 0,
                "cannot mount a tmpfs here (needs root): the full disk skipped");
        mounted = small;
        Path answers = small.resolve("answers.jsonl");

        Cli.Result r;
        try (FileOutputStream file = new FileOutputStream(answers.toFile())) {
            r = stride.cli.runWithOut(new StandardOutput(file), "export", "--db", db.toString());
        }

        assertThat(Files.readAllLines(answers, StandardCharsets.UTF_8)).as("what fitted on the disk").hasSizeLessThan(
                RECORDS);
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        assertThat(r.err()).isEqualTo("stride: cannot write standard output (No space left on device): what it holds"
                + " is cut short; make room where it goes (or send it elsewhere) and run the same command again\n");
    }

    @Test
    void sqlAndStatusToAStreamThatFailsExitOne() {
        for (String[] command : new String[][] {
            {"sql", "--db", db.toString(), "SELECT id, output FROM results"},
            {"status", "--db", db.toString(), "--json"},
            {"export", "--db", db.toString(), "--format", "csv"}}) {
            Cli.Result r = stride.cli.runWithOut(new StandardOutput(failingAfter(100, "No space left on device")),
                    command);
            assertThat(r.exitCode()).as(String.join(" ", command) + ": " + r.all()).isEqualTo(ExitCodes.ERROR);
            assertThat(r.err()).startsWith("stride: cannot write standard output (No space left on device): ")
                    .hasLineCount(1);
        }
    }

    @Test
    void aReaderThatStopsReadingIsNoError() {
        // stride export | head -n 2: the reader took what it wanted.
        Cli.Result r = stride.cli.runWithOut(new StandardOutput(failingAfter(100, "Broken pipe")), "export", "--db",
                db.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.err()).isEmpty();
    }

    @Test
    void everyRowWrittenIsExitZero() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Cli.Result r = stride.cli.runWithOut(new StandardOutput(bytes), "export", "--db", db.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).hasSize(RECORDS);
    }

    /** A stream that takes {@code room} bytes, then fails every write as the operating system says {@code why}. */
    private static OutputStream failingAfter(int room, String why) {
        return new OutputStream() {
            private int taken;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (taken + len > room) {
                    throw new IOException(why);
                }
                taken += len;
            }
        };
    }
}
