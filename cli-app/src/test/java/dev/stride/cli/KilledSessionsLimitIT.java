package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run at --concurrency 16 killed with kill -9, with the real process on this machine, then the same command without
 * --concurrency: it goes on at the default 8 and says that its last session ran at 16. The resume's sync joins the run
 * before the resume lines are said, and its joining drops the killed worker's row (its process is gone from this
 * machine); what the row said was lost with it, and the resume said nothing. Moments are chosen by what the database
 * holds, never by time.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KilledSessionsLimitIT {
    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(5, 15);
    private final List<StrideProcess> children = new ArrayList<>();

    @BeforeEach
    void serve() {
        server.setDispatcher(model);
    }

    @AfterEach
    void killChildren() {
        children.forEach(StrideProcess::close);
        model.release();
    }

    @Test
    void theSameCommandAfterAKill9SaysTheLimitTheKilledSessionRanAt() throws Exception {
        Path input = questions(dir, "q.jsonl", 3000);
        Path db = dir.resolve("k.db");
        List<String> command = List.of("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                server.url("/v1").toString(), "--template", "Q: {{question}}", "--log-every", "0");
        List<String> at16 = new ArrayList<>(command);
        at16.addAll(List.of("--concurrency", "16"));
        StrideProcess run = StrideProcess.start(dir, "run", at16);
        children.add(run);
        run.await("answers stored and the worker's limit in its row", Duration.ofSeconds(120),
                () -> stored(db, "SELECT count(*) FROM workers WHERE in_flight = 16") == 1
                        && stored(db, "SELECT count(*) FROM predictions") >= 30);
        assertThat(run.killHard(Duration.ofSeconds(10))).as("exit status of SIGKILL").isEqualTo(137);

        Cli.Result resumed = new Cli().run(command.toArray(String[]::new));

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).containsPattern("Resuming 'm' from checkpoint: [0-9,]+/3,000 done, [0-9,]+ to go\n"
                + "at --concurrency 8, the default; its last session ran at 16: give --concurrency 16 to go on as it"
                + " did\n");
    }

    /** A count from the database; 0 while the run has not made it, or not its tables yet. */
    private static long stored(Path db, String sql) {
        try {
            return Files.exists(db) ? count(db, sql) : 0; // not made by this look: the run's own opening makes it
        } catch (SQLException e) {
            return 0;
        }
    }
}
