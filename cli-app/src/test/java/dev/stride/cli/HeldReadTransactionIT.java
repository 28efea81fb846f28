package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user who types {@code BEGIN; SELECT ...;} into the sqlite3 shell beside a run and walks away. The shell's read
 * transaction pins its snapshot, so SQLite cannot empty the WAL past it; the run must go on at its pace all the same
 * and lose nothing. It once all but stalled: past 8 MB of WAL every cursor save (every 10 answers) waited out the
 * whole 10 s busy timeout for that reader before giving up, so a run of 3,000 records would have taken about half an
 * hour; the guard below is a tenth of that.
 *
 * <p>The records are long (about 3 KB, echoed back by the server) so that the WAL passes 8 MB within the run.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class HeldReadTransactionIT {
    private static final int TOTAL = 3000;
    private static final Duration GUARD = Duration.ofSeconds(180);
    private static final String DONE = "SELECT count(*) FROM results WHERE status = 'done';\n";

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer();
    private StrideProcess run;
    private Process shell;

    @AfterEach
    void stop() {
        model.release();
        if (run != null) {
            run.close();
        }
        if (shell != null) {
            shell.destroyForcibly();
        }
    }

    @Test
    void aShellLeftInsideAReadTransactionNeitherStallsTheRunNorLosesAnAnswer() throws Exception {
        RequiredTool.require("a sqlite3 shell holding a read transaction beside a run", "sqlite3", "-version");
        server.setDispatcher(model);
        Path input = longQuestions(dir.resolve("q.jsonl"));
        Path db = dir.resolve("runs.db");
        run = StrideProcess.start(dir, "run", List.of("run", input.toString(), "--db", db.toString(), "--model",
                "m", "--base-url", server.url("/v1").toString(), "--template", "Q: {{question}}", "--log-every", "0",
                "--concurrency", "16"));
        run.await("the first answers committed", GUARD, () -> doneIn(db) >= 20);

        shell = new ProcessBuilder("sqlite3", "-readonly", db.toString()).redirectErrorStream(true).start();
        Writer typed = new OutputStreamWriter(shell.getOutputStream(), StandardCharsets.UTF_8);
        BufferedReader said = new BufferedReader(new InputStreamReader(shell.getInputStream(),
                StandardCharsets.UTF_8));
        typed.write("BEGIN;\n" + DONE);
        typed.flush();
        long pinned = Long.parseLong(said.readLine().strip());
        assertThat(pinned).isLessThan(TOTAL);

        // The whole run goes on while the shell keeps its transaction open.
        assertThat(run.waitForExit(GUARD)).as(run.transcript()).isZero();
        assertThat(shell.isAlive()).as("the shell, still inside its transaction").isTrue();
        long wal = StrideProcess.walSize(db);
        assertThat(wal).as("the WAL the pinned snapshot kept from being emptied").isGreaterThan(8L << 20);
        // Nothing else says that the WAL grows without bound (515 MB seen): one line past 32 MB, again only as it
        // doubles, naming the file, its size, the cause and what to do.
        List<String> told = run.out().lines().filter(l -> l.contains(db + "-wal has grown to")).toList();
        assertThat(wal).as("the WAL passed the size that is told").isGreaterThan(40L << 20);
        assertThat(told).as("past 32 MB, and again past 64 MB if it got there\n" + run.transcript())
                .hasSizeBetween(1, wal >= 64L << 20 ? 2 : 1).allSatisfy(l -> assertThat(l)
                .contains("no checkpoint can fold it into " + db + ": another connection keeps a read transaction"
                        + " open on an old snapshot")
                .endsWith("end it (COMMIT, or quit that shell)"));

        typed.write(DONE + "COMMIT;\n" + DONE + ".quit\n");
        typed.flush();
        assertThat(Long.parseLong(said.readLine().strip())).as("the shell's snapshot").isEqualTo(pinned);
        assertThat(Long.parseLong(said.readLine().strip())).as("after its COMMIT").isEqualTo(TOTAL);
        assertThat(shell.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(TOTAL);
        assertThat(model.promptsOf(0)).as("each record asked once").doesNotHaveDuplicates().hasSize(TOTAL);
        System.out.printf(Locale.ROOT, "HeldReadTransactionIT: a run of %d records went on beside a read transaction"
                + " held from answer %d to its end; WAL left %d bytes%n", TOTAL, pinned, wal);
    }

    private static long doneIn(Path db) {
        try {
            return Files.exists(db) ? count(db, "SELECT count(*) FROM results WHERE status = 'done'") : 0;
        } catch (SQLException e) {
            return 0; // Not created yet.
        }
    }

    /** Records of about 3 KB each, so that their answers (the prompt echoed) fill the WAL quickly. */
    private static Path longQuestions(Path file) throws IOException {
        String padding = "the heart and the lungs ".repeat(125);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < TOTAL; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"question\":\"question ").append(i).append(' ')
                    .append(padding).append("\"}\n");
        }
        Files.writeString(file, s, StandardCharsets.UTF_8);
        return file;
    }
}
