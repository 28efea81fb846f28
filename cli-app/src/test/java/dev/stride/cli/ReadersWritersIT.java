package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
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
 * Readers beside the writer: while {@code stride run} writes, other connections (read-only and read-write JDBC)
 * and the sqlite3 shell query {@code progress} and {@code results} in tight loops. No SQLITE_BUSY reaches either
 * side, the WAL stays bounded (checkpoints are not starved by the readers), and {@code stride snapshot} taken in the
 * middle is a single file that another folder ("another machine") finishes the run from.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class ReadersWritersIT {
    private static final String RUN = "qwen-medical-lora-251106-f16";
    private static final int TOTAL = 4000;
    /** A WAL that checkpoints keep up with never outgrows the auto-checkpoint point (1000 pages) by much. */
    private static final long WAL_BOUND = 16L * 1024 * 1024;

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(1, 3);
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
    void readersInTightLoopsNeverSeeBusyNorCauseItAndASnapshotResumesElsewhere() throws Exception {
        Path input = questions(dir, "q.jsonl", TOTAL);
        Path db = dir.resolve("runs.db");
        StrideProcess writer = StrideProcess.start(dir, "writer", List.of("run", input.toString(), "--db",
                db.toString(), "--model", RUN, "--base-url", server.url("/v1").toString(), "--template",
                "Q: {{question}}", "--log-every", "0", "--concurrency", "16"));
        children.add(writer);
        writer.await("the first answers", Duration.ofSeconds(120), () -> model.answeredCount(0) >= 20);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean stopShell = new AtomicBoolean();
        AtomicLong queries = new AtomicLong();
        AtomicLong shellQueries = new AtomicLong();
        AtomicLong largestWal = new AtomicLong();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> readers = new ArrayList<>();
        Future<?> shellReader = null;
        readers.add(pool.submit(() -> jdbcLoop(db, true, stop, queries, largestWal, problems)));
        readers.add(pool.submit(() -> jdbcLoop(db, false, stop, queries, largestWal, problems)));
        boolean shell = StrideProcess.hasSqlite3Shell();
        if (shell) {
            shellReader = pool.submit(() -> shellLoop(db, stopShell, shellQueries, problems));
        } else {
            System.out.println("ReadersWritersIT: no sqlite3 shell on PATH here, shell readers skipped"
                    + " (CI installs it: .ci/run)");
        }

        writer.await("half of the run", Duration.ofSeconds(300), () -> model.answeredCount(0) >= TOTAL / 2);
        // Answers held while the snapshot is taken, so that it is taken mid-run however slowly its JVM starts; and
        // taken once the writer has committed the answers given, so that the copy must hold those.
        model.holding(Duration.ofMinutes(10));
        writer.await("the answers given committed", Duration.ofSeconds(120),
                () -> doneIn(db) >= model.answeredCount(0));
        long committedBeforeSnapshot = doneIn(db);
        Path copy = dir.resolve("elsewhere").resolve("copy.db");
        Files.createDirectories(copy.getParent());
        StrideProcess snapshot = StrideProcess.start(dir, "snapshot", List.of("snapshot", "--db", db.toString(),
                copy.toString()));
        children.add(snapshot);
        assertThat(snapshot.waitForExit(Duration.ofSeconds(120))).as(snapshot.transcript()).isZero();
        int answeredAtSnapshot = model.answeredCount(0);
        model.release();
        assertThat(snapshot.out()).contains("Snapshot of " + db + " written to " + copy)
                .contains("Resume it anywhere with: stride run --db " + copy);

        int exit = writer.waitForExit(Duration.ofSeconds(300));
        // The shell stops first: with the writer gone, the JDBC readers' connections are the file's last, and the
        // last one to close takes the file's exclusive lock to fold the WAL in and remove it. A shell without a busy
        // timeout that opens in that moment is told "database is locked" by SQLite itself, whoever closes last
        // (measured: 492 of 2,440 shell runs beside a connection opened and closed alone in a loop, none beside one
        // opened and closed while another stays open). That is the readers' own teardown, not the run.
        stopShell.set(true);
        if (shellReader != null) {
            shellReader.get(120, TimeUnit.SECONDS);
        }
        stop.set(true);
        for (Future<?> f : readers) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdownNow();

        assertThat(exit).as(writer.transcript()).isZero();
        assertThat(writer.err()).doesNotContainIgnoringCase("busy").doesNotContainIgnoringCase("locked");
        assertThat(problems).as("what the readers met").isEmpty();
        assertThat(queries.get()).isGreaterThan(50);
        // Readers in tight loops would keep the WAL from ever starting over; saveCursor restarts it past 8 MB, so
        // it stays bounded whatever the run's size (the restart point, 8 MB, plus one cursor save of growth).
        System.out.printf(Locale.ROOT, "ReadersWritersIT: largest WAL %d bytes (bound %d)%n", largestWal.get(),
                WAL_BOUND);
        assertThat(largestWal.get()).as("largest WAL").isLessThan(WAL_BOUND);
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(TOTAL);

        // The snapshot: one file, sound, taken mid-run; finished in another folder without the input file.
        assertThat(Files.list(copy.getParent())).containsExactly(copy);
        assertThat(query(copy, "PRAGMA integrity_check")).containsExactly(Map.of("integrity_check", "ok"));
        long doneInCopy = count(copy, "SELECT done FROM progress");
        assertThat(doneInCopy).as("the snapshot holds what was committed when it started, mid-run")
                .isBetween(committedBeforeSnapshot, (long) answeredAtSnapshot).isLessThan(TOTAL);
        model.session(1);
        StrideProcess elsewhere = StrideProcess.start(copy.getParent(), "resume-copy", List.of("run", "--db",
                copy.toString(), "--base-url", server.url("/v1").toString(), "--log-every", "0"));
        children.add(elsewhere);
        assertThat(elsewhere.waitForExit(Duration.ofSeconds(300))).as(elsewhere.transcript()).isZero();
        assertThat(elsewhere.out()).contains("Resuming '" + RUN + "' from checkpoint: " + Numbers.grouped(doneInCopy) + "/"
                + Numbers.grouped(TOTAL));
        assertThat(model.promptsOf(1)).doesNotHaveDuplicates().hasSize((int) (TOTAL - doneInCopy));
        assertThat(count(copy, "SELECT count(*) FROM results WHERE status = 'done' AND output = 'echo: Q: question '"
                + " || substr(id, 2)")).isEqualTo(TOTAL);

        System.out.printf(Locale.ROOT, "ReadersWritersIT: %d JDBC queries and %d sqlite3-shell runs beside a run of"
                        + " %d records, 0 SQLITE_BUSY on either side, largest WAL %d bytes; snapshot mid-run held %d"
                        + " done and finished elsewhere%n", queries.get(), shellQueries.get(), TOTAL,
                largestWal.get(), doneInCopy);
    }

    /** The answers committed so far, as another connection sees them. */
    private static long doneIn(Path db) {
        try {
            return count(db, "SELECT count(*) FROM results WHERE run = '" + RUN + "' AND status = 'done'");
        } catch (SQLException e) {
            throw new AssertionError("cannot read " + db, e);
        }
    }

    private static void jdbcLoop(Path db, boolean readOnly, AtomicBoolean stop, AtomicLong queries,
                                 AtomicLong largestWal, ConcurrentLinkedQueue<String> problems) {
        Properties props = new Properties();
        if (readOnly) {
            props.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
        }
        Path wal = db.resolveSibling(db.getFileName() + "-wal");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db, props);
             Statement s = c.createStatement()) {
            while (!stop.get()) {
                try (ResultSet rs = s.executeQuery("SELECT run, done, pending, state FROM progress")) {
                    while (rs.next()) {
                        rs.getLong(2);
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT status, count(*) FROM results WHERE run = '" + RUN
                        + "' GROUP BY status")) {
                    while (rs.next()) {
                        rs.getLong(2);
                    }
                }
                queries.addAndGet(2);
                try {
                    largestWal.accumulateAndGet(Files.size(wal), Math::max);
                } catch (java.io.IOException e) {
                    // Not there at this moment.
                }
            }
        } catch (SQLException e) {
            problems.add((readOnly ? "read-only" : "read-write") + " JDBC reader: " + e.getMessage());
        }
    }

    private static void shellLoop(Path db, AtomicBoolean stop, AtomicLong runs,
                                  ConcurrentLinkedQueue<String> problems) {
        while (!stop.get()) {
            try {
                Process p = new ProcessBuilder("sqlite3", "-readonly", db.toString(),
                        "SELECT run, done, percent, state FROM progress;"
                                + " SELECT status, count(*) FROM results GROUP BY status;")
                        .redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    problems.add("sqlite3 shell hung");
                } else if (p.exitValue() != 0 || said.contains("Error") || said.contains("locked")) {
                    problems.add("sqlite3 shell: exit " + p.exitValue() + ": " + said.strip());
                }
                runs.incrementAndGet();
            } catch (Exception e) {
                problems.add("sqlite3 shell: " + e);
                return;
            }
        }
    }
}
