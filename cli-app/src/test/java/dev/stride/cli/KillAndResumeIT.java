package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash promise, with the real process: {@code stride run} is SIGKILLed at random moments, over and over, and
 * each restart continues from what the database holds. In the end every record has exactly one answer, its own,
 * and no answer that was committed was ever asked for again.
 *
 * <p>Kills are aimed four ways: at a random moment after start (startup, schema, input sync), after the n-th
 * request, right after the server hands over the n-th answer (the moment the writer commits a prediction), and right
 * after every 10th answer (the moment it commits the cursor, with {@code --save-interval 10}).
 *
 * <p>Each session asks through a base URL of its own ({@link PacedModelServer#baseUrl}): a request that a killed
 * process left in the server's socket counts for that process however late the server reads it, so nothing here
 * waits for the server to go quiet. The requests asked again after each restart are counted at the end, from every
 * session's requests as the server saw them.
 *
 * <p>{@code -Dstride.kills=N} sets the number of kills (default 50, what CI runs; {@code -Dstride.kills=200} is the
 * long variant, see docs/reliability.md), {@code -Dstride.seed=S} replays a run's random choices (the seed is
 * printed).
 */
@Timeout(value = 1200, unit = TimeUnit.SECONDS)
class KillAndResumeIT {
    private static final int CONCURRENCY = 16;
    private static final int SAVE_INTERVAL = 10;
    private static final String RUN = "qwen-medical-lora-251106-f16";

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(1, 5);
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

    private StrideProcess start(String label, int session, Path input, Path db) throws Exception {
        StrideProcess p = StrideProcess.start(dir, label, List.of("run", input.toString(), "--db", db.toString(),
                "--model", RUN, "--base-url", PacedModelServer.baseUrl(server, session), "--template",
                "Q: {{question}}",
                "--log-every", "0", "--concurrency", Integer.toString(CONCURRENCY), "--save-interval",
                Integer.toString(SAVE_INTERVAL)));
        children.add(p);
        return p;
    }

    @Test
    void everyRecordEndsWithExactlyOneAnswerOfItsOwnHoweverOftenTheProcessIsKilled() throws Exception {
        int kills = Integer.getInteger("stride.kills", 50);
        long seed = Long.getLong("stride.seed", System.nanoTime());
        Random random = new Random(seed);
        // A few thousand records, enough that no session reaches the end before its kill (at most 60 answers each).
        int total = Math.max(3000, kills * 40);
        long testStarted = System.nanoTime();
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");

        long doneBefore = 0;
        Set<String> donePrompts = Set.of();
        Set<String> askedEver = new HashSet<>();
        List<Integer> lostPerKill = new ArrayList<>();
        List<String> killedAt = new ArrayList<>();
        long worstRestartMs = -1;
        long largestWal = -1;

        for (int k = 0; k < kills; k++) {
            int session = k;
            StrideProcess p = start("session-" + k, session, input, db);
            // The first session must get as far as creating the run; later ones may also die while starting up.
            int aim = k == 0 ? 1 + random.nextInt(3) : random.nextInt(4);
            if (aim == 0) {
                long ms = 100 + random.nextInt(501);
                Thread.sleep(Math.max(0, ms - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - p.startNanos)));
                killedAt.add(ms + "ms");
            } else if (aim == 1) {
                int n = 1 + random.nextInt(60);
                p.await(n + " requests", Duration.ofSeconds(120), () -> model.requestsOf(session) >= n);
                killedAt.add(n + "req");
            } else {
                // Right after an answer leaves the server: its prediction commit (and, every 10th, the cursor's)
                // is under way in the child within a millisecond or two.
                int n = aim == 2 ? 1 + random.nextInt(60) : SAVE_INTERVAL * (1 + random.nextInt(6));
                p.await(n + " answers", Duration.ofSeconds(120), () -> model.answeredCount(session) >= n);
                int us = random.nextInt(2000);
                long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(us);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                killedAt.add((aim == 2 ? "ans" : "cur") + n + "+" + us + "us");
            }
            assertThat(p.process.isAlive()).as("%s still running when killed\n%s", p.label, p.transcript()).isTrue();
            int exit = p.killHard(Duration.ofSeconds(60));
            assertThat(exit).as("exit status of SIGKILL (128 + 9)").isEqualTo(137);

            largestWal = Math.max(largestWal, StrideProcess.walSize(db));
            Path copy = StrideProcess.snapshot(db, dir.resolve("after-kill-" + k));
            assertThat(query(copy, "PRAGMA integrity_check")).as("integrity after kill %d", k)
                    .containsExactly(java.util.Map.of("integrity_check", "ok"));
            Set<String> nowDone = donePrompts(copy);
            long done = count(copy, "SELECT count(*) FROM results WHERE status = 'done'");
            assertThat(done).isEqualTo(nowDone.size());
            assertThat(count(copy, "SELECT done FROM progress")).as("the done counter").isEqualTo(done);
            assertThat(count(copy, "SELECT count(*) FROM predictions")).isEqualTo(done);
            assertThat(count(copy, "SELECT count(*) FROM results WHERE status = 'done'"
                    + " AND output = 'echo: Q: question ' || substr(id, 2)")).as("answers of their own").isEqualTo(done);
            assertThat(nowDone).as("nothing committed is lost").containsAll(donePrompts);

            List<String> asked = model.promptsOf(session);
            assertThat(asked).as("session %d asks each prompt once", k).doesNotHaveDuplicates();
            assertThat(asked).as("session %d never asks for a committed answer", k)
                    .filteredOn(donePrompts::contains).isEmpty();
            askedEver.addAll(asked);
            Set<String> lost = new HashSet<>(askedEver);
            lost.removeAll(nowDone);
            assertThat(lost.size()).as("asked but not committed after kill %d: at most the requests in flight and"
                    + " one save interval of answers queued for the writer", k)
                    .isLessThanOrEqualTo(CONCURRENCY + SAVE_INTERVAL);
            lostPerKill.add(lost.size());

            if (k == 0) {
                assertThat(p.out()).contains("Starting new run '" + RUN + "': " + Numbers.grouped(total) + " records");
            } else {
                if (!asked.isEmpty() || p.out().contains("Resuming")) {
                    assertThat(p.out()).as(p.transcript()).contains(resumeLine(doneBefore, total));
                }
                Long first = model.firstRequestNanos(session);
                if (first != null) {
                    worstRestartMs = Math.max(worstRestartMs, TimeUnit.NANOSECONDS.toMillis(first - p.startNanos));
                }
            }
            doneBefore = done;
            donePrompts = nowDone;
        }

        StrideProcess last = start("final", kills, input, db);
        int exit = last.waitForExit(Duration.ofSeconds(300));
        long lastRestartMs = TimeUnit.NANOSECONDS.toMillis(model.firstRequestNanos(kills) - last.startNanos);
        worstRestartMs = Math.max(worstRestartMs, lastRestartMs);

        assertThat(exit).as(last.transcript()).isZero();
        assertThat(last.out()).contains(resumeLine(doneBefore, total)).contains("Done: '" + RUN + "' " + Numbers.grouped(total) + "/" + Numbers.grouped(total));
        List<String> asked = model.promptsOf(kills);
        assertThat(asked).doesNotHaveDuplicates().hasSize((int) (total - doneBefore));
        assertThat(asked).filteredOn(donePrompts::contains).isEmpty();

        assertThat(query(db, "PRAGMA integrity_check")).containsExactly(java.util.Map.of("integrity_check", "ok"));
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(total);
        assertThat(count(db, "SELECT count(*) FROM predictions")).isEqualTo(total);
        assertThat(count(db, "SELECT count(*) FROM results WHERE output = 'echo: Q: question ' || substr(id, 2)"))
                .isEqualTo(total);
        assertThat(query(db, "SELECT state, done, pending FROM progress")).containsExactly(
                java.util.Map.of("state", "done", "done", total, "pending", 0));
        assertThat(StrideProcess.walSize(db)).as("no WAL left after a clean exit").isLessThanOrEqualTo(0);

        // What each restart asked again, counted now from every session's requests as the server saw them: a request
        // a killed process left in the server's socket may have been read after that session's checks above.
        List<Integer> askedAgainPerRestart = new ArrayList<>();
        Set<String> askedBefore = new HashSet<>(model.promptsOf(0));
        for (int s = 1; s <= kills; s++) {
            List<String> ofSession = model.promptsOf(s);
            assertThat(ofSession).as("session %d asks each prompt once", s).doesNotHaveDuplicates();
            int again = (int) ofSession.stream().filter(askedBefore::contains).count();
            assertThat(again).as("redundant requests after kill %d", s - 1)
                    .isLessThanOrEqualTo(CONCURRENCY + SAVE_INTERVAL);
            askedAgainPerRestart.add(again);
            askedBefore.addAll(ofSession);
        }
        int redundant = model.requests() - total;
        assertThat(redundant).isEqualTo(askedAgainPerRestart.stream().mapToInt(Integer::intValue).sum());
        System.out.printf(Locale.ROOT, "KillAndResumeIT: %d kills of %d records in %.0f s (%s); lost 0, duplicated 0,"
                        + " integrity ok after every kill; redundant requests %d in total, per restart %s (max %d;"
                        + " concurrency %d, save interval %d), asked-but-uncommitted per kill %s, worst restart to"
                        + " first request %d ms, largest WAL %d bytes, seed %d (-Dstride.seed=%d replays)%n",
                kills, total, (System.nanoTime() - testStarted) / 1e9, String.join(" ", killedAt), redundant,
                askedAgainPerRestart, askedAgainPerRestart.stream().mapToInt(Integer::intValue).max().orElse(0),
                CONCURRENCY, SAVE_INTERVAL, lostPerKill, worstRestartMs, largestWal, seed, seed);
    }

    private static String resumeLine(long done, int total) {
        return "Resuming '" + RUN + "' from checkpoint: " + Numbers.grouped(done) + "/" + Numbers.grouped(total)
                + " done, " + Numbers.grouped(total - done) + " to go";
    }

    private static Set<String> donePrompts(Path db) throws Exception {
        return query(db, "SELECT id FROM results WHERE status = 'done'").stream()
                .map(row -> "Q: question " + ((String) row.get("id")).substring(1))
                .collect(Collectors.toSet());
    }
}
