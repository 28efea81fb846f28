package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * export and score on a stride database that holds no run (all cleared): they say so and how to start one, as
 * {@code stride run --db} does, instead of asking for a --run NAME that could name nothing ("name the run to export
 * with --run NAME (it holds none)").
 */
class NoRunYetTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void exportAndScoreOnADatabaseWithNoRunSayHowToStartOne() throws Exception {
        Path db = dir.resolve("runs.db");
        assertThat(stride.run(questions(dir, "q.jsonl", 3), db).template("{{question}}").with().exitCode()).isZero();
        assertThat(stride.cli.run("clear", "--db", db.toString(), "--all", "--yes").exitCode()).isZero();

        String expected = "stride: " + db + ": holds no run yet, so there is none to name; start one with: stride run"
                + " INPUT.jsonl --db " + db + " --model NAME --base-url URL\n";
        Cli.Result export = stride.cli.run("export", "--db", db.toString());
        assertThat(export.exitCode()).as(export.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(export.err()).isEqualTo(expected);
        assertThat(export.out()).isEmpty();
        Cli.Result score = stride.cli.run("score", "--db", db.toString(), "--label-field", "answer");
        assertThat(score.exitCode()).as(score.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(score.err()).isEqualTo(expected);
    }
}
