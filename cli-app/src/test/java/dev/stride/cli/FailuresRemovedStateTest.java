package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run done with failures whose failed records are then removed from its input has every record it still holds
 * answered: the rerun that finds nothing left stores it done, not done_with_failures with none failed for good.
 */
class FailuresRemovedStateTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aRerunWithoutTheFailedRecordsStoresTheRunDone() throws Exception {
        Path input = questions(dir, "q.jsonl", 4);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> prompt.equals("question 3")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"too long\"}}") : null);
        Cli.Result first = stride.run(input, db).template("{{question}}").noProgress().with("--retries", "0");
        assertThat(first.exitCode()).as(first.all()).isEqualTo(3);
        assertThat(query(db, "SELECT state, failed FROM runs"))
                .containsExactly(Map.of("state", "done_with_failures", "failed", 1));

        List<String> kept = Files.readAllLines(input, StandardCharsets.UTF_8).subList(0, 3);
        Files.write(input, kept, StandardCharsets.UTF_8);
        Cli.Result again = stride.run(input, db).template("{{question}}").noProgress().with();

        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(again.out()).contains("1 removed", "Nothing left to send for 'm': 3/3 done");
        assertThat(query(db, "SELECT state, failed FROM runs")).containsExactly(Map.of("state", "done", "failed", 0));
        assertThat(stride.cli.run("status", "--db", db.toString()).out())
                .contains("done").doesNotContain("done_with_failures");
    }
}
