package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .db alone copied to another machine, and the same command run there without the input: the error says that
 * the database can finish the run, and how; the database is left as it was.
 */
class InputGoneHintTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aMissingInputWithAnUnfinishedRunInTheDatabaseNamesTheRunAndTheCommand() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        // A 404 stops the run at once: every record pending.
        stride.server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return FakeModelServer.json(404, "{\"detail\":\"Not Found\"}");
            }
        });
        Cli.Result first = stride.run(input, db).template("{{question}}").noProgress().with();
        assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.USAGE);
        stride.server.setDispatcher(stride.model);
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path copy = Files.copy(db, elsewhere.resolve("runs.db"));
        long size = Files.size(copy);

        Cli.Result there = stride.run(elsewhere.resolve("q.jsonl"), copy).template("{{question}}").noProgress()
                .with();

        assertThat(there.exitCode()).as(there.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(there.err()).isEqualTo("stride: " + elsewhere.resolve("q.jsonl") + ": no such file; " + copy
                + " holds run 'm' (0/3 done), which it can finish alone: stride run --db " + copy
                + " (add --base-url if its server is elsewhere)\n");
        assertThat(Files.size(copy)).isEqualTo(size);
        assertThat(elsewhere.resolve("runs.db-wal")).as("read without a trace").doesNotExist();
        assertThat(elsewhere.resolve("runs.db-shm")).doesNotExist();

        // As it says: the database alone finishes the run.
        Cli.Result finished = stride.cli.run("run", "--db", copy.toString(), "--log-every", "0");
        assertThat(finished.exitCode()).as(finished.all()).isZero();
        assertThat(finished.out()).contains("3/3");
    }

    @Test
    void aMissingInputWithNothingToFinishIsTheInputsErrorAlone() throws Exception {
        Path db = dir.resolve("runs.db");
        Cli.Result r = stride.run(dir.resolve("q.jsonl"), db).template("{{question}}").noProgress().with();

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("stride: " + dir.resolve("q.jsonl") + ": no such file\n");
    }
}
