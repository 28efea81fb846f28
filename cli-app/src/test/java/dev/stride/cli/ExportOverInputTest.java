package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** An {@code -o} that names the input a run was made from is refused: writing it would replace the user's dataset. */
class ExportOverInputTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void exportAndCompareRefuseToWriteOverTheInputOfARun() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 6);
        byte[] dataset = Files.readAllBytes(input);
        assertThat(stride.run(input, db).model("a").template("{{question}}").with().exitCode()).isZero();
        assertThat(stride.run(input, db).model("b").template("Q: {{question}}").with().exitCode()).isZero();

        Cli.Result export = stride.cli.run("export", "--db", db.toString(), "--run", "a", "-o", input.toString());
        assertThat(export.exitCode()).isEqualTo(2);
        assertThat(export.err()).isEqualTo("stride: cannot write " + input + ": it is the input of run 'a' in " + db
                + ", and writing it would replace the records it was run on; choose another output path (or, to replace it all"
                + " the same, remove it first)\n");
        assertThat(Files.readAllBytes(input)).isEqualTo(dataset);

        // Run b's input under another template: found all the same, whichever run is exported.
        Cli.Result other = stride.cli.run("export", "--db", db.toString(), "--run", "b", "-o", input.toString());
        assertThat(other.exitCode()).isEqualTo(2);
        assertThat(other.err()).contains("it is the input of run 'a'");

        Cli.Result compare = stride.cli.run("compare", "--db", db.toString(), "a", "b", "--label-field", "question",
                "-o", input.toString());
        assertThat(compare.exitCode()).as(compare.all()).isEqualTo(2);
        assertThat(compare.err()).contains("cannot write " + input + ": it is the input of run 'a'");
        assertThat(Files.readAllBytes(input)).isEqualTo(dataset);
    }

    @Test
    void anyOtherExistingFileIsReplacedAsBefore() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 6);
        assertThat(stride.run(input, db).model("a").template("{{question}}").with().exitCode()).isZero();
        Path earlier = dir.resolve("answers.jsonl");
        Files.writeString(earlier, "{\"id\":\"old\"}\n", StandardCharsets.UTF_8);
        // The input once edited is no longer what the run read: the export may go over it.
        Path edited = dir.resolve("edited.jsonl");
        Files.writeString(edited, Files.readString(input) + "{\"id\":\"q-new\",\"question\":\"new\"}\n");

        Cli.Result r = stride.cli.run("export", "--db", db.toString(), "-o", earlier.toString());
        Cli.Result overEdited = stride.cli.run("export", "--db", db.toString(), "-o", edited.toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(Files.readAllLines(earlier)).hasSize(6);
        assertThat(overEdited.exitCode()).as(overEdited.all()).isZero();
        assertThat(Files.readAllLines(edited)).hasSize(6);
    }
}
