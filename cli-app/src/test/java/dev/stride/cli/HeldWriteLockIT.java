package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another program holds the run's SQLite file in a write transaction (a sqlite3 shell after BEGIN IMMEDIATE) for
 * longer than SQLite's busy timeout (10 s). The run stopped there with exit 4, and the answers it had received were
 * asked (and paid for) again on resume. Now it waits for the file as long as it is held, says so, goes on when it is
 * let go, and asks nothing twice; Ctrl+C during the wait still stops it with 130 and says what could not be saved.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class HeldWriteLockIT {
    private static final int TOTAL = 600;
    private static final Duration GUARD = Duration.ofSeconds(180);
    /** Held past the busy timeout, which used to end the run. */
    private static final Duration HELD = Duration.ofSeconds(15);
    private static final Pattern FREE = Pattern.compile("is free again after ([\\d.]+)s held by another connection");

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(5, 20);
    private StrideProcess run;

    @AfterEach
    void stop() {
        model.release();
        if (run != null) {
            run.close();
        }
    }

    private StrideProcess start(String label, Path input, Path db) throws Exception {
        return StrideProcess.start(dir, label, List.of("run", input.toString(), "--db", db.toString(), "--model", "m",
                "--base-url", server.url("/v1").toString(), "--template", "Q: {{question}}", "--log-every", "1s",
                "--concurrency", "4"));
    }

    @Test
    void aWriteHeldPastTheBusyTimeoutIsWaitedForAndNoAnswerIsAskedAgain() throws Exception {
        server.setDispatcher(model);
        Path input = questions(dir, "q.jsonl", TOTAL);
        Path db = dir.resolve("runs.db");
        run = start("run", input, db);
        run.await("the first answers committed", GUARD, () -> doneIn(db) >= 50);

        try (Connection shell = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = shell.createStatement()) {
            s.execute("PRAGMA busy_timeout = 60000");
            s.execute("BEGIN IMMEDIATE");
            run.await("the wait said", GUARD, () -> run.out().contains("waiting for " + db));
            Thread.sleep(HELD.toMillis());
            assertThat(run.out()).as("said once while held, not at each --log-every").containsOnlyOnce(
                    "waiting for " + db + ": another connection holds a write (a sqlite3 shell after BEGIN?) for ");
            s.execute("COMMIT");
        }

        assertThat(run.waitForExit(GUARD)).as(run.transcript()).isZero();
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(TOTAL);
        assertThat(model.promptsOf(0)).as("each record asked once").doesNotHaveDuplicates().hasSize(TOTAL);
        Matcher free = FREE.matcher(run.out());
        assertThat(free.find()).as(run.transcript()).isTrue();
        assertThat(Double.parseDouble(free.group(1))).isGreaterThan(HELD.toSeconds());
        System.out.printf(Locale.ROOT, "HeldWriteLockIT: a run of %d records waited %ss for a write lock held by"
                + " another connection; requests %d, asked again %d%n", TOTAL, free.group(1), model.requests(),
                model.requests() - TOTAL);
    }

    @Test
    void ctrlCWhileWaitingStopsWith130AndSaysWhatCouldNotBeSaved() throws Exception {
        server.setDispatcher(model);
        Path input = questions(dir, "q.jsonl", TOTAL);
        Path db = dir.resolve("runs.db");
        run = start("run", input, db);
        run.await("the first answers committed", GUARD, () -> doneIn(db) >= 50);

        try (Connection shell = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = shell.createStatement()) {
            s.execute("PRAGMA busy_timeout = 60000");
            s.execute("BEGIN IMMEDIATE");
            run.await("the wait said", GUARD, () -> run.out().contains("waiting for " + db));
            run.signal("INT");
            assertThat(run.waitForExit(GUARD)).as(run.transcript()).isEqualTo(ExitCodes.INTERRUPTED);
            s.execute("COMMIT");
        }
        assertThat(run.err()).as(run.transcript())
                .contains("stride: run 'm' interrupted: stopped without waiting longer for " + db
                        + ", held by another connection for ")
                .contains("could not be saved");

        model.session(1);
        run = start("resume", input, db);
        assertThat(run.waitForExit(GUARD)).as(run.transcript()).isZero();
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(TOTAL);
    }

    private static long doneIn(Path db) {
        try {
            return Files.exists(db) ? count(db, "SELECT count(*) FROM results WHERE status = 'done'") : 0;
        } catch (SQLException e) {
            return 0; // Not created yet.
        }
    }
}
