package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another program's SQLite database given as --db: every command refuses it in one line, exit 4, and leaves it as it
 * was to the byte (the README: stride never writes to a file that is not its own).
 */
class ForeignDatabaseTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void everyCommandRefusesItInOneLineAndChangesNoByteOfIt() throws Exception {
        Path foreign = Datasets.anotherProgramsDatabase(dir.resolve("notes.db"));
        Path before = Files.copy(foreign, dir.resolve("notes-before.db"));
        Path input = questions(dir, "q.jsonl", 2);
        String db = foreign.toString();

        List<String[]> commands = List.of(
                stride.run(input, foreign).template("{{question}}").toArray(),
                new String[] {"clear", "--db", db, "--all", "--yes"},
                new String[] {"clear", "--db", db, "--run", "m", "--yes"},
                new String[] {"score", "--db", db, "--label-field", "answer"},
                new String[] {"report", "--db", db, "-o", dir.resolve("report.html").toString()},
                new String[] {"status", "--db", db},
                new String[] {"export", "--db", db});
        for (String[] command : commands) {
            Cli.Result r = stride.cli.run(command);
            assertThat(r.exitCode()).as(command[0] + ": " + r.all()).isEqualTo(ExitCodes.DATABASE);
            assertThat(r.err()).as(command[0])
                    .isEqualTo("stride: " + foreign + " is a SQLite database but not a stride checkpoint file\n");
            assertThat(Files.mismatch(before, foreign)).as(command[0] + ": the first byte changed").isEqualTo(-1L);
            assertThat(Path.of(foreign + "-wal")).as(command[0]).doesNotExist();
        }
        assertThat(stride.model.requests.get()).isZero();
    }
}
