package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@code stride run} processes on one SQLite file, each a worker of the same run: the same command started
 * again joins it, one worker is SIGKILLed midway, and the others finish the run. Each worker asks through a base URL
 * of its own ({@link PacedModelServer#baseUrl}), so the server counts every worker's requests.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class WorkersIT {
    private static final String RUN = "workers-run";
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
    void killChildren() throws Exception {
        children.forEach(StrideProcess::close);
        model.release();
        // Every file the workers shared is whole: pages written through two -shm indexes once damaged one, and only
        // a query that read those pages told (a worker that had dropped its locks, LocksKeptTest).
        try (var files = Files.list(dir)) {
            for (Path db : files.filter(f -> f.toString().endsWith(".db")).toList()) {
                assertThat(query(db, "PRAGMA integrity_check")).as("integrity of %s", db.getFileName())
                        .containsExactly(Map.of("integrity_check", "ok"));
            }
        }
    }

    private StrideProcess worker(int session, Path input, Path db) throws Exception {
        return worker(session, input, db, "Q: {{question}}");
    }

    private StrideProcess worker(int session, Path input, Path db, String template) throws Exception {
        StrideProcess p = StrideProcess.start(dir, "worker-" + session, List.of("run", input.toString(), "--db",
                db.toString(), "--model", RUN, "--base-url", PacedModelServer.baseUrl(server, session), "--template",
                template, "--log-every", "0", "--concurrency", Integer.toString(CONCURRENCY),
                "--lease", "20s"));
        children.add(p);
        return p;
    }

    @Test
    void threeWorkersOneKilledStoreEveryRecordOnceAndRepeatAtMostTheKilledOnesClaims() throws Exception {
        int total = 3000;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");

        StrideProcess first = worker(0, input, db);
        first.await("20 answers", Duration.ofSeconds(120), () -> model.answeredCount(0) >= 20);
        StrideProcess doomed = worker(1, input, db);
        StrideProcess third = worker(2, input, db);
        doomed.await("30 answers", Duration.ofSeconds(120), () -> model.answeredCount(1) >= 30);
        third.await("joining", Duration.ofSeconds(120), () -> third.out().contains("as worker"));

        // status shows each live worker: host, process id, done by it, rate, last heartbeat.
        StrideProcess status = StrideProcess.start(dir, "status", List.of("status", "--db", db.toString(), "--json"));
        children.add(status);
        assertThat(status.waitForExit(Duration.ofSeconds(120))).as(status.transcript()).isZero();
        JsonNode shown = new ObjectMapper().readTree(status.out()).get(0).get("workers");
        List<Long> pids = new ArrayList<>();
        shown.forEach(w -> pids.add(w.get("pid").asLong()));
        assertThat(pids).as(status.out()).containsExactlyInAnyOrder(first.pid(), doomed.pid(), third.pid());
        assertThat(shown.get(0).get("worker").asInt()).isEqualTo(1);
        assertThat(shown.get(0).get("done").asLong()).isPositive();
        assertThat(shown.get(0).has("heartbeat_at")).isTrue();
        StrideProcess text = StrideProcess.start(dir, "status-text", List.of("status", "--db", db.toString()));
        children.add(text);
        assertThat(text.waitForExit(Duration.ofSeconds(120))).as(text.transcript()).isZero();
        assertThat(text.out()).contains("Workers of '" + RUN + "' (3 live):").contains(" pid " + third.pid() + ": ");

        long pid = doomed.pid();
        // What the killed worker held: its requests in flight and its answers not yet committed, and no more. Counted
        // while it is stopped, then killed: once dead, its claims go as soon as another worker sees it gone.
        doomed.signal("STOP");
        long heldByKilled = count(db, "SELECT count(*) FROM claims JOIN workers USING (run_id, worker_id)"
                + " WHERE workers.pid = " + pid);
        int exit = doomed.killHard(Duration.ofSeconds(60));
        assertThat(exit).as("SIGKILL").isEqualTo(137);
        assertThat(heldByKilled).isLessThanOrEqualTo(64);

        assertThat(first.waitForExit(Duration.ofSeconds(300))).as(first.transcript()).isZero();
        assertThat(third.waitForExit(Duration.ofSeconds(300))).as(third.transcript()).isZero();
        assertThat(third.out()).as(third.transcript()).contains("Joined run '" + RUN + "' as worker ");

        // Every exported id exactly once, with its own answer.
        Path exported = dir.resolve("out.jsonl");
        StrideProcess export = StrideProcess.start(dir, "export", List.of("export", "--db", db.toString(), "-o",
                exported.toString()));
        children.add(export);
        assertThat(export.waitForExit(Duration.ofSeconds(120))).as(export.transcript()).isZero();
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : Files.readAllLines(exported, StandardCharsets.UTF_8)) {
            JsonNode row = json.readTree(line);
            String id = row.get("id").asText();
            seen.merge(id, 1, Integer::sum);
            assertThat(row.get("output").asText()).isEqualTo("echo: Q: question " + id.substring(1));
        }
        assertThat(seen).hasSize(total);
        assertThat(seen.values()).allMatch(n -> n == 1);

        assertThat(query(db, "SELECT state, done, pending FROM progress")).containsExactly(
                Map.of("state", "done", "done", total, "pending", 0));
        assertThat(count(db, "SELECT count(*) FROM claims")).as("no claim left").isZero();
        assertThat(count(db, "SELECT count(*) FROM workers")).as("no worker left").isZero();

        // Requests asked twice: only the killed worker's claims, asked again by the others.
        List<String> all = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            assertThat(model.promptsOf(s)).as("worker %d asks each prompt once", s).doesNotHaveDuplicates();
            all.addAll(model.promptsOf(s));
        }
        long repeated = all.size() - all.stream().distinct().count();
        assertThat(repeated).isLessThanOrEqualTo(heldByKilled);
        System.out.printf(Locale.ROOT, "WorkersIT: %d records, 3 workers (one SIGKILLed holding %d claims):"
                        + " requests %d, repeated %d, per worker %d/%d/%d%n", total, heldByKilled, all.size(),
                repeated, model.promptsOf(0).size(), model.promptsOf(1).size(), model.promptsOf(2).size());
    }

    @Test
    void aChangedInputIsRefusedWhileAWorkerIsLiveAndNothingChanges() throws Exception {
        int total = 600;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");
        StrideProcess first = worker(0, input, db);
        first.await("10 answers", Duration.ofSeconds(120), () -> model.answeredCount(0) >= 10);

        Path changed = questions(dir, "more.jsonl", total + 1);
        StrideProcess refused = worker(1, changed, db);
        int exit = refused.waitForExit(Duration.ofSeconds(120));

        assertThat(exit).as("busy (run it again once the workers are gone), not a bad input nor a database that"
                + " cannot be used: " + refused.transcript()).isEqualTo(ExitCodes.BUSY);
        assertThat(refused.err()).as(refused.transcript())
                .containsPattern("has \\d+ live workers? and the input differs from its stored records \\(1 added,"
                        + " 0 edited, 0 removed\\); nothing was changed. Wait for the workers to finish or stop them")
                .doesNotContain("\tat ");
        assertThat(model.promptsOf(1)).isEmpty();
        assertThat(count(db, "SELECT total FROM progress")).isEqualTo(total);
        assertThat(first.waitForExit(Duration.ofSeconds(300))).as(first.transcript()).isZero();
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(total);
    }

    @Test
    void workersStartedTogetherOnAFileThatDoesNotExistYetAllJoinTheRun() throws Exception {
        int total = 60;
        Path input = questions(dir, "q.jsonl", total);
        // Several rounds, each on a new file, so that the race of the first opening is met more than once.
        for (int round = 0; round < 4; round++) {
            Path db = dir.resolve("new-" + round + ".db");
            List<StrideProcess> together = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                together.add(worker(w, input, db));
            }
            for (StrideProcess p : together) {
                assertThat(p.waitForExit(Duration.ofSeconds(300))).as(p.transcript()).isZero();
                assertThat(p.err()).as(p.transcript()).doesNotContain("not a stride checkpoint file");
            }
            assertThat(count(db, "SELECT done FROM progress")).as("round %d", round).isEqualTo(total);
            assertThat(count(db, "SELECT count(*) FROM predictions")).as("round %d", round).isEqualTo(total);
        }
    }

    /**
     * Two workers started together on a new file: whichever made the run says it started it (and, if the other was at
     * work by its join, that the run is shared), the other that it joined it as worker 2 with the run's counts. Never
     * a resume: nothing had stopped. Answers are held until both have sent a request, so both are at work together
     * whatever the machine's load, and nothing is done when the second one joins.
     */
    @Test
    void workersStartedTogetherOnANewFileSayWhoStartedTheRunAndWhoJoinedIt() throws Exception {
        int total = 200;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");
        model.holding(Duration.ofSeconds(300));
        StrideProcess a = worker(0, input, db);
        StrideProcess b = worker(1, input, db);
        bothAtWork(a, 0, b, 1);

        StrideProcess starter = a.out().startsWith("Starting") ? a : b;
        StrideProcess joiner = starter == a ? b : a;
        assertThat(firstLines(starter)).as(a.transcript() + b.transcript()).first()
                .isEqualTo("Starting new run '" + RUN + "': " + total + " records");
        // Said at its join when the other was at work by then; the other may have come just after.
        if (starter.out().contains("is shared")) {
            assertThat(firstLines(starter)).as(starter.transcript()).element(1).isEqualTo("Run '" + RUN
                    + "' is shared with 1 other worker at work on it (this one is worker 1)");
        }
        assertThat(starter.out()).as(starter.transcript()).doesNotContain("Joined");
        assertThat(firstLines(joiner)).as(a.transcript() + b.transcript()).first()
                .isEqualTo("Joined run '" + RUN + "' as worker 2 (1 other worker at work on it): 0/" + total
                        + " done, " + total + " to go");
        for (StrideProcess p : List.of(a, b)) {
            assertThat(p.out()).as(p.transcript()).doesNotContain("Resuming").doesNotContain("Input unchanged");
        }
        assertThat(joiner.out()).as(joiner.transcript()).containsOnlyOnce("as worker").doesNotContain("is shared");
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(total);
    }

    /**
     * A run stopped halfway, then two workers started together: the first to sync resumes it (the resume line, with
     * what the stopped session left), the other joins it at work with the same counts; one line each, never both.
     */
    @Test
    void workersStartedTogetherOnAStoppedRunSayWhoResumedItAndWhoJoinedIt() throws Exception {
        int total = 1000;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");
        long done = stoppedAfterTwentyAnswers(input, db);
        assertThat(done).isPositive().isLessThan(total);

        model.holding(Duration.ofSeconds(300));
        StrideProcess a = worker(1, input, db);
        StrideProcess b = worker(2, input, db);
        bothAtWork(a, 1, b, 2);

        String counts = Numbers.grouped(done) + "/" + Numbers.grouped(total) + " done, " + Numbers.grouped(total - done)
                + " to go";
        StrideProcess resumer = a.out().startsWith("Input unchanged") ? a : b;
        StrideProcess joiner = resumer == a ? b : a;
        assertThat(firstLines(resumer)).as(a.transcript() + b.transcript()).startsWith(
                "Input unchanged since the last session (" + Numbers.grouped(total) + " records); template and parameters"
                        + " unchanged",
                "Resuming '" + RUN + "' from checkpoint: " + counts);
        assertThat(firstLines(joiner)).as(a.transcript() + b.transcript()).first()
                .isEqualTo("Joined run '" + RUN + "' as worker 2 (1 other worker at work on it): " + counts);
        assertThat(joiner.out()).as(joiner.transcript()).doesNotContain("Resuming").doesNotContain("Input unchanged")
                .containsOnlyOnce("as worker").doesNotContain("is shared");
        assertThat(resumer.out()).as(resumer.transcript()).doesNotContain("Joined");
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(total);
    }

    /**
     * A stopped run resumed from its input, then the short form without it ({@code --db} and the model, the stored
     * records) while the first is at work: the second joins it, one line with its number and the counts, and never
     * says it resumes a run that nothing stopped.
     */
    @Test
    void theShortFormWithoutTheInputJoinsARunAtWorkRatherThanResumingIt() throws Exception {
        int total = 1000;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");
        long done = stoppedAfterTwentyAnswers(input, db);

        model.holding(Duration.ofSeconds(300));
        StrideProcess resumer = worker(1, input, db);
        resumer.await("a request", Duration.ofSeconds(300), () -> !model.promptsOf(1).isEmpty());
        StrideProcess joiner = StrideProcess.start(dir, "worker-2", List.of("run", "--db", db.toString(), "--model",
                RUN, "--base-url", PacedModelServer.baseUrl(server, 2), "--log-every", "0", "--concurrency",
                Integer.toString(CONCURRENCY), "--lease", "20s"));
        children.add(joiner);
        bothAtWork(resumer, 1, joiner, 2);

        String counts = Numbers.grouped(done) + "/" + Numbers.grouped(total) + " done, " + Numbers.grouped(total - done)
                + " to go";
        assertThat(firstLines(resumer)).as(resumer.transcript()).startsWith(
                "Input unchanged since the last session (" + Numbers.grouped(total) + " records); template and parameters"
                        + " unchanged",
                "Resuming '" + RUN + "' from checkpoint: " + counts);
        assertThat(firstLines(joiner)).as(joiner.transcript()).first()
                .isEqualTo("Joined run '" + RUN + "' as worker 2 (1 other worker at work on it): " + counts);
        assertThat(joiner.out()).as(joiner.transcript()).doesNotContain("Resuming").containsOnlyOnce("as worker")
                .doesNotContain("is shared");
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(total);
    }

    /**
     * A file copied while its run is going (SQLite's online backup, as {@code sqlite3 runs.db ".backup copy.db"} makes
     * it) names the run's worker, with its lease and claims. That worker works on the original, never on the copy: a
     * run of the copy resumes it alone and asks every record the copy lacks, where it once joined the worker of the
     * original and waited a whole lease for its claimed records, its progress standing still.
     */
    @Test
    void aRunOfAFileCopiedWhileItsRunWasGoingResumesItRatherThanJoiningTheOriginalsWorker() throws Exception {
        int total = 60;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");
        Path copy = dir.resolve("copy.db");
        model.holding(Duration.ofSeconds(300));
        StrideProcess original = worker(0, input, db);
        original.await("its claims asked", Duration.ofSeconds(300), () -> model.requestsOf(0) == CONCURRENCY);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            st.executeUpdate("backup to " + copy);
            st.executeUpdate("backup to " + dir.resolve("cleared.db"));
        }
        assertThat(count(copy, "SELECT count(*) FROM workers")).as("the original's worker, in the copy").isEqualTo(1);
        long done = count(copy, "SELECT done FROM progress");
        // status of the copy, which no process has open: its run is stopped there, not going on at the original's
        // pace; the original's own status still shows its worker.
        JsonNode copied = statusOf(copy);
        assertThat(copied.get("state").asText()).as(copied.toString()).isEqualTo("interrupted");
        assertThat(copied.get("workers").isEmpty()).as(copied.toString()).isTrue();
        assertThat(copied.get("rate_per_s").isNull()).as(copied.toString()).isTrue();
        JsonNode going = statusOf(db);
        assertThat(going.get("state").asText()).as(going.toString()).isEqualTo("running");
        assertThat(going.get("workers")).as(going.toString()).hasSize(1);
        // and its run is cleared there, where the original's live worker keeps the original's from being cleared
        Cli.Result cleared = new Cli().run("clear", "--db", dir.resolve("cleared.db").toString(), "--run", RUN,
                "--yes");
        assertThat(cleared.exitCode()).as(cleared.all()).isZero();
        assertThat(count(dir.resolve("cleared.db"), "SELECT count(*) FROM runs")).isZero();
        assertThat(new Cli().run("clear", "--db", db.toString(), "--run", RUN, "--yes").exitCode())
                .isEqualTo(ExitCodes.BUSY);

        StrideProcess onCopy = StrideProcess.start(dir, "worker-1", List.of("run", "--db", copy.toString(),
                "--base-url", PacedModelServer.baseUrl(server, 1), "--log-every", "0", "--concurrency",
                Integer.toString(CONCURRENCY), "--lease", "20s"));
        children.add(onCopy);
        onCopy.await("its first line", Duration.ofSeconds(300), () -> !onCopy.out().isEmpty());
        model.release();

        assertThat(onCopy.waitForExit(Duration.ofSeconds(300))).as(onCopy.transcript()).isZero();
        assertThat(firstLines(onCopy)).as(onCopy.transcript()).first().isEqualTo("Resuming '" + RUN
                + "' from checkpoint: " + done + "/" + total + " done, " + (total - done) + " to go");
        assertThat(onCopy.out()).as(onCopy.transcript()).doesNotContain("Joined").doesNotContain("is shared");
        assertThat(model.requestsOf(1)).as("requests for the records the copy lacked").isEqualTo(total - done);
        assertThat(count(copy, "SELECT done FROM progress")).isEqualTo(total);
        assertThat(original.waitForExit(Duration.ofSeconds(300))).as(original.transcript()).isZero();
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(total);
    }

    /** The first run of {@code db}, as `stride status --json` shows it. */
    private static JsonNode statusOf(Path db) throws Exception {
        Cli.Result status = new Cli().run("status", "--db", db.toString(), "--json");
        assertThat(status.exitCode()).as(status.all()).isZero();
        return new ObjectMapper().readTree(status.out()).get(0);
    }

    /** Waits until both have sent a request (each has said its first lines by then), lets the answers go, waits both. */
    /**
     * A worker in a container that shares the machine's name (host networking: a new PID namespace, here made with
     * {@code unshare}) does not see the processes of the workers outside it. Joining their run, it must leave their
     * workers and claims alone, as a worker of another machine does: it once dropped them as gone and asked their
     * claimed records again. Answers are held until each worker has its claims out, so each has asked its own.
     */
    @Test
    void aWorkerInAContainerOfTheSameNameLeavesTheLiveWorkersOutsideItAlone() throws Exception {
        RequiredTool.require("a worker in a PID namespace of its own (as root)", "unshare", "--pid", "--fork",
                "--mount-proc", "true");
        int total = 40;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");
        model.holding(Duration.ofSeconds(300));
        StrideProcess outside = worker(0, input, db);
        outside.await("its claims asked", Duration.ofSeconds(300), () -> model.requestsOf(0) == CONCURRENCY);
        StrideProcess inside = StrideProcess.startUnder(dir, "worker-1", List.of("unshare", "--pid", "--fork",
                "--mount-proc", "--kill-child"), List.of("run", input.toString(), "--db", db.toString(), "--model", RUN,
                "--base-url", PacedModelServer.baseUrl(server, 1), "--template", "Q: {{question}}", "--log-every", "0",
                "--concurrency", Integer.toString(CONCURRENCY), "--lease", "20s"));
        children.add(inside);
        inside.await("its claims asked", Duration.ofSeconds(300), () -> model.requestsOf(1) == CONCURRENCY);

        assertThat(count(db, "SELECT count(*) FROM workers WHERE lease_until > strftime('%Y-%m-%d %H:%M:%f', 'now')"))
                .as("live workers, with the one outside the container").isEqualTo(2);
        assertThat(model.promptsOf(1)).as("asked inside the container").doesNotContainAnyElementsOf(model.promptsOf(0));
        model.release();
        assertThat(outside.waitForExit(Duration.ofSeconds(300))).as(outside.transcript()).isZero();
        assertThat(inside.waitForExit(Duration.ofSeconds(300))).as(inside.transcript()).isZero();
        assertThat(model.requests()).as("requests for %d records", total).isEqualTo(total);
        assertThat(count(db, "SELECT done FROM progress")).isEqualTo(total);
    }

    private void bothAtWork(StrideProcess a, int sa, StrideProcess b, int sb) throws Exception {
        a.await("a request", Duration.ofSeconds(300), () -> !model.promptsOf(sa).isEmpty());
        b.await("a request", Duration.ofSeconds(300), () -> !model.promptsOf(sb).isEmpty());
        model.release();
        assertThat(a.waitForExit(Duration.ofSeconds(300))).as(a.transcript()).isZero();
        assertThat(b.waitForExit(Duration.ofSeconds(300))).as(b.transcript()).isZero();
    }

    private static List<String> firstLines(StrideProcess p) {
        return p.out().lines().limit(3).toList();
    }

    /**
     * Two workers started together on a new file with other templates: one runs, the other is refused as it would be
     * a moment later, and the refused one leaves the file, with the other's run and every answer, where it was.
     */
    @Test
    void workersStartedTogetherWithOtherSettingsRefuseOneAndKeepTheOthersRun() throws Exception {
        int total = 20;
        Path input = questions(dir, "q.jsonl", total);
        for (int round = 0; round < 3; round++) {
            Path db = dir.resolve("together-" + round + ".db");
            StrideProcess a = worker(2 * round, input, db, "A: {{question}}");
            StrideProcess b = worker(2 * round + 1, input, db, "B: {{question}}");
            int exitA = a.waitForExit(Duration.ofSeconds(300));
            int exitB = b.waitForExit(Duration.ofSeconds(300));

            assertThat(List.of(exitA, exitB)).as(a.transcript() + b.transcript()).containsExactlyInAnyOrder(0, 2);
            StrideProcess refused = exitA == 2 ? a : b;
            assertThat(refused.err()).as(refused.transcript())
                    .contains("was started with other settings (template").doesNotContain("\tat ");
            assertThat(db).as("round %d", round).exists();
            assertThat(count(db, "SELECT count(*) FROM runs")).as("round %d", round).isEqualTo(1);
            assertThat(count(db, "SELECT done FROM progress")).as("round %d", round).isEqualTo(total);
        }
    }

    /** A first worker stopped (TERM, exit 130) after 20 answers: the records it left done. */
    private long stoppedAfterTwentyAnswers(Path input, Path db) throws Exception {
        StrideProcess stopped = worker(0, input, db);
        stopped.await("20 answers", Duration.ofSeconds(120), () -> model.answeredCount(0) >= 20);
        stopped.signal("TERM");
        assertThat(stopped.waitForExit(Duration.ofSeconds(120))).as(stopped.transcript()).isEqualTo(130);
        long done = count(db, "SELECT done FROM progress");
        return done;
    }
}
