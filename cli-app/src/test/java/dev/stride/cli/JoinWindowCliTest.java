package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.app.RunPlan;
import dev.stride.app.RunRequest;
import dev.stride.app.SessionListener;
import dev.stride.app.StopSwitch;
import dev.stride.core.RunListener;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride run} with a changed input, started while another command on the same file has synced its input and
 * not yet started its session (its join window): refused as under a live worker, the other's records untouched. The
 * other command is this test's own, through the Java API, held between its plan and its execute.
 */
class JoinWindowCliTest {
    private static final String TEMPLATE = "Q: {{question}}";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aChangedInputInTheFirstWorkersJoinWindowIsRefusedAsBusy() throws Exception {
        Path five = questions(dir, "five.jsonl", 5);
        Path six = questions(dir, "six.jsonl", 6); // the same five, and one more
        Path db = dir.resolve("runs.db");
        try (CheckpointManager first = CheckpointManager.open(db)) {
            RunPlan planned = first.plan(RunRequest.of(five, RunOptions.of("m", stride.url()).withTemplate(TEMPLATE)),
                    new StopSwitch());

            Cli.Result second = run(six, db);

            assertThat(second.exitCode()).as(second.all()).isEqualTo(ExitCodes.BUSY);
            assertThat(second.err()).isEqualTo("stride: run 'm' in " + db + " has 1 live worker and the input"
                    + " differs from its stored records (1 added, 0 edited, 0 removed); nothing was changed. Wait for"
                    + " the workers to finish or stop them (Ctrl+C), then run again" + System.lineSeparator());
            assertThat(count(db, "SELECT count(*) FROM records")).isEqualTo(5);
            assertThat(stride.model.requests.get()).isZero();

            first.execute(planned, SessionListener.of(RunListener.NONE), new StopSwitch());
            assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(5);
            assertThat(count(db, "SELECT count(*) FROM workers")).isZero();
        }
        Cli.Result alone = run(six, db);
        assertThat(alone.exitCode()).as(alone.all()).isZero();
        assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(6);

        // A command with nothing left to do was a worker from its sync on, and leaves no row behind.
        Cli.Result nothingLeft = run(six, db);
        assertThat(nothingLeft.exitCode()).as(nothingLeft.all()).isZero();
        assertThat(count(db, "SELECT count(*) FROM workers")).isZero();
        assertThat(stride.model.requests.get()).isEqualTo(6);
    }

    private Cli.Result run(Path input, Path db) {
        return stride.run(input, db).template(TEMPLATE).noProgress().and("--quiet").with();
    }
}
