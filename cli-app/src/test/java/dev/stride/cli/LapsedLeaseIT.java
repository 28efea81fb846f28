package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker paused (SIGSTOP) for longer than its lease while another works on the run: the other takes its claims
 * and ends the run; the paused one, woken, sends none of the records it had claimed and not yet sent, and its summary
 * says its redundant answers were given by another worker, not that they are asked again.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class LapsedLeaseIT {
    private static final String RUN = "lapsed-run";
    private static final int CONCURRENCY = 4;

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(20, 40);
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

    private StrideProcess worker(int session, Path input, Path db) throws Exception {
        StrideProcess p = StrideProcess.start(dir, "worker-" + session, List.of("run", input.toString(), "--db",
                db.toString(), "--model", RUN, "--base-url", PacedModelServer.baseUrl(server, session), "--template",
                "Q: {{question}}", "--log-every", "0", "--concurrency", Integer.toString(CONCURRENCY),
                "--lease", "1s", "--save-interval", "1"));
        children.add(p);
        return p;
    }

    /**
     * SIGSTOP at a moment the worker holds no write transaction: one paused inside its commit would keep every other
     * process from writing (that is SQLite's lock, not the lease's business). Woken again and paused a little later
     * until the database takes a write.
     */
    private static void pauseOutsideAWrite(StrideProcess worker, Path db) throws Exception {
        for (int tries = 0; ; tries++) {
            worker.signal("STOP");
            // kill returns once the signal is sent, before every thread has stopped: a thread that takes the write
            // lock in between was paused holding it (the other worker then met "stayed locked for 10 s").
            awaitStopped(worker.pid());
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 500");
                s.execute("BEGIN IMMEDIATE");
                s.execute("ROLLBACK");
                return;
            } catch (SQLException locked) {
                assertThat(tries).as("paused outside a write within 50 tries: " + locked).isLessThan(50);
            }
            worker.signal("CONT");
            Thread.sleep(37);
        }
    }

    /** Until every thread of process {@code pid} is stopped (state T in /proc), as SIGSTOP leaves them in turn. */
    private static void awaitStopped(long pid) throws Exception {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        for (int looks = 0; looks < 1_000; looks++) {
            boolean all = true;
            try (var threads = Files.list(tasks)) {
                for (Path task : (Iterable<Path>) threads::iterator) {
                    String stat;
                    try {
                        stat = Files.readString(task.resolve("stat"));
                    } catch (IOException ended) {
                        continue; // a thread that ended meanwhile
                    }
                    // The state follows the command's closing parenthesis: "pid (comm) S ...".
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    all &= state == 'T' || state == 't';
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("process " + pid + " did not stop within 5 s of SIGSTOP");
    }

    @Test
    void aWorkerPausedPastItsLeaseSendsNoneOfTheRecordsItLostAndSaysAnotherWorkerAnsweredThem() throws Exception {
        int total = 400;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");

        StrideProcess paused = worker(0, input, db);
        paused.await("40 answers", Duration.ofSeconds(120), () -> model.answeredCount(0) >= 40);
        pauseOutsideAWrite(paused, db);
        StrideProcess other;
        try {
            // The paused worker's lease runs out: the other takes its claims and ends the run alone.
            other = worker(1, input, db);
            assertThat(other.waitForExit(Duration.ofSeconds(300))).as(other.transcript()).isZero();
        } finally {
            paused.signal("CONT");
        }
        assertThat(paused.waitForExit(Duration.ofSeconds(300))).as(paused.transcript()).isZero();

        assertThat(query(db, "SELECT state, done, pending FROM progress")).containsExactly(
                Map.of("state", "done", "done", total, "pending", 0));
        assertThat(count(db, "SELECT count(*) FROM claims")).as("no claim left").isZero();

        // Asked by both: only what the paused worker had in flight as it was paused, and the one answer --save-interval
        // 1 lets wait for its commit (a loaded machine paused it with one there: 5 asked twice at 4 in flight), not the
        // records it had claimed ahead (a round of twice its concurrency) and sent once woken.
        Set<String> askedByPaused = new HashSet<>(model.promptsOf(0));
        long askedTwice = model.promptsOf(1).stream().filter(askedByPaused::contains).count();
        assertThat(askedTwice).as(paused.transcript()).isBetween(1L, CONCURRENCY + 1L);
        assertThat(model.promptsOf(0)).doesNotHaveDuplicates();

        // Its requests in flight were answered by the other worker meanwhile: none is asked again.
        assertThat(paused.out()).as(paused.transcript())
                .contains(" redundant (answered by another worker meanwhile; not asked again)")
                .doesNotContain("asked again next time");
    }
}
