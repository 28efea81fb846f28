package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the .db file alone holds, with the real process, as the README and docs/reliability.md say it: after a
 * SIGTERM the file alone is whole; after kill -9 a copy of the file alone lacks what was committed since the WAL was
 * last folded in, a {@code stride snapshot} holds every committed answer, and the next {@code stride run} folds the
 * WAL in before it starts, so that the file alone holds every answer again, even if that run is killed at once.
 *
 * <p>Every count of committed answers is read with the sqlite3 shell, read-only, on the original with its WAL (a
 * read-only connection never folds the WAL in). Moments are chosen by counting committed answers, never by time.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FileAloneAfterKillIT {
    private static final String RUN = "m";
    private static final String DONE = "SELECT count(*) FROM predictions WHERE status = 'done'";
    private static final String DONE_IDS = "SELECT record_id FROM predictions WHERE status = 'done'";

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(5, 15);
    private final List<StrideProcess> children = new ArrayList<>();
    private Path input;
    private Path db;

    @BeforeEach
    void serve() throws Exception {
        RequiredTool.require("answers committed to a database and its WAL", "sqlite3", "-version");
        server.setDispatcher(model);
        input = questions(dir, "q.jsonl", 3000);
        db = dir.resolve("runs.db");
    }

    @AfterEach
    void killChildren() {
        children.forEach(StrideProcess::close);
        model.release();
    }

    @Test
    void afterKill9OnlyASnapshotOrTheNextRunMakeTheFileAloneWhole() throws Exception {
        // A first session, stopped by SIGTERM: it folds its WAL in as it exits, so the file alone is whole.
        StrideProcess first = start("sigterm");
        awaitCommitted(first, 40);
        first.signal("TERM");
        assertThat(first.waitForExit(Duration.ofSeconds(60))).as(first.transcript()).isEqualTo(130);
        long afterSigterm = sqlite(db, DONE);
        assertThat(StrideProcess.walSize(db)).as("no WAL after SIGTERM").isLessThanOrEqualTo(0);
        assertThat(sqlite(copyAlone("cp-after-sigterm"), DONE)).as("cp of the .db alone after SIGTERM")
                .isEqualTo(afterSigterm);

        // A second session, SIGKILLed once it has committed answers of its own.
        StrideProcess second = start("kill-9");
        awaitCommitted(second, afterSigterm + 30);
        assertThat(second.killHard(Duration.ofSeconds(10))).as("exit status of SIGKILL").isEqualTo(137);
        long committed = sqlite(db, DONE);
        Set<String> committedIds = sqliteLines(db, DONE_IDS);
        long walBytes = StrideProcess.walSize(db);
        assertThat(committed).isGreaterThanOrEqualTo(afterSigterm + 30).isEqualTo(committedIds.size());
        assertThat(walBytes).as("the killed session's WAL").isPositive();

        // (a) cp of the .db alone: what the WAL held is missing from it. This session wrote far fewer than the 1000
        // pages after which SQLite folds the WAL in on its own, so the file alone is exactly what SIGTERM left.
        long alone = sqlite(copyAlone("cp-after-kill"), DONE);
        assertThat(alone).as("cp of the .db alone after kill -9").isEqualTo(afterSigterm).isLessThan(committed);
        assertThat(StrideProcess.walSize(db)).as("reading left the WAL as it was").isEqualTo(walBytes);

        // (b) a snapshot holds every committed answer.
        Path snapshot = dir.resolve("snapshot.db");
        StrideProcess snap = StrideProcess.start(dir, "snapshot", List.of("snapshot", "--db", db.toString(),
                snapshot.toString()));
        children.add(snap);
        assertThat(snap.waitForExit(Duration.ofSeconds(60))).as(snap.transcript()).isZero();
        assertThat(sqliteLines(snapshot, DONE_IDS)).as("the snapshot").isEqualTo(committedIds);
        assertThat(StrideProcess.walSize(db)).as("a snapshot leaves the WAL as it was").isEqualTo(walBytes);

        // (c) the next stride run folds the WAL in before it starts: killed again as soon as it says it resumes,
        // the file alone (copied with cp) still holds every answer the killed session committed.
        StrideProcess third = start("next-run");
        third.await("its resume line", Duration.ofSeconds(60), () -> third.out().contains("Resuming"));
        assertThat(third.killHard(Duration.ofSeconds(10))).isEqualTo(137);
        Set<String> inFileAlone = sqliteLines(copyAlone("cp-after-next-run"), DONE_IDS);
        assertThat(inFileAlone).as("cp of the .db alone after the next run started").containsAll(committedIds);
        assertThat(third.err()).as(third.transcript()).contains(db + ": " + (committed - alone) + " answers that a"
                + " stride stopped before it could fold them in (kill -9, a second Ctrl+C, a crash, a power loss, a full"
                + " disk)"
                + " left only in " + db + "-wal are now folded into " + db + ", which alone holds everything again.");

        System.out.printf(Locale.ROOT, "FileAloneAfterKillIT: after SIGTERM the .db alone held all %d answers (no"
                        + " WAL); after kill -9 %d answers were committed, a cp of the .db alone held %d (WAL %d"
                        + " bytes), the snapshot %d; the next run folded %d in before it started, and a cp of the .db"
                        + " alone then held all %d (%d with that run's own before its kill)%n", afterSigterm, committed,
                alone, walBytes, committedIds.size(), committed - alone, committed, inFileAlone.size());
    }

    private StrideProcess start(String label) throws Exception {
        StrideProcess p = StrideProcess.start(dir, label, List.of("run", input.toString(), "--db", db.toString(),
                "--model", RUN, "--base-url", server.url("/v1").toString(), "--template", "Q: {{question}}",
                "--log-every", "0", "--concurrency", "4", "--save-interval", "10"));
        children.add(p);
        return p;
    }

    /** Waits until the database (with its WAL) holds at least {@code n} answers, as the sqlite3 shell reads them. */
    private void awaitCommitted(StrideProcess p, long n) throws InterruptedException {
        p.await(n + " committed answers", Duration.ofSeconds(120), () -> {
            try {
                return sqlite(db, DONE) >= n;
            } catch (IllegalStateException e) {
                return false; // no schema yet
            }
        });
    }

    /** {@code cp runs.db FOLDER/}: the .db file alone, without its WAL. */
    private Path copyAlone(String folder) throws Exception {
        Path into = Files.createDirectories(dir.resolve(folder));
        return Files.copy(db, into.resolve("runs.db"));
    }

    private static long sqlite(Path file, String sql) {
        List<String> lines = new ArrayList<>(sqliteLines(file, sql));
        return lines.isEmpty() ? 0 : Long.parseLong(lines.get(0));
    }

    /** What {@code sqlite3 -readonly FILE SQL} prints, one value per line. */
    private static Set<String> sqliteLines(Path file, String sql) {
        try {
            Process p = new ProcessBuilder("sqlite3", "-readonly", "-batch", "-bail", "-cmd", ".timeout 5000",
                    file.toString(), sql).redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the sqlite3 shell did not answer within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("sqlite3 " + file + ": exit " + p.exitValue() + ": " + said.strip());
            }
            return new TreeSet<>(said.lines().toList());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
