package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride sql} beside a run in another process, the way a user watches one: its reads see the answers come in,
 * its refusals (writes, a checkpoint, a journal-mode change, ATTACH, VACUUM INTO, a write lock) are refused at once
 * with exit 2 and create no file, and the run goes on and ends as if nobody had looked.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SqlBesideARunIT {
    private static final int TOTAL = 20;

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().stepping();
    private final Cli cli = new Cli();
    private StrideProcess run;

    @AfterEach
    void stop() {
        model.release();
        if (run != null) {
            run.close();
        }
    }

    @Test
    void readsSeeTheRunAndRefusalsChangeNothingOfIt() throws Exception {
        server.setDispatcher(model);
        Path data = Files.createDirectory(dir.resolve("data"));
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path db = data.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", TOTAL);
        run = StrideProcess.start(dir, "run", List.of("run", input.toString(), "--db", db.toString(), "--model",
                "m", "--base-url", server.url("/v1").toString(), "--template", "Q: {{question}}", "--log-every", "0"));

        // Five answers go through; the run then waits for the server, with its database open.
        for (int i = 0; i < 5; i++) {
            model.releaseOne();
        }
        run.await("five answers", Duration.ofSeconds(120), () -> model.answeredCount(0) == 5);
        run.await("five answers saved, as stride sql reads them", Duration.ofSeconds(120), () -> done(db) == 5);

        for (String write : List.of("DELETE FROM predictions", "UPDATE runs SET state = 'done'",
                "PRAGMA journal_mode = DELETE", "PRAGMA wal_checkpoint(TRUNCATE)", "BEGIN IMMEDIATE",
                "CREATE TEMP TABLE t (a)", "ATTACH DATABASE '" + elsewhere.resolve("x.db") + "' AS x",
                "VACUUM INTO '" + elsewhere.resolve("copy.db") + "'")) {
            Cli.Result r = cli.run("sql", "--db", db.toString(), write);

            assertThat(r.exitCode()).as(write + ": " + r.all()).isEqualTo(2);
            assertThat(r.err()).as(write).startsWith("stride: stride sql only reads: ");
        }
        assertThat(names(elsewhere)).isEmpty();
        assertThat(names(data)).containsExactlyInAnyOrder("runs.db", "runs.db-wal", "runs.db-shm");
        assertThat(run.process.isAlive()).as("the run goes on").isTrue();

        model.release();
        assertThat(run.waitForExit(Duration.ofSeconds(120))).as(run.transcript()).isZero();
        assertThat(done(db)).isEqualTo(TOTAL);
        Cli.Result mode = cli.run("sql", "--db", db.toString(), "--csv", "PRAGMA journal_mode");
        assertThat(mode.out()).contains("wal");
        assertThat(names(elsewhere)).isEmpty();
    }

    /** Answers saved, as {@code stride sql --csv "SELECT done FROM progress"} reports them (-1 before any). */
    private long done(Path db) {
        Cli.Result r = cli.run("sql", "--db", db.toString(), "--csv", "SELECT done FROM progress");
        List<String> lines = r.out().lines().toList();
        return r.exitCode() == 0 && lines.size() == 2 ? Long.parseLong(lines.get(1).strip()) : -1;
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }
}
