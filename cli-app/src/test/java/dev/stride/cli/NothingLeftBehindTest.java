package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that fails before it starts (a missing or unreadable input, a bad option value, a template the records cannot
 * fill, a broken line, an empty input) creates no database, and leaves an existing one as it was; a dry run writes
 * nothing either. The next try then starts as the first would have.
 */
class NothingLeftBehindTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Path input;

    @BeforeEach
    void files() throws Exception {
        input = questions(dir, "q.jsonl", 5);
    }

    /** Each command, with what it says, for a database at {@code db}. */
    private List<Attempt> failingAttempts(Path db) throws Exception {
        Path broken = dir.resolve("broken.jsonl");
        Files.writeString(broken, "{\"id\":\"a\",\"question\":\"fine\"}\n{\"id\":\"b\",\"question\":\n",
                StandardCharsets.UTF_8);
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "", StandardCharsets.UTF_8);
        Path folder = Files.createDirectories(dir.resolve("a-folder.jsonl"));
        List<Attempt> attempts = new ArrayList<>();
        attempts.add(new Attempt(stride.run(dir.resolve("nope.jsonl"), db).model("new").toArray(), 2, "no such file"));
        attempts.add(new Attempt(stride.run(folder, db).model("new").toArray(), 2, "cannot be read"));
        attempts.add(new Attempt(stride.run(input, db).model("new").toArray("--api", "bogus"), 2, "bogus"));
        attempts.add(new Attempt(stride.run(input, db).model("new").template("Q: {{questoin}}").toArray(), 2,
                "has no field 'questoin'"));
        attempts.add(new Attempt(stride.run(broken, db).model("new").template("Q: {{question}}").toArray(), 2,
                "line 2"));
        attempts.add(new Attempt(stride.run(empty, db).model("new").template("Q: {{question}}").toArray(), 2,
                "empty.jsonl"));
        attempts.add(new Attempt(stride.run(input, db).model("new").template("Q: {{question}}").toArray("--dry-run"),
                0, "Nothing was sent or written"));
        return attempts;
    }

    private record Attempt(String[] args, int exitCode, String says) {
    }

    @Test
    void aFirstRunThatCannotStartCreatesNoDatabase() throws Exception {
        Path db = dir.resolve("runs.db");
        for (Attempt attempt : failingAttempts(db)) {
            Cli.Result r = stride.cli.run(attempt.args());

            assertThat(r.exitCode()).as(String.join(" ", attempt.args()) + "\n" + r.all())
                    .isEqualTo(attempt.exitCode());
            assertThat(r.all()).contains(attempt.says());
            assertThat(names(dir)).as(String.join(" ", attempt.args())).noneMatch(name -> name.startsWith("runs.db"));
        }
        assertThat(stride.model.prompts).isEmpty();

        // The same command, put right, then starts a new run as the first would have.
        Cli.Result ok = stride.run(input, db).model("new").template("Q: {{question}}").noProgress().with();
        assertThat(ok.exitCode()).as(ok.all()).isZero();
        assertThat(ok.out()).contains("Starting new run 'new': 5 records");
    }

    @Test
    void theInputIsCheckedBeforeTheDatabaseIsOpened() {
        // Were the database opened first, its missing folder would be the complaint, not the input.
        Path db = dir.resolve("no-such-folder").resolve("runs.db");
        Cli.Result r = stride.run(dir.resolve("nope.jsonl"), db).model("new").with();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("stride: " + dir.resolve("nope.jsonl") + ": no such file\n");
    }

    @Test
    void anExistingDatabaseIsLeftAsItWas() throws Exception {
        Path db = dir.resolve("runs.db");
        assertThat(stride.run(input, db).model("old").template("Q: {{question}}").noProgress().with().exitCode())
                .isZero();
        byte[] before = Files.readAllBytes(db);
        FileTime modified = Files.getLastModifiedTime(db);

        for (Attempt attempt : failingAttempts(db)) {
            Cli.Result r = stride.cli.run(attempt.args());

            assertThat(r.exitCode()).as(String.join(" ", attempt.args()) + "\n" + r.all())
                    .isEqualTo(attempt.exitCode());
            assertThat(Files.readAllBytes(db)).as(String.join(" ", attempt.args())).isEqualTo(before);
            assertThat(Files.getLastModifiedTime(db)).isEqualTo(modified);
            assertThat(db.resolveSibling("runs.db-wal")).doesNotExist();
        }
        assertThat(names(dir)).containsExactly("a-folder.jsonl", "broken.jsonl", "empty.jsonl", "q.jsonl", "runs.db");
        Cli.Result status = stride.cli.run("status", "--db", db.toString(), "--json");
        assertThat(status.out()).contains("\"old\"").doesNotContain("\"new\"");
    }

    private static List<String> names(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
