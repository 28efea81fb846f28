package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers that may not wait are never refused while a run writes. Each has busy_timeout 0, so a lock held by the
 * writer would reach it at once as SQLITE_BUSY ("database is locked") instead of being waited out, as sqlite-jdbc's
 * default timeout (3 s) would: a JDBC connection kept open, a JDBC connection opened for every look (a script run
 * from cron), and the sqlite3 shell with {@code .timeout 0}. In WAL mode no reader ever needs the writer's lock; with
 * a rollback journal every commit would shut them out for a moment.
 *
 * <p>They stop once they see every answer committed: what follows is the writer closing the file, not writing
 * it. The sqlite3 shell is required: missing, it skips the test on a developer machine and fails it in CI.
 *
 * <p>The server lets the answers go in batches of {@value #BATCH}, each once every reader has looked twice since the
 * last batch was committed: so every reader sees the run at every batch, whether the machine is fast or loaded, and
 * the test can ask that of each of them instead of hoping the run lasts long enough for the slowest.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NoWaitReadersIT {
    private static final int TOTAL = 1500;
    private static final int BATCH = 50;
    private static final Duration GUARD = Duration.ofSeconds(120);
    private static final String PROGRESS = "SELECT run, done, pending, state FROM progress";
    private static final String RESULTS = "SELECT status, count(*) FROM results GROUP BY status";

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().stepping();
    private StrideProcess run;

    @BeforeEach
    void serve() {
        server.setDispatcher(model);
    }

    @AfterEach
    void stop() {
        model.release();
        if (run != null) {
            run.close();
        }
    }

    @Test
    void readersWithNoBusyTimeoutAreNeverToldTheDatabaseIsLocked() throws Exception {
        RequiredTool.require("a sqlite3 shell reader beside a run", "sqlite3", "-version");
        Path input = questions(dir, "q.jsonl", TOTAL);
        Path db = dir.resolve("runs.db");
        run = StrideProcess.start(dir, "run", List.of("run", input.toString(), "--db", db.toString(), "--model",
                "m", "--base-url", server.url("/v1").toString(), "--template", "Q: {{question}}", "--log-every", "0",
                "--concurrency", "8"));
        // The first request comes once the database is there; it and those after it wait for the batches below.
        run.await("the first request", GUARD, () -> model.requestsOf(0) >= 1);
        letThrough(BATCH);

        AtomicBoolean allDone = new AtomicBoolean();
        ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
        Looks kept = new Looks();
        Looks reopened = new Looks();
        Looks shell = new Looks();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> readers;
        try (Connection keptOpen = noWait(db, true)) {
            assertThat(busyTimeout(keptOpen)).as("the kept reader's busy timeout").isZero();
            readers = List.of(
                    pool.submit(() -> loop("a kept JDBC connection", allDone, refusals, kept,
                            () -> look(keptOpen))),
                    pool.submit(() -> loop("a JDBC connection per look", allDone, refusals, reopened, () -> {
                        try (Connection c = noWait(db, false)) {
                            return look(c);
                        }
                    })),
                    pool.submit(() -> loop("the sqlite3 shell", allDone, refusals, shell, () -> shell(db))));
            List<Looks> all = List.of(kept, reopened, shell);
            try (Connection feeder = noWait(db, true)) {
                for (int given = BATCH; given < TOTAL && refusals.isEmpty(); given += BATCH) {
                    int committed = given;
                    run.await(committed + " answers committed", GUARD, () -> doneIn(feeder) >= committed);
                    List<Long> before = all.stream().map(l -> l.looks.get()).toList();
                    // Twice: a look that began before the commit may end after it.
                    run.await("every reader's look at " + committed + " answers", GUARD, () -> !refusals.isEmpty()
                            || all.stream().allMatch(l -> l.looks.get() >= before.get(all.indexOf(l)) + 2));
                    letThrough(Math.min(BATCH, TOTAL - given));
                }
            }
            model.release();
            for (Future<?> f : readers) {
                f.get(GUARD.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            allDone.set(true);
            pool.shutdownNow();
        }
        assertThat(run.waitForExit(GUARD)).as(run.transcript()).isZero();

        assertThat(refusals).as("readers refused").isEmpty();
        // They looked while the run wrote: each saw the run after every batch but the last.
        int batches = TOTAL / BATCH - 1;
        assertThat(kept.counts).as("answer counts the kept connection saw").hasSizeGreaterThanOrEqualTo(batches);
        assertThat(reopened.counts).as("answer counts the connection per look saw")
                .hasSizeGreaterThanOrEqualTo(batches);
        assertThat(shell.counts).as("answer counts the sqlite3 shell saw").hasSizeGreaterThanOrEqualTo(batches);
        System.out.printf(Locale.ROOT, "NoWaitReadersIT: beside a run of %d records, readers with busy_timeout 0 looked"
                        + " %d times (kept JDBC), %d times (JDBC per look) and %d times (sqlite3 shell): never"
                        + " told SQLITE_BUSY%n", TOTAL, kept.looks.get(), reopened.looks.get(), shell.looks.get());
    }

    /** Lets {@code n} more answers go. */
    private void letThrough(int n) {
        for (int i = 0; i < n; i++) {
            model.releaseOne();
        }
    }

    /** The answers committed, as the test's own reader (read-only, busy_timeout 0) sees them. */
    private static long doneIn(Connection c) {
        try {
            return look(c);
        } catch (SQLException e) {
            throw new AssertionError("the test's own reader was refused: " + e.getMessage(), e);
        }
    }

    /** One look at progress and results: the answers done, or a refusal as the reader was told it. */
    private interface Look {
        long done() throws Exception;
    }

    /** What one reader saw: how many looks, and which counts of answers done. */
    private static final class Looks {
        final AtomicLong looks = new AtomicLong();
        final Set<Long> counts = ConcurrentHashMap.newKeySet();
    }

    /**
     * Looks until some reader has seen every answer committed, or the run has ended without that, or this reader
     * is refused: once is enough to fail the test, and a reader spinning on refusals would only slow the run.
     */
    private void loop(String who, AtomicBoolean allDone, ConcurrentLinkedQueue<String> refusals, Looks seen,
                      Look look) {
        while (!allDone.get() && run.process.isAlive()) {
            long done;
            try {
                done = look.done();
            } catch (Exception e) {
                refusals.add(who + " after " + seen.looks.get() + " looks: " + e.getMessage());
                return;
            }
            seen.looks.incrementAndGet();
            seen.counts.add(done);
            if (done == TOTAL) {
                allDone.set(true);
            }
        }
    }

    /** A connection that never waits for a lock: busy_timeout 0. */
    private static Connection noWait(Path db, boolean readOnly) throws SQLException {
        Properties p = new Properties();
        p.setProperty("busy_timeout", "0");
        if (readOnly) {
            p.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
        }
        return DriverManager.getConnection("jdbc:sqlite:" + db, p);
    }

    private static long busyTimeout(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA busy_timeout")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long look(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            long done;
            try (ResultSet rs = s.executeQuery(PROGRESS)) {
                rs.next();
                done = rs.getLong(2);
            }
            try (ResultSet rs = s.executeQuery(RESULTS)) {
                while (rs.next()) {
                    rs.getLong(2);
                }
            }
            return done;
        }
    }

    private static long shell(Path db) throws Exception {
        Process p = new ProcessBuilder("sqlite3", "-readonly", "-batch", "-bail", "-cmd", ".timeout 0",
                db.toString(), PROGRESS + "; " + RESULTS + ";").redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the sqlite3 shell did not answer within 30 s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("exit " + p.exitValue() + ": " + said.strip());
        }
        // The first line is progress: run|done|pending|state.
        return Long.parseLong(said.lines().findFirst().orElseThrow().split("\\|")[1]);
    }
}
