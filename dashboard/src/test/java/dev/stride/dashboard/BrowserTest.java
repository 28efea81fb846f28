package dev.stride.dashboard;

import static dev.stride.dashboard.Fixtures.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.core.RunState;
import dev.stride.core.ServerLimit;
import dev.stride.db.Board;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pages in headless Chromium against a database written by real runs: what a person would check by looking.
 * Budgets are Chromium's virtual time and generous; nothing here measures the wall clock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserTest {
    private static final int BUDGET = 8000;

    @TempDir
    static Path dir;

    Path db;
    Board board;
    DashboardServer server;
    URI base;
    Chromium chromium;

    @BeforeAll
    void runTwoRuns() throws Exception {
        chromium = Chromium.require(dir);
        db = dir.resolve("runs.db");
        Path input = Fixtures.questions(dir, "questions.jsonl", 120);
        Fixtures.run(db, input, "clean", SimulatorSettings.builder().build());
        Fixtures.run(db, input, "flaky", SimulatorSettings.builder().serverError(0.3).seed(7).build());
        Fixtures.score(db, "clean");
        board = Board.sqlite(db);
        server = DashboardServer.start(board, new InetSocketAddress("127.0.0.1", 0), "runs.db");
        base = server.url();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
            board.close();
        }
    }

    /** The row of the runs table for {@code run}. */
    private static String row(String dom, String run) {
        Matcher m = Pattern.compile("<tr data-run=\"" + run + "\">(.*?)</tr>", Pattern.DOTALL).matcher(dom);
        assertThat(m.find()).as("a row for " + run + " in " + dom).isTrue();
        return m.group(1);
    }

    private static String cell(String row, String cls) {
        Matcher m = Pattern.compile("<td class=\"num " + cls + "\">([^<]*)</td>").matcher(row);
        assertThat(m.find()).as(cls + " in " + row).isTrue();
        return m.group(1);
    }

    @Test
    void theRunsListShowsEachRunWithTheNumbersOfTheDatabase() throws Exception {
        String dom = chromium.dom(base, BUDGET);
        // Each run's accuracy as status shows it, its metric on the cell; a run not scored shows none.
        long correct = count(db, "SELECT correct FROM scoreboard WHERE run = 'clean'");
        long scored = count(db, "SELECT scored FROM scoreboard WHERE run = 'clean'");
        assertThat(row(dom, "clean")).contains("<td class=\"num accuracy\" title=\"metric contains\">"
                + String.format(java.util.Locale.ROOT, "%.1f%%", correct * 100.0 / scored) + "</td>");
        assertThat(row(dom, "flaky")).contains("<td class=\"num accuracy\" title=\"not scored\">–</td>");
        for (String run : List.of("clean", "flaky")) {
            String row = row(dom, run);
            assertThat(cell(row, "done")).isEqualTo(Long.toString(count(db,
                    "SELECT done FROM progress WHERE run = '" + run + "'")));
            assertThat(cell(row, "failed")).isEqualTo(Long.toString(count(db,
                    "SELECT failed FROM progress WHERE run = '" + run + "'")));
            assertThat(row).contains("<progress max=\"120\"").contains("model-" + run);
        }
        assertThat(row(dom, "flaky")).contains("data-state=\"done_with_failures\"");
        shoot(base, "dashboard-runs.png");
    }

    @Test
    void aRunPageDrawsItsChartsAndTables() throws Exception {
        String dom = chromium.dom(base.resolve("/runs/flaky"), BUDGET);
        for (String chart : List.of("chart-rate", "chart-latency")) {
            Matcher m = Pattern.compile("id=\"" + chart + "\".*?<canvas width=\"(\\d+)\" height=\"(\\d+)\"",
                    Pattern.DOTALL).matcher(dom);
            assertThat(m.find()).as("a uPlot canvas in " + chart).isTrue();
            assertThat(Integer.parseInt(m.group(1))).isGreaterThan(100);
            assertThat(Integer.parseInt(m.group(2))).isGreaterThan(50);
        }
        assertThat(dom).contains("Errors by kind").contains("Answers per second")
                .contains("<span id=\"refresh\"> · finished: this page no longer updates itself</span>")
                .contains("finished: nothing more to update");
        long failed = count(db, "SELECT failed FROM progress WHERE run = 'flaky'");
        shoot(base.resolve("/runs/flaky"), "dashboard-run.png");
        shoot(base.resolve("/compare?a=clean&b=flaky"), "dashboard-compare.png");
        assertThat(dom).containsPattern("id=\"card-failed\"><div class=\"v\">" + failed + "</div>");
    }

    @Test
    void theRunsListAndARunPageSayTheRequestsItsLiveWorkersHaveOutWithTheLimitApart() throws Exception {
        Path live = dir.resolve("live.db");
        Fixtures.run(live, Fixtures.questions(dir, "few.jsonl", 5), "live", SimulatorSettings.builder().build());
        Board liveBoard = Board.sqlite(live);
        // A worker of the run under --concurrency auto with two servers, as its row says between heartbeats. The
        // page judges how old figures are by a clock stopped now: a slow browser never makes them stale.
        Instant now = Instant.now();
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(live);
             SqliteCheckpointStore killed = SqliteCheckpointStore.open(live);
             DashboardServer liveServer = DashboardServer.start(liveBoard, new InetSocketAddress("127.0.0.1", 0),
                     null, Clock.fixed(now, ZoneOffset.UTC))) {
            long run = worker.findRun("live").orElseThrow().id();
            worker.reportInFlight(run, 27, true, List.of(new ServerLimit("http://gpu1:8000/v1", 8, false),
                    new ServerLimit("http://gpu2:8000/v1", 19, false)));
            worker.join(run, Duration.ofMinutes(5));

            // Until it tells its requests out (as a worker of an older version never does), its limit alone.
            String dom = chromium.dom(liveServer.url().resolve("/runs/live"), BUDGET);
            assertThat(dom).contains("<span id=\"refresh\"> · this page updates itself every 2 s while the run goes"
                    + " on</span>").contains("live: updates every 2 s");
            assertThat(dom).contains("id=\"card-in-flight\"><div class=\"v\">27 auto</div>"
                    + "<div class=\"k\">in flight</div><div class=\"s\">limits: gpu1:8000 8 · gpu2:8000 19</div>");
            assertThat(cell(row(chromium.dom(liveServer.url(), BUDGET), "live"), "in-flight")).isEqualTo("27 auto");

            // The requests out, with the limit apart, as status says it; each server's limit stays under the card.
            worker.reportRequestsOut(run, 23);
            worker.renewLease(run);
            assertThat(chromium.dom(liveServer.url().resolve("/runs/live"), BUDGET))
                    .contains("id=\"card-in-flight\"><div class=\"v\">23 (auto, limit 27)</div><div class=\"k\">in "
                            + "flight</div><div class=\"s\">limits: gpu1:8000 8 · gpu2:8000 19</div>");
            assertThat(cell(row(chromium.dom(liveServer.url(), BUDGET), "live"), "in-flight"))
                    .isEqualTo("23 (auto, limit 27)");

            // A fixed --concurrency at its limit: the limit apart all the same.
            worker.reportInFlight(run, 64, false, List.of());
            worker.reportRequestsOut(run, 64);
            worker.renewLease(run);
            assertThat(cell(row(chromium.dom(liveServer.url(), BUDGET), "live"), "in-flight"))
                    .isEqualTo("64 (limit 64)");

            // Its server went away: the run is waiting, with no rate and no time left, and says how many workers wait.
            RunState stored = worker.findRun("live").orElseThrow().state();
            worker.saveCursor(run, 1000, RunState.RUNNING);
            worker.reportServerWait(run, now.minusSeconds(12));
            worker.renewLease(run);
            String waiting = row(chromium.dom(liveServer.url(), BUDGET), "live");
            assertThat(waiting).contains("class=\"state waiting\"");
            assertThat(cell(waiting, "rate")).isEqualTo("–");
            assertThat(cell(waiting, "left")).isEqualTo("–");
            assertThat(cell(waiting, "workers")).isEqualTo("1 (1 waiting for its server)");
            assertThat(chromium.dom(liveServer.url().resolve("/runs/live"), BUDGET))
                    .contains("<div class=\"v\">1 (1 waiting for its server)</div><div class=\"k\">workers</div>");
            worker.reportServerWait(run, null);
            worker.renewLease(run);
            String back = row(chromium.dom(liveServer.url(), BUDGET), "live");
            assertThat(back).contains("class=\"state running\"");
            assertThat(cell(back, "workers")).isEqualTo("1");
            worker.saveCursor(run, 1000, stored);

            // A worker killed elsewhere keeps its lease a while but writes no figures: left out of the total.
            killed.reportInFlight(run, 32, true, List.of());
            killed.join(run, Duration.ofMinutes(5));
            killed.reportRequestsOut(run, 30);
            killed.renewLease(run);
            Fixtures.execute(live, "UPDATE workers SET in_flight_at = '" + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
                    .withZone(ZoneOffset.UTC).format(now.minusSeconds(120))
                    + "' WHERE number = 2");
            assertThat(cell(row(chromium.dom(liveServer.url(), BUDGET), "live"), "in-flight"))
                    .isEqualTo("64 (limit 64) · 1 worker silent, not counted");
            // Writing again, beside the fixed one: one worker of two learns its limit, not the whole total.
            Fixtures.execute(live, "UPDATE workers SET in_flight_at = '" + DateTimeFormatter.ofPattern("yyyy-MM-dd"
                    + " HH:mm:ss.SSS").withZone(ZoneOffset.UTC).format(now) + "' WHERE number = 2");
            assertThat(cell(row(chromium.dom(liveServer.url(), BUDGET), "live"), "in-flight"))
                    .isEqualTo("94 (1 of 2 auto, limit 96)");
            killed.leave(run);

            // Once the worker left, nothing is in flight.
            worker.leave(run);
            assertThat(chromium.dom(liveServer.url().resolve("/runs/live"), BUDGET))
                    .contains("id=\"card-in-flight\"><div class=\"v\">–</div>");
            assertThat(cell(row(chromium.dom(liveServer.url(), BUDGET), "live"), "in-flight")).isEqualTo("–");
        } finally {
            liveBoard.close();
        }
    }

    @Test
    void theResultsBrowserFiltersAndPagesFromItsUrl() throws Exception {
        String failedPage = chromium.dom(base.resolve("/runs/flaky?status=failed"), BUDGET);
        List<String> statuses = all(failedPage, "<span class=\"status-(\\w+)\">");
        long failed = count(db, "SELECT failed FROM progress WHERE run = 'flaky'");
        assertThat(statuses).hasSize((int) Math.min(50, failed)).containsOnly("failed");
        // A failed row shows its error where an answer would be: the list gives them apart, the page shows either.
        List<String> errors = List.of(Fixtures.text(db, "SELECT group_concat(error, char(10)) FROM results"
                + " WHERE run = 'flaky' AND status = 'failed'").split("\n"));
        assertThat(all(failedPage, "status-failed\">failed</span></td><td class=\"text\">([^<]*)</td>"))
                .hasSameSizeAs(statuses)
                .allSatisfy(shown -> assertThat(errors).contains(shown));

        String second = chromium.dom(base.resolve("/runs/clean?after=49"), BUDGET);
        List<String> ids = all(second, "data-id=\"([^\"]*)\"");
        assertThat(ids).hasSize(50).startsWith("q50", "q51");
        assertThat(second).contains("records 51–100 of the input");
        assertThat(all(second, "status-done\">done</span></td><td class=\"text\">([^<]*)</td>")).hasSize(50)
                .allSatisfy(answer -> assertThat(answer).startsWith("Answer to: Answer briefly: question"));

        // A search says how far it read; the clean run has 120 records, read in one span.
        String searched = chromium.dom(base.resolve("/runs/clean?q=question%2011"), BUDGET);
        assertThat(all(searched, "data-id=\"([^\"]*)\"")).startsWith("q11", "q110").hasSize(11);
        assertThat(searched).contains("searched 120 of 120 records");

        // Compare filtered by the scores: clean is scored, flaky is not, so no record is "both wrong".
        long both = count(db, "SELECT count(*) FROM results a JOIN results b ON b.run = 'flaky' AND b.id = a.id"
                + " AND b.status = 'done' WHERE a.run = 'clean' AND a.status = 'done'");
        String compare = chromium.dom(base.resolve("/compare?a=clean&b=flaky&only=both_wrong"), BUDGET);
        assertThat(compare).contains("id=\"compare-only\"")
                .contains("searched 120 of 120 records of A, " + both + " answered by both")
                .contains("None of the " + both + " records both answered is \"both wrong\": right and wrong"
                        + " cannot be told")
                .contains("No right or wrong: the two runs are not both scored against one label field")
                .contains("not scored the way the other run is").contains("not scored yet");
    }

    @Test
    void comparingTwoRunsWithNoRecordInCommonSaysSoNotThatTheyAgree() throws Exception {
        Path apart = Fixtures.disjoint(dir, dir.resolve("apart.db"));
        try (Board b = Board.sqlite(apart);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            String dom = chromium.dom(s.url().resolve("/compare?a=left&b=right"), BUDGET);
            assertThat(dom).contains("'left' and 'right' have no answered record in common: nothing to compare")
                    .contains("searched 2 of 2 records of A, 0 answered by both").doesNotContain("alike");
        }
    }

    @Test
    void theAccuraciesOnTheComparePageSayTheyAreEachRunsOwn() throws Exception {
        String dom = chromium.dom(base.resolve("/compare?a=clean&b=clean"), BUDGET);
        long scored = count(db, "SELECT scored FROM scoreboard WHERE run = 'clean'");
        assertThat(dom).containsPattern("accuracy [\\d.]+% \\([\\d,]+ of its own " + scored + " scored, contains\\)")
                .contains("The accuracies above are each run's own, over every record it answered;"
                        + " stride compare gives them over the records both answered.");
    }

    @Test
    void thePageOfAnUnknownRunSaysTheDatabaseHasNoSuchRunAndStopsAsking() throws Exception {
        String dom = chromium.dom(base.resolve("/runs/no-such-run"), BUDGET);
        assertThat(dom).contains("runs.db has no run 'no-such-run'.").contains("<a href=\"/\">See the runs it has</a>")
                .contains("no such run: nothing to update")
                .doesNotContain("cannot read the database").doesNotContain("trying again");
    }

    @Test
    void theComparePageOfAnUnknownRunSaysSoNotThatNothingDiffers() throws Exception {
        String dom = chromium.dom(base.resolve("/compare?a=clean&b=no-such-run"), BUDGET);
        assertThat(dom).contains("runs.db has no run 'no-such-run': nothing to compare.")
                .contains("<a href=\"/\">See the runs it has</a>").doesNotContain("No records listed")
                .doesNotContain("next page");
    }

    @Test
    void aRunWithNoAnswerYetDoesNotSayItsServerReportsNoTokens() throws Exception {
        // Every request fails: the run stops with none answered, before anything told whether usage is reported
        Path none = dir.resolve("none.db");
        Fixtures.run(none, Fixtures.questions(dir, "none.jsonl", 40), "none",
                SimulatorSettings.builder().serverError(1.0).build());
        assertThat(count(none, "SELECT done FROM progress WHERE run = 'none'")).isZero();
        try (Board b = Board.sqlite(none);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            String dom = chromium.dom(s.url().resolve("/runs/none"), BUDGET);
            assertThat(dom).contains("id=\"card-tokens-in\"><div class=\"v\">–</div>")
                    .contains("id=\"card-tokens-out\"><div class=\"v\">–</div>").doesNotContain("not reported");
        }
        // One that has answers still says so where its server counts none
        assertThat(chromium.dom(base.resolve("/runs/clean"), BUDGET))
                .containsPattern("id=\"card-tokens-in\"><div class=\"v\">[\\d,]+</div>");
    }

    @Test
    void theWrongAnswersOfARunNotScoredSayItIsNotScoredNotThatNoneIsWrong() throws Exception {
        String dom = chromium.dom(base.resolve("/runs/flaky?status=wrong"), BUDGET);
        assertThat(dom).contains("'flaky' is not scored, so no answer is right or wrong yet")
                .doesNotContain("No records match").doesNotContain("data-id=\"q0\"");
        assertThat(chromium.dom(base.resolve("/runs/flaky"), BUDGET)).contains("data-id=\"q0\"")
                .doesNotContain("is not scored, so");
    }

    @Test
    void hostileTextShowsAsTextAndRunsNothing() throws Exception {
        URI url = base.resolve("/runs/clean?record=" + URLEncoder.encode(Fixtures.HOSTILE_ID, StandardCharsets.UTF_8));
        String dom = chromium.dom(url, BUDGET);
        assertThat(dom).contains("<title>clean · stride</title>").doesNotContain("pwned</title>");
        // Shown, escaped, in the record's detail: the id, the input, the prompt and the answer.
        assertThat(dom).contains("<span id=\"record-id\">&lt;img src=x onerror=alert(1)&gt;</span>");
        assertThat(dom).contains("Answer briefly: &lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;");
        assertThat(dom).doesNotContain("<img src=\"x\"").doesNotContain("<b>bold</b>")
                .doesNotContain("<script>document.title");
        shoot(url, "dashboard-record.png");
    }

    @Test
    void thePageFollowsARunThatIsWriting() throws Exception {
        Path input = Fixtures.questions(dir, "long.jsonl", 5000);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(20)).build())
                .start(0);
             CheckpointManager checkpoints = CheckpointManager.open(db)) {
            CompletableFuture<?> run = CompletableFuture.runAsync(() -> checkpoints.run(input,
                    RunOptions.of("model-paced", sim.url()).withRun("paced").withTemplate("{{question}}")
                            .withSaveInterval(1).withConcurrency(1)));
            try {
                while (count(db, "SELECT count(*) FROM progress WHERE run = 'paced' AND done > 0") == 0) {
                    assertThat(run).isNotDone();
                    Thread.sleep(50);
                }
                String dom = chromium.dom(base.resolve("/runs/paced"), 20_000);
                Matcher m = Pattern.compile("id=\"card-done\" data-first=\"(\\d+)\"><div class=\"v\">([\\d,]+)</div>")
                        .matcher(dom);
                assertThat(m.find()).as(dom).isTrue();
                long first = Long.parseLong(m.group(1));
                long last = Long.parseLong(m.group(2).replace(",", ""));
                assertThat(last).as("done after the polls, against the first render").isGreaterThan(first);
            } finally {
                checkpoints.requestStop();
                run.join();
            }
        }
    }

    @Test
    void runsAndRecordsNamedDotAndDotDotAreReachedFromTheirLinks() throws Exception {
        // The browser takes a dot segment out of a URL ("/runs/.." is "/", so is "/runs/%2E%2E"): their pages were
        // out of reach from the list.
        Path dots = dir.resolve("dots.db");
        Path input = Files.writeString(dir.resolve("dots.jsonl"), "{\"id\":\".\",\"question\":\"one dot\"}\n"
                + "{\"id\":\"..\",\"question\":\"two dots\"}\n{\"id\":\"q2\",\"question\":\"none\"}\n");
        for (String name : List.of(".", "..")) {
            Fixtures.run(dots, input, name, SimulatorSettings.builder().build());
        }
        try (Board dotBoard = Board.sqlite(dots);
             DashboardServer s = DashboardServer.start(dotBoard, new InetSocketAddress("127.0.0.1", 0))) {
            String list = chromium.dom(s.url(), BUDGET);
            for (String name : List.of(".", "..")) {
                Matcher link = Pattern.compile("<a href=\"([^\"]*)\">" + Pattern.quote(name) + "</a>")
                        .matcher(row(list, Pattern.quote(name)));
                assertThat(link.find()).as("the link of " + name).isTrue();
                String page = chromium.dom(s.url().resolve(link.group(1)), BUDGET);
                assertThat(page).as("the page of run " + name).contains("<title>" + name + " · stride</title>")
                        .containsPattern("id=\"card-done\"[^>]*><div class=\"v\">3</div>");
                for (String id : List.of(".", "..")) {
                    String record = chromium.dom(s.url().resolve(link.group(1) + "?record="
                            + URLEncoder.encode(id, StandardCharsets.UTF_8)), BUDGET);
                    assertThat(record).as("record " + id + " of run " + name)
                            .contains("<span id=\"record-id\">" + id + "</span>")
                            .contains(id.equals(".") ? "one dot" : "two dots");
                }
            }
        }
    }

    @Test
    void theRunPageOfAnInterruptedRunWaitsForItAndFollowsItWhenItIsResumed() throws Exception {
        Path waiting = dir.resolve("waiting.db");
        Path input = Fixtures.quoted(dir, "waiting.jsonl", 2000);
        Fixtures.interrupted(waiting, input, "waiting", 10);
        long doneBefore = count(waiting, "SELECT done FROM progress WHERE run = 'waiting'");
        try (Board plain = Board.sqlite(waiting);
             DashboardServer s = DashboardServer.start(plain, new InetSocketAddress("127.0.0.1", 0))) {
            String dom = chromium.dom(s.url().resolve("/runs/waiting"), 30_000);
            assertThat(dom).as("the page says what the run waits for, not that it is over").containsPattern(
                    "id=\"status\" class=\"conn\">interrupted: [\\d,]+ records not answered yet; run it again to resume")
                    .doesNotContain("nothing more to update");
            // The header says what the page does, as the status line does: not "every 2 s" of a run it looks at
            // every 10 s
            assertThat(dom).contains("<span id=\"refresh\"> · this page looks every 10 s for the run to be resumed"
                    + "</span>").contains("(this page looks every 10 s)").doesNotContain("every 2 s");
        }
        // The run is resumed to its end as the page looks again, 10 s (of virtual time) after it first drew it.
        try (Board plain = Board.sqlite(waiting);
             ResumingBoard resuming = new ResumingBoard(plain, () -> {
                 try {
                     Fixtures.run(waiting, input, "waiting", SimulatorSettings.builder().build());
                 } catch (IOException e) {
                     throw new UncheckedIOException(e);
                 }
             });
             DashboardServer s = DashboardServer.start(resuming, new InetSocketAddress("127.0.0.1", 0))) {
            String dom = chromium.dom(s.url().resolve("/runs/waiting"), 30_000);
            Matcher m = Pattern.compile("id=\"card-done\" data-first=\"(\\d+)\"><div class=\"v\">([\\d,]+)</div>")
                    .matcher(dom);
            assertThat(m.find()).as(dom).isTrue();
            assertThat(Long.parseLong(m.group(1))).as("the first render: the interrupted run").isEqualTo(doneBefore);
            assertThat(Long.parseLong(m.group(2).replace(",", ""))).as("after the run was resumed").isEqualTo(2000);
            assertThat(dom).contains("id=\"status\" class=\"conn\">finished: nothing more to update");
            assertThat(resuming.looksAfter.get()).as("the page stopped looking once the run was finished").isZero();
        }
    }

    /**
     * A database's board that runs {@code resume} as a run's page asks for the run again after it drew its records
     * (the server's own read-ahead as it starts asks for no records), and counts the looks after that one.
     */
    private static final class ResumingBoard implements Board {
        private final Board board;
        private final Runnable resume;
        private final AtomicBoolean drawn = new AtomicBoolean();
        private final AtomicBoolean resumed = new AtomicBoolean();
        final AtomicInteger looksAfter = new AtomicInteger();

        ResumingBoard(Board board, Runnable resume) {
            this.board = board;
            this.resume = resume;
        }

        @Override
        public Clock clock() {
            return board.clock();
        }

        @Override
        public Long answersOnlyInWal(Instant now) {
            return board.answersOnlyInWal(now);
        }

        @Override
        public Optional<RunDetail> run(String name, Instant now) {
            if (resumed.get()) {
                looksAfter.incrementAndGet();
            } else if (drawn.get() && resumed.compareAndSet(false, true)) {
                resume.run();
            }
            return board.run(name, now);
        }

        @Override
        public Optional<RecordPage> records(String run, RecordQuery query) {
            drawn.set(true);
            return board.records(run, query);
        }

        @Override
        public List<RunRow> runs(Instant now) {
            return board.runs(now);
        }

        @Override
        public Optional<RunRow> find(String name, Instant now) {
            return board.find(name, now);
        }

        @Override
        public List<Score> scores(String run) {
            return board.scores(run);
        }

        @Override
        public Map<String, RunScores> scoreboards() {
            return board.scoreboards();
        }

        @Override
        public Optional<RunScores> scoreboard(String run) {
            return board.scoreboard(run);
        }

        @Override
        public boolean scored(String run) {
            return board.scored(run);
        }

        @Override
        public Optional<RecordDetail> record(String run, String id, ScoredBy by) {
            return board.record(run, id, by);
        }

        @Override
        public Optional<ComparePage> differences(String a, String b, ScoredBy by, Differing only, long after,
                                                 int limit) {
            return board.differences(a, b, by, only, after, limit);
        }

        @Override
        public void close() {
        }
    }

    /** A screenshot into target/screenshots (the README's pictures are taken from there: see docs/images). */
    private void shoot(URI url, String name) throws Exception {
        Path folder = Files.createDirectories(Path.of("target", "screenshots"));
        chromium.screenshot(url, BUDGET, folder.resolve(name));
    }

    private static List<String> all(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
