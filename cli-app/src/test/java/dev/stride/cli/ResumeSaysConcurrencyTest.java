package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resume given no --concurrency runs at the default 8, as documented; when the run's last session ran at another
 * limit and was killed (kill -9 leaves its worker's row and no stop line), the resume lines say so, with the input
 * (whose sync joins the run first) or without. The killed session is a stopped run plus the row a killed worker of
 * another machine leaves behind, its lease lapsed, on a real SQLite file, against the fake model server (a kill -9 of
 * a real process on this machine: {@link KilledSessionsLimitIT}).
 */
class ResumeSaysConcurrencyTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aResumeWithDbAloneSaysTheKilledSessionsFixedLimit() throws Exception {
        Path db = killedRunAt(16, false);

        Cli.Result resumed = stride.cli.run("run", "--db", db.toString(), "--log-every", "0");

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).contains("(--base-url URL asks another)\nat --concurrency 8, the default; its last"
                + " session ran at 16: give --concurrency 16 to go on as it did\n");
    }

    @Test
    void theSameCommandWithItsInputSaysTheKilledSessionsFixedLimit() throws Exception {
        Path db = killedRunAt(16, false);

        // Its sync joins the run before the resume lines are said, dropping the killed worker's row.
        Cli.Result resumed = stride.run(questions(dir, "q.jsonl", 30), db).template("{{question}}").noProgress()
                .with();

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).containsPattern("Resuming 'm' from checkpoint: \\d+/30 done, \\d+ to go\nat"
                + " --concurrency 8, the default; its last session ran at 16: give --concurrency 16 to go on as it"
                + " did\n");
    }

    @Test
    void aResumeWithDbAloneSaysTheKilledSessionsAuto() throws Exception {
        Path db = killedRunAt(5, true);

        Cli.Result resumed = stride.cli.run("run", "--db", db.toString(), "--log-every", "0");

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).contains("\nat --concurrency 8, the default; its last session ran at"
                + " --concurrency auto: give --concurrency auto to go on as it did\n");
    }

    @Test
    void notSaidWhenGivenOrTheSame() throws Exception {
        Path given = killedRunAt(16, false);
        Cli.Result withIt = stride.cli.run("run", "--db", given.toString(), "--log-every", "0", "--concurrency", "4");
        assertThat(withIt.exitCode()).as(withIt.all()).isZero();
        assertThat(withIt.out()).contains("Resuming 'm'").doesNotContain("last session");

        Path same = killedRunAt(8, false);
        Cli.Result atTheDefault = stride.cli.run("run", "--db", same.toString(), "--log-every", "0");
        assertThat(atTheDefault.exitCode()).as(atTheDefault.all()).isZero();
        assertThat(atTheDefault.out()).contains("Resuming 'm'").doesNotContain("last session");
    }

    /** A run of 30 records stopped after 8 answers, with the row of a killed worker that kept {@code inFlight}. */
    private Path killedRunAt(int inFlight, boolean auto) throws Exception {
        Path db = dir.resolve("runs-" + inFlight + "-" + auto + ".db");
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == 8) {
                stride.cli.pressCtrlC();
            }
            return FakeModelServer.ok("C");
        });
        Cli.Result stopped = stride.run(questions(dir, "q.jsonl", 30), db).template("{{question}}").noProgress()
                .and("--concurrency", "2", "--save-interval", "2").with();
        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(130);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement insert = c.prepareStatement("INSERT INTO workers (run_id, worker_id, number, host, pid,"
                     + " started_at, heartbeat_at, lease_until, in_flight, in_flight_auto)"
                     + " SELECT run_id, 'killed', 1, 'gpu-box', 4242, '2026-01-01 10:00:00.000',"
                     + " '2026-01-01 10:05:00.000', '2026-01-01 10:05:30.000', ?, ? FROM runs")) {
            insert.setInt(1, inFlight);
            insert.setInt(2, auto ? 1 : 0);
            assertThat(insert.executeUpdate()).isEqualTo(1);
        }
        return db;
    }
}
