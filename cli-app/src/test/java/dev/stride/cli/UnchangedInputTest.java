package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputDigest;
import dev.stride.core.InputFormat;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rerunning the same command on the same file skips reading its records (the run remembers the file's digest), and
 * the skip is never taken on a file whose records are not the stored ones.
 */
class UnchangedInputTest {
    private static final String TEMPLATE = "Q: {{question}}";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aRunRemembersItsInputAndTheSameCommandResumesWithoutReadingIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        stride.model.pressingCtrlCAt(15, stride.cli);
        Cli.Result first = run(input, db, "--concurrency", "1");
        assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(remembered(db)).isEqualTo(InputDigest.of(input, InputFormat.JSONL, "id", TEMPLATE));

        Cli.Result second = run(input, db);
        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.out()).contains("Input unchanged since the last session (40 records)")
                .contains("Resuming 'm' from checkpoint: ");
        assertThat(query(db, "SELECT done, total FROM progress").get(0)).containsEntry("done", 40)
                .containsEntry("total", 40);
        assertThat(stride.model.requests.get()).isLessThanOrEqualTo(40 + 1);
    }

    @Test
    void anEditedFileIsReadAndItsChangesFound() throws Exception {
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        String before = remembered(db);

        Files.writeString(input, Files.readString(input).replace("question 3\"", "question 3, edited\""));
        Cli.Result edited = run(input, db);
        assertThat(edited.exitCode()).as(edited.all()).isZero();
        assertThat(edited.out()).contains("1 edited (redone)", "(edited q3)");
        assertThat(remembered(db)).isNotEqualTo(before)
                .isEqualTo(InputDigest.of(input, InputFormat.JSONL, "id", TEMPLATE));
    }

    @Test
    void recordsFromAnotherInputAreNeverTakenForTheFilesOwn() throws Exception {
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();

        // The same run fed from standard input with other records: the file's digest is forgotten.
        StringBuilder other = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            other.append("{\"id\":\"q").append(i).append("\",\"question\":\"other ").append(i).append("\"}\n");
        }
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream(other.toString().getBytes(StandardCharsets.UTF_8)));
            // Every answered record changed: the sync needs leave to drop their answers.
            Cli.Result piped = run(Path.of("-"), db, "--drop-answers");
            assertThat(piped.exitCode()).as(piped.all()).isZero();
            assertThat(piped.out()).contains("10 edited");
        } finally {
            System.setIn(stdin);
        }
        assertThat(remembered(db)).isNull();

        // The file again, unchanged since its first run: its records are found to differ and are done again.
        Cli.Result back = run(input, db, "--drop-answers");
        assertThat(back.exitCode()).as(back.all()).isZero();
        assertThat(back.out()).contains("10 edited");
        assertThat(query(db, "SELECT output FROM results WHERE id = 'q4'").get(0).get("output").toString())
                .contains("question 4");
    }

    @Test
    @Timeout(60)
    void aPipeIsReadOnceByTheSyncNotHashedFirst() throws Exception {
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();

        // As `stride run <(cat q.jsonl more.jsonl) ...` or a named pipe: its bytes can be read only once.
        Path fifo = dir.resolve("pipe.jsonl");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        String more = Files.readString(input) + "{\"id\":\"q10\",\"question\":\"question 10\"}\n";
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(fifo, more, StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        Cli.Result piped = run(fifo, db);
        writer.join();
        assertThat(piped.exitCode()).as(piped.all()).isZero();
        assertThat(piped.out()).contains("1 added");
        assertThat(query(db, "SELECT done, total FROM progress").get(0)).containsEntry("done", 11)
                .containsEntry("total", 11);
    }

    @Test
    void aDryRunStillReadsTheWholeInputAndForgetsNothing() throws Exception {
        Path input = questions(dir, "q.jsonl", 5);
        Path db = dir.resolve("runs.db");
        assertThat(run(input, db).exitCode()).isZero();
        String digest = remembered(db);
        Cli.Result dry = run(input, db, "--dry-run");
        assertThat(dry.exitCode()).as(dry.all()).isZero();
        // Every record is answered: none would be sent, so none is named as the first.
        assertThat(dry.out()).contains("Would send 0 requests (0 records without an answer; 5 done are kept)")
                .doesNotContain("First to send");
        assertThat(remembered(db)).isEqualTo(digest);
    }

    private static String remembered(Path db) throws Exception {
        Object digest = query(db, "SELECT input_digest FROM runs").get(0).get("input_digest");
        return digest == null ? null : digest.toString();
    }

    private Cli.Result run(Path input, Path db, String... more) {
        return stride.run(input, db).template(TEMPLATE).noProgress().and("--quiet").with(more);
    }
}
