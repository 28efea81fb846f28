package dev.stride.dashboard;

import static dev.stride.dashboard.Fixtures.count;
import static dev.stride.dashboard.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.core.Accuracy;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.core.WorkerInfo;
import dev.stride.db.Board;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.SimulatorSettings;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON API over real HTTP, against a database written by two real runs (one clean and scored, one where the
 * server fails some requests), checked against what sqlite3 reads from the same file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiTest {
    @TempDir
    static Path dir;

    Path db;
    Board board;
    DashboardServer server;
    URI base;

    @BeforeAll
    void runTwoRuns() throws Exception {
        db = dir.resolve("runs.db");
        Path input = Fixtures.questions(dir, "questions.jsonl", 120);
        Fixtures.run(db, input, "clean", SimulatorSettings.builder().build());
        Fixtures.run(db, input, "flaky", SimulatorSettings.builder().serverError(0.3).seed(7).build());
        Fixtures.score(db, "clean");
        board = Board.sqlite(db);
        server = DashboardServer.start(board, new InetSocketAddress("127.0.0.1", 0));
        base = server.url();
    }

    @AfterAll
    void stop() {
        server.close();
        board.close();
    }

    private JsonNode json(String path, int status) throws Exception {
        return json(base, path, status);
    }

    private static JsonNode json(URI base, String path, int status) throws Exception {
        HttpResponse<String> response = get(base, path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/json"));
        return BoardJson.MAPPER.readTree(response.body());
    }

    @Test
    void everyRunIsListedWithTheCountsTheDatabaseHolds() throws Exception {
        JsonNode runs = json("/api/runs", 200).get("runs");
        assertThat(runs).hasSize(2);
        for (JsonNode r : runs) {
            String name = r.get("name").asText();
            long done = count(db, "SELECT count(*) FROM results WHERE run = '" + name + "' AND status = 'done'");
            long failed = count(db, "SELECT count(*) FROM results WHERE run = '" + name + "' AND status = 'failed'");
            assertThat(r.get("done").asLong()).as(name).isEqualTo(done);
            assertThat(r.get("failed").asLong()).as(name).isEqualTo(failed);
            assertThat(r.get("total").asLong()).isEqualTo(120);
            assertThat(r.get("pending").asLong()).isEqualTo(120 - done - failed);
            assertThat(r.get("model").asText()).isEqualTo("model-" + name);
            assertThat(r.get("finished").asBoolean()).isTrue();
            // As status --json's rate_per_s: a finished run makes no pace now, which 0.0 would say it makes
            assertThat(r.get("rate_per_second").isNull()).as(name).isTrue();
            assertThat(r.get("seconds_left").isNull()).as(name).isTrue();
        }
        assertThat(runs.get(1).get("failed").asLong()).as("the flaky server failed some").isPositive();
        // The accuracy status's ACCURACY column shows, by the metric named: clean is scored, flaky is not.
        JsonNode clean = runs.get(0);
        assertThat(clean.get("name").asText()).isEqualTo("clean");
        assertThat(clean.get("accuracy").asDouble()).isEqualTo(
                count(db, "SELECT correct FROM scoreboard WHERE run = 'clean'")
                        / (double) count(db, "SELECT scored FROM scoreboard WHERE run = 'clean'"));
        assertThat(clean.get("accuracy_metric").asText()).isEqualTo("contains");
        assertThat(runs.get(1).get("accuracy").isNull()).as("flaky, never scored").isTrue();
    }

    @Test
    void aRunShowsItsTimelineTokensErrorsAndScores() throws Exception {
        JsonNode clean = json("/api/runs/clean", 200);
        JsonNode t = clean.get("timeline");
        assertThat(t.get("t").size()).isBetween(1, Board.MAX_POINTS);
        assertThat(t.get("per_second").size()).isEqualTo(t.get("t").size());
        double seconds = t.get("bucket_seconds").asDouble();
        double outcomes = 0;
        for (JsonNode v : t.get("per_second")) {
            outcomes += v.asDouble() * seconds;
        }
        assertThat(Math.round(outcomes)).as("the buckets hold every outcome").isEqualTo(120);
        assertThat(t.get("p99_ms").get(0).asLong()).isGreaterThanOrEqualTo(t.get("p50_ms").get(0).asLong());
        assertThat(clean.get("tokens").get("out").asLong())
                .isEqualTo(count(db, "SELECT sum(completion_tokens) FROM results WHERE run = 'clean'"));
        assertThat(clean.get("finish_reasons").get(0).get("reason").asText()).isEqualTo("stop");
        JsonNode score = clean.get("scores").get(0);
        assertThat(score.get("scored").asLong()).isEqualTo(120);
        assertThat(score.get("correct").asLong()).isEqualTo(count(db,
                "SELECT correct FROM scoreboard WHERE run = 'clean'"));

        JsonNode flaky = json("/api/runs/flaky", 200);
        JsonNode errors = flaky.get("errors");
        assertThat(errors.size()).isPositive();
        long failed = 0;
        for (JsonNode e : errors) {
            failed += e.get("count").asLong();
            assertThat(e.get("example").asText()).isNotBlank();
        }
        assertThat(failed).isEqualTo(count(db, "SELECT count(*) FROM results WHERE run = 'flaky' AND status = 'failed'"));
        assertThat(flaky.get("scores")).isEmpty();
    }

    @Test
    void aRunScoredLiveNamesItsWayAndTwoRegexScoringsReadApart() throws Exception {
        Path live = dir.resolve("live.db");
        Path input = Fixtures.questions(dir, "live.jsonl", 4);
        Fixtures.run(live, input, "a", SimulatorSettings.builder().build());
        Fixtures.run(live, input, "b", SimulatorSettings.builder().build());
        Fixtures.keepRegexScoring(live, "a", "\\b([A-D])\\b");
        Fixtures.keepRegexScoring(live, "b", "answer: (\\w+)");
        try (Board liveBoard = Board.sqlite(live);
             DashboardServer liveServer = DashboardServer.start(liveBoard, new InetSocketAddress("127.0.0.1", 0))) {
            JsonNode a = json(liveServer.url(), "/api/runs/a", 200).get("scoring");
            assertThat(a.get("metric").asText()).isEqualTo("regex");
            assertThat(a.get("label_field").asText()).isEqualTo("answer");
            assertThat(a.get("extract").asText()).isEqualTo("\\b([A-D])\\b");
            assertThat(json(liveServer.url(), "/api/runs/b", 200).get("scoring").get("extract").asText())
                    .isEqualTo("answer: (\\w+)");
        }
        // Scored by stride score alone, never live: the run keeps no way.
        assertThat(json("/api/runs/clean", 200).get("scoring").isNull()).isTrue();
    }

    @Test
    void recordsPageInInputOrderAndFilter() throws Exception {
        List<String> ids = new ArrayList<>();
        String after = "";
        int pages = 0;
        while (true) {
            JsonNode page = json("/api/runs/flaky/records?limit=25" + after, 200);
            page.get("records").forEach(r -> ids.add(r.get("id").asText()));
            pages++;
            if (page.get("next").isNull()) {
                break;
            }
            after = "&after=" + page.get("next").asLong();
        }
        assertThat(pages).isEqualTo(5);
        assertThat(ids).hasSize(120).doesNotHaveDuplicates().startsWith("q0", "q1", "q2", Fixtures.HOSTILE_ID);

        JsonNode failed = json("/api/runs/flaky/records?status=failed&limit=500", 200);
        assertThat(failed.get("records").size()).isEqualTo(
                count(db, "SELECT count(*) FROM results WHERE run = 'flaky' AND status = 'failed'"));
        failed.get("records").forEach(r -> assertThat(r.get("status").asText()).isEqualTo("failed"));

        JsonNode found = json("/api/runs/clean/records?q=" + URLEncoder.encode("question 11", StandardCharsets.UTF_8)
                + "&limit=500", 200);
        List<String> foundIds = new ArrayList<>();
        found.get("records").forEach(r -> foundIds.add(r.get("id").asText()));
        assertThat(foundIds).containsExactly("q11", "q110", "q111", "q112", "q113", "q114", "q115", "q116", "q117",
                "q118", "q119");
        assertThat(json("/api/runs/clean/records?q=q7&limit=5", 200).get("records").get(0).get("id").asText())
                .isEqualTo("q7");
    }

    @Test
    void aSearchFindsTextWhateverTheCaseOfItsLetters() throws Exception {
        List<String> byText = new ArrayList<>();
        json("/api/runs/clean/records?q=" + URLEncoder.encode("QUESTION 11", StandardCharsets.UTF_8) + "&limit=500",
                200).get("records").forEach(r -> byText.add(r.get("id").asText()));
        assertThat(byText).containsExactly("q11", "q110", "q111", "q112", "q113", "q114", "q115", "q116", "q117",
                "q118", "q119");
        assertThat(json("/api/runs/clean/records?q=Q7&limit=5", 200).get("records").get(0).get("id").asText())
                .as("an id too").isEqualTo("q7");
        // In the stored input, where a quote is escaped, and only there: a failed record echoes nothing
        JsonNode failed = json("/api/runs/flaky/records?status=failed&limit=1", 200).get("records").get(0);
        String id = failed.get("id").asText();
        String question = Fixtures.text(db, "SELECT json_extract(input, '$.question') FROM results"
                + " WHERE run = 'flaky' AND id = '" + id + "'");
        assertThat(json("/api/runs/flaky/records?status=failed&limit=500&q="
                + URLEncoder.encode(question.toUpperCase(java.util.Locale.ROOT), StandardCharsets.UTF_8), 200)
                .get("records").findValuesAsText("id")).contains(id);
    }

    @Test
    void anInterruptedRunIsNotFinishedUntilItIsResumedToItsEnd() throws Exception {
        Path waiting = dir.resolve("waiting.db");
        Path input = Fixtures.quoted(dir, "waiting.jsonl", 2000);
        Fixtures.interrupted(waiting, input, "waiting", 10);
        try (Board b = Board.sqlite(waiting);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            JsonNode run = json(s.url(), "/api/runs/waiting", 200).get("run");
            assertThat(run.get("state").asText()).isEqualTo("interrupted");
            assertThat(run.get("pending").asLong()).isPositive()
                    .isEqualTo(count(waiting, "SELECT pending FROM progress WHERE run = 'waiting'"));
            assertThat(run.get("finished").asBoolean()).as("records are left: the same command resumes it").isFalse();
            assertThat(run.get("rate_per_second").isNull()).as("stopped: no pace, as status says").isTrue();
            assertThat(json(s.url(), "/api/runs", 200).get("runs").get(0).get("finished").asBoolean()).isFalse();

            Fixtures.run(waiting, input, "waiting", SimulatorSettings.builder().build());
            run = json(s.url(), "/api/runs/waiting", 200).get("run");
            assertThat(run.get("state").asText()).isEqualTo("done");
            assertThat(run.get("pending").asLong()).isZero();
            assertThat(run.get("finished").asBoolean()).isTrue();
            assertThat(json(s.url(), "/api/runs", 200).get("runs").get(0).get("finished").asBoolean()).isTrue();
        }
    }

    /**
     * A run that stopped because no server answered says why, as status does, in the list and on its page; a run that
     * then goes on to its end says nothing of it (null, the key still there).
     */
    @Test
    void aStoppedRunSaysWhyUntilItGoesOn() throws Exception {
        Path stopped = dir.resolve("stopped.db");
        Path input = Fixtures.quoted(dir, "stopped.jsonl", 20);
        int port;
        try (ServerSocket nobody = new ServerSocket(0)) {
            port = nobody.getLocalPort(); // closed again: nobody listens there
        }
        String url = "http://127.0.0.1:" + port + "/v1";
        try (CheckpointManager checkpoints = CheckpointManager.open(stopped)) {
            RunOutcome outcome = checkpoints.run(input, RunOptions.of("model-stopped", url).withRun("stopped")
                    .withTemplate("Answer briefly: {{question}}"));
            assertThat(outcome.state()).isEqualTo(RunState.UNREACHABLE);
        }
        try (Board b = Board.sqlite(stopped);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            JsonNode run = json(s.url(), "/api/runs/stopped", 200).get("run");
            assertThat(run.get("state").asText()).isEqualTo("stopped");
            assertThat(run.get("stop_reason").asText()).startsWith("no server answered: " + url + " (connection");
            assertThat(json(s.url(), "/api/runs", 200).get("runs").get(0).get("stop_reason"))
                    .isEqualTo(run.get("stop_reason"));

            Fixtures.run(stopped, input, "stopped", SimulatorSettings.builder().build());
            run = json(s.url(), "/api/runs/stopped", 200).get("run");
            assertThat(run.get("state").asText()).isEqualTo("done");
            assertThat(run.has("stop_reason")).isTrue();
            assertThat(run.get("stop_reason").isNull()).as("%s", run).isTrue();
        }
    }

    @Test
    void aLiveWorkerTellsTheRequestsItHasOutBesideItsLimit() throws Exception {
        Path live = dir.resolve("live.db");
        Fixtures.run(live, Fixtures.questions(dir, "live.jsonl", 5), "live", SimulatorSettings.builder().build());
        // Two workers of the run as their rows say between heartbeats: one under --concurrency auto that tells its
        // requests out, one that tells its limit alone (a worker of an older version).
        try (Board b = Board.sqlite(live);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0));
             SqliteCheckpointStore telling = SqliteCheckpointStore.open(live);
             SqliteCheckpointStore older = SqliteCheckpointStore.open(live)) {
            long run = telling.findRun("live").orElseThrow().id();
            telling.reportInFlight(run, 27, true, List.of());
            telling.join(run, Duration.ofMinutes(5));
            telling.reportRequestsOut(run, 23);
            telling.renewLease(run);
            older.reportInFlight(run, 64, false, List.of());
            older.join(run, Duration.ofMinutes(5));
            // Failed records are not done ones: the run's own counts keep them apart, and so does each worker's.
            Fixtures.execute(live, "UPDATE workers SET done = 7, failed = 2 WHERE number = 1");

            for (JsonNode shown : List.of(json(s.url(), "/api/runs/live", 200).get("run"),
                    json(s.url(), "/api/runs", 200).get("runs").get(0))) {
                JsonNode workers = shown.get("workers");
                assertThat(workers).hasSize(2);
                assertThat(workers.get(0).get("in_flight").asInt()).as("the limit, as before").isEqualTo(27);
                assertThat(workers.get(0).get("concurrency").asText()).isEqualTo("auto");
                assertThat(workers.get(0).path("requests_out").asInt(-1)).isEqualTo(23).isEqualTo(
                        count(live, "SELECT requests_out FROM workers WHERE number = 1"));
                assertThat(workers.get(0).get("done").asLong()).isEqualTo(7);
                assertThat(workers.get(0).get("failed").asLong()).isEqualTo(2);
                assertThat(workers.get(1).get("in_flight").asInt()).isEqualTo(64);
                assertThat(workers.get(1).get("requests_out").isNull()).as("a worker that did not tell them").isTrue();
                assertThat(workers.get(0).path("in_flight_at").asText()).as("when the figures were written, as status "
                        + "--json says").isEqualTo(java.time.Instant.parse(Fixtures.text(live, "SELECT replace(in_flight_at, ' ', 'T') || 'Z' "
                        + "FROM workers WHERE number = 1")).toString());
            }
        }
    }

    /**
     * A run whose one live worker waits for its server is shown waiting, with no pace, and the worker with since when
     * it waits, as status says; once the worker tells that answers came again, the run is running again.
     */
    @Test
    void aRunWhoseWorkersWaitForTheirServerIsWaitingWithoutAPace() throws Exception {
        Path live = dir.resolve("away.db");
        Fixtures.run(live, Fixtures.questions(dir, "away.jsonl", 5), "away", SimulatorSettings.builder().build());
        try (Board b = Board.sqlite(live);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0));
             SqliteCheckpointStore worker = SqliteCheckpointStore.open(live)) {
            long run = worker.findRun("away").orElseThrow().id();
            worker.reportInFlight(run, 8, false, List.of());
            worker.join(run, Duration.ofMinutes(5));
            // Going, as a worker that saved its cursor a moment ago leaves it.
            worker.saveCursor(run, 1000, RunState.RUNNING);
            Instant since = Instant.now().minusSeconds(12).truncatedTo(ChronoUnit.MILLIS);
            worker.reportServerWait(run, since);
            worker.renewLease(run);

            for (JsonNode shown : List.of(json(s.url(), "/api/runs/away", 200).get("run"),
                    json(s.url(), "/api/runs", 200).get("runs").get(0))) {
                assertThat(shown.get("state").asText()).as("%s", shown).isEqualTo("waiting");
                assertThat(shown.get("seconds_left").isNull()).as("no time left at a pace it does not make").isTrue();
                assertThat(shown.get("rate_per_second").isNull()).as("as status --json's rate_per_s").isTrue();
                JsonNode w = shown.get("workers").get(0);
                assertThat(w.get("waiting_since").asText()).isEqualTo(since.toString());
                assertThat(w.get("waiting").asBoolean()).isTrue();
            }

            worker.reportServerWait(run, null);
            worker.renewLease(run);
            JsonNode shown = json(s.url(), "/api/runs/away", 200).get("run");
            assertThat(shown.get("state").asText()).as("%s", shown).isEqualTo("running");
            assertThat(shown.get("rate_per_second").isNumber()).as("a run that goes has a pace, 0 or more").isTrue();
            assertThat(shown.get("workers").get(0).get("waiting_since").isNull()).isTrue();
            assertThat(shown.get("workers").get(0).get("waiting").asBoolean()).isFalse();
        }
    }

    /**
     * A worker killed on another machine keeps its lease, so it is still among the live workers, but it writes its
     * figures no more: judged on the dashboard's clock, fixed here where the other worker last wrote its own.
     */
    @Test
    void aWorkerThatStoppedWritingItsFiguresIsLeftOutOfTheTotalInFlight() throws Exception {
        Path live = dir.resolve("silent.db");
        Fixtures.run(live, Fixtures.questions(dir, "silent.jsonl", 5), "live", SimulatorSettings.builder().build());
        try (Board b = Board.sqlite(live);
             SqliteCheckpointStore silent = SqliteCheckpointStore.open(live);
             SqliteCheckpointStore fresh = SqliteCheckpointStore.open(live)) {
            long run = silent.findRun("live").orElseThrow().id();
            silent.reportInFlight(run, 32, true, List.of());
            silent.join(run, Duration.ofMinutes(5));
            silent.reportRequestsOut(run, 30);
            silent.renewLease(run);
            fresh.reportInFlight(run, 27, true, List.of());
            fresh.join(run, Duration.ofMinutes(5));
            fresh.reportRequestsOut(run, 23);
            fresh.renewLease(run);
            // Worker 1's figures (and heartbeat) as of two minutes before worker 2 last wrote its own.
            Fixtures.execute(live, "UPDATE workers SET in_flight_at = strftime('%Y-%m-%d %H:%M:%f',"
                    + " (SELECT in_flight_at FROM workers WHERE number = 2), '-120 seconds'),"
                    + " heartbeat_at = strftime('%Y-%m-%d %H:%M:%f', (SELECT in_flight_at FROM workers"
                    + " WHERE number = 2), '-120 seconds') WHERE number = 1");
            Instant freshAt = Instant.parse(Fixtures.text(live, "SELECT replace(in_flight_at, ' ', 'T') || 'Z'"
                    + " FROM workers WHERE number = 2"));

            for (Instant now : List.of(freshAt, freshAt.plus(WorkerInfo.FIGURES_STALE_AFTER).minusMillis(1))) {
                try (DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0), null,
                        Clock.fixed(now, ZoneOffset.UTC))) {
                    for (JsonNode shown : List.of(json(s.url(), "/api/runs/live", 200).get("run"),
                            json(s.url(), "/api/runs", 200).get("runs").get(0))) {
                        assertThat(shown.get("live_workers").asInt()).as("its lease holds").isEqualTo(2);
                        JsonNode workers = shown.get("workers");
                        assertThat(workers.get(0).get("in_flight_stale").asBoolean()).isTrue();
                        assertThat(workers.get(0).get("requests_out").asInt()).as("still shown, with its time")
                                .isEqualTo(30);
                        assertThat(workers.get(1).get("in_flight_stale").asBoolean()).isFalse();
                        JsonNode total = shown.get("in_flight_total");
                        assertThat(total.get("requests_out").asInt()).as("the fresh worker's alone").isEqualTo(23);
                        assertThat(total.get("limit").asInt()).isEqualTo(27);
                        assertThat(total.get("concurrency").asText()).isEqualTo("auto");
                        assertThat(total.get("auto_workers").asInt()).isEqualTo(1);
                        assertThat(total.get("workers").asInt()).isEqualTo(1);
                        assertThat(total.get("stale_workers").asInt()).isEqualTo(1);
                    }
                }
            }
            // Once the other's figures are as old, neither counts; the workers are still there to say so.
            try (DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0), null,
                    Clock.fixed(freshAt.plus(WorkerInfo.FIGURES_STALE_AFTER), ZoneOffset.UTC))) {
                JsonNode total = json(s.url(), "/api/runs/live", 200).get("run").get("in_flight_total");
                assertThat(total.get("workers").asInt()).isZero();
                assertThat(total.get("stale_workers").asInt()).isEqualTo(2);
                assertThat(total.get("limit").asInt()).isZero();
                assertThat(total.get("requests_out").isNull()).isTrue();
            }
        }
    }

    /**
     * The dashboard judges the age of the workers' figures by the board's clock, not this machine's: on PostgreSQL
     * the workers stamp them with the server's, which the dashboard's machine may be minutes away from.
     */
    @Test
    void aDashboardJudgesTheWorkersFiguresByTheBoardsClock() throws Exception {
        Path live = dir.resolve("clocked.db");
        Fixtures.run(live, Fixtures.questions(dir, "clocked.jsonl", 5), "live", SimulatorSettings.builder().build());
        try (Board b = Board.sqlite(live); SqliteCheckpointStore worker = SqliteCheckpointStore.open(live)) {
            long run = worker.findRun("live").orElseThrow().id();
            worker.reportInFlight(run, 8, false, List.of());
            worker.join(run, Duration.ofMinutes(5));
            worker.reportRequestsOut(run, 6);
            worker.renewLease(run);
            // The same board, its clock two minutes ahead of this machine's (as a server's can be).
            Board ahead = (Board) Proxy.newProxyInstance(Board.class.getClassLoader(), new Class<?>[] {Board.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("clock")) {
                            return Clock.offset(b.clock(), Duration.ofMinutes(2));
                        }
                        try {
                            return method.invoke(b, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            for (Board shown : List.of(b, ahead)) {
                try (DashboardServer s = DashboardServer.start(shown, new InetSocketAddress("127.0.0.1", 0))) {
                    JsonNode worker1 = json(s.url(), "/api/runs/live", 200).get("run").get("workers").get(0);
                    assertThat(worker1.get("in_flight_stale").asBoolean()).as("judged by %s", shown.clock())
                            .isEqualTo(shown == ahead);
                }
            }
        }
    }

    /**
     * A run's object has the same keys whatever its state, each worker's whatever it tells: a client reading
     * {@code in_flight_total} of a finished run met a KeyError where the key was left out. Null where nothing is known.
     */
    @Test
    void aRunHasEveryKeyInEveryStateNullWhereNothingIsKnown() throws Exception {
        Path live = dir.resolve("keys.db");
        Fixtures.run(live, Fixtures.questions(dir, "keys.jsonl", 5), "live", SimulatorSettings.builder().build());
        Fixtures.run(live, Fixtures.questions(dir, "keys-done.jsonl", 5), "done", SimulatorSettings.builder().build());
        // Three workers of "live": one that tells its limit and requests out, one of an older version that tells its
        // limit alone, one that has told nothing yet.
        try (Board b = Board.sqlite(live);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0));
             SqliteCheckpointStore telling = SqliteCheckpointStore.open(live);
             SqliteCheckpointStore older = SqliteCheckpointStore.open(live);
             SqliteCheckpointStore silent = SqliteCheckpointStore.open(live)) {
            long run = telling.findRun("live").orElseThrow().id();
            telling.reportInFlight(run, 27, true, List.of());
            telling.join(run, Duration.ofMinutes(5));
            telling.reportRequestsOut(run, 23);
            telling.renewLease(run);
            older.reportInFlight(run, 64, false, List.of());
            older.join(run, Duration.ofMinutes(5));
            silent.join(run, Duration.ofMinutes(5));

            JsonNode runs = json(s.url(), "/api/runs", 200).get("runs");
            JsonNode going = runs.get(0);
            JsonNode done = runs.get(1);
            assertThat(done.get("name").asText()).isEqualTo("done");
            assertThat(done.get("live_workers").asInt()).isZero();
            assertThat(keys(done)).as("a run no worker is on").isEqualTo(keys(going));
            assertThat(done.get("in_flight_total").isNull()).as("no worker tells any figure").isTrue();
            assertThat(done.get("answers_only_in_wal").isNull()).as("the file alone holds them all").isTrue();
            assertThat(going.get("in_flight_total").get("requests_out").asInt()).isEqualTo(23);
            JsonNode goingPage = json(s.url(), "/api/runs/live", 200).get("run");
            assertThat(keys(json(s.url(), "/api/runs/done", 200).get("run"))).isEqualTo(keys(goingPage));
            // The list adds the accuracy status's column shows; a run's page has its whole scoreboard beside it
            List<String> listed = new ArrayList<>(keys(going));
            listed.removeAll(List.of("accuracy", "accuracy_metric"));
            assertThat(keys(goingPage)).isEqualTo(listed);

            JsonNode workers = going.get("workers");
            assertThat(workers).hasSize(3);
            assertThat(keys(workers.get(1))).isEqualTo(keys(workers.get(0)));
            assertThat(keys(workers.get(2))).isEqualTo(keys(workers.get(0)));
            assertThat(workers.get(1).get("requests_out").isNull()).as("told no requests out").isTrue();
            JsonNode none = workers.get(2);
            for (String key : List.of("in_flight", "in_flight_at", "in_flight_stale", "concurrency", "servers",
                    "requests_out")) {
                assertThat(none.get(key).isNull()).as("%s of a worker that told nothing: %s", key, none).isTrue();
            }
            assertThat(workers.get(0).get("servers").isArray()).as("told, with no server of its own apart").isTrue();
        }
    }

    private static List<String> keys(JsonNode o) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /**
     * A listed record gives its answer and its error apart, as its own page does: a failed one's error was given as
     * its "answer", and a client reading answers took errors for the model's.
     */
    @Test
    void aListedRecordGivesItsAnswerAndItsErrorApartAsItsDetailDoes() throws Exception {
        JsonNode failed = json("/api/runs/flaky/records?status=failed&limit=3", 200).get("records");
        JsonNode answered = json("/api/runs/flaky/records?status=done&limit=3", 200).get("records");
        assertThat(failed).isNotEmpty();
        assertThat(answered).isNotEmpty();
        for (JsonNode listed : List.of(failed, answered)) {
            for (JsonNode r : listed) {
                JsonNode detail = json("/api/runs/flaky/records/" + URLEncoder.encode(r.get("id").asText(),
                        StandardCharsets.UTF_8).replace("+", "%20"), 200);
                for (String key : List.of("error_kind", "status")) {
                    assertThat(r.get(key)).as("%s of %s", key, r).isEqualTo(detail.get(key));
                }
                // A list shows the start of a long text (160 characters and "…"); its page, the whole.
                for (String key : List.of("answer", "error")) {
                    JsonNode shown = r.get(key);
                    if (shown.isTextual() && shown.asText().endsWith("…")) {
                        String start = shown.asText().substring(0, shown.asText().length() - 1);
                        assertThat(detail.get(key).asText()).as("%s of %s", key, r).startsWith(start)
                                .isNotEqualTo(start);
                    } else {
                        assertThat(shown).as("%s of %s", key, r).isEqualTo(detail.get(key));
                    }
                }
            }
        }
        JsonNode first = failed.get(0);
        assertThat(first.get("answer").isNull()).as("%s", first).isTrue();
        assertThat(first.get("error").asText()).as("the error, as it is stored").isEqualTo(Fixtures.text(db,
                "SELECT error FROM results WHERE run = 'flaky' AND id = '" + first.get("id").asText() + "'"));
        assertThat(answered.get(0).get("error").isNull()).isTrue();
    }

    /**
     * After kill -9, the answers the stopped stride left in the WAL (a copy of the .db alone would lack them): each
     * run of the file says how many, as {@code status --json}'s {@code answers_only_in_wal} does.
     */
    @Test
    void aRunSaysHowManyAnswersAStoppedStrideLeftOnlyInTheWal() throws Exception {
        Path killed = Fixtures.leftInWal(dir, "killed", 50, 30);
        try (Board b = Board.sqlite(killed);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            JsonNode listed = json(s.url(), "/api/runs", 200).get("runs").get(0);
            assertThat(listed.get("state").asText()).isEqualTo("interrupted");
            assertThat(listed.get("answers_only_in_wal").asLong()).isEqualTo(30);
            assertThat(json(s.url(), "/api/runs/killed", 200).get("run").get("answers_only_in_wal").asLong())
                    .isEqualTo(30);
        }
        assertThat(Files.size(Path.of(killed + "-wal"))).as("read, not folded in").isPositive();
        assertThat(json("/api/runs/clean", 200).get("run").get("answers_only_in_wal").isNull())
                .as("a file that holds everything").isTrue();
    }

    @Test
    void aSearchForTextWithQuotesFindsTheRecordsWhoseInputHoldsIt() throws Exception {
        Path waiting = dir.resolve("quoted.db");
        Fixtures.interrupted(waiting, Fixtures.quoted(dir, "quoted.jsonl", 2000), "quoted", 10);
        try (Board b = Board.sqlite(waiting);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            String q = "&q=" + URLEncoder.encode(Fixtures.QUOTED, StandardCharsets.UTF_8);
            // Pending records have no answer to echo the text: only their input, stored as JSON, holds it.
            JsonNode pending = json(s.url(), "/api/runs/quoted/records?status=pending&limit=500" + q, 200);
            assertThat(pending.get("records")).hasSize(500);
            pending.get("records").forEach(r -> assertThat(r.get("status").asText()).isEqualTo("pending"));
            // Every record of the run holds it, whatever its status: the first page is the first 50 of the input.
            List<String> ids = new ArrayList<>();
            json(s.url(), "/api/runs/quoted/records?limit=50" + q, 200).get("records")
                    .forEach(r -> ids.add(r.get("id").asText()));
            assertThat(ids).hasSize(50).startsWith("w0", "w1", "w2").endsWith("w49");
            // A backslash alone, and the text as it is stored, find them too; a near miss finds none.
            assertThat(json(s.url(), "/api/runs/quoted/records?status=pending&limit=5&q=back%5Cslash", 200)
                    .get("records")).hasSize(5);
            assertThat(json(s.url(), "/api/runs/quoted/records?status=pending&limit=5&q="
                    + URLEncoder.encode("\\\"quotes\\\"", StandardCharsets.UTF_8), 200).get("records")).hasSize(5);
            assertThat(json(s.url(), "/api/runs/quoted/records?limit=5&q="
                    + URLEncoder.encode("\"quotes\"\"", StandardCharsets.UTF_8), 200).get("records")).isEmpty();
        }
    }

    @Test
    void aRecordShowsInputPromptAndAnswer() throws Exception {
        JsonNode r = json("/api/runs/clean/records/" + URLEncoder.encode(Fixtures.HOSTILE_ID, StandardCharsets.UTF_8)
                .replace("+", "%20"), 200);
        assertThat(r.get("id").asText()).isEqualTo(Fixtures.HOSTILE_ID);
        assertThat(r.get("prompt").asText()).isEqualTo("Answer briefly: " + Fixtures.HOSTILE);
        assertThat(r.get("answer").asText()).contains(Fixtures.HOSTILE);
        assertThat(BoardJson.MAPPER.readTree(r.get("input").asText()).get("question").asText())
                .isEqualTo(Fixtures.HOSTILE);
        assertThat(r.get("status").asText()).isEqualTo("done");
        assertThat(r.get("label").asText()).isEqualTo("nothing like it");
        assertThat(r.get("score").asInt()).isZero();
    }

    @Test
    void compareNamesTheRecordsAnsweredDifferently() throws Exception {
        JsonNode c = json("/api/compare?a=clean&b=flaky", 200);
        assertThat(c.get("a").get("scores").get(0).get("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(c.get("b").get("scores")).isEmpty();
        // The simulator answers alike for both models: no record both answered differs.
        assertThat(c.get("differences")).isEmpty();
        assertThat(c.get("next").isNull()).isTrue();
        // ... and it says over how many records both answered, so that "none differ" means something
        assertThat(c.get("answered_by_both").asLong()).isPositive().isEqualTo(count(db, "SELECT count(*) FROM"
                + " results a JOIN results b ON b.run = 'flaky' AND b.id = a.id AND b.status = 'done'"
                + " WHERE a.run = 'clean' AND a.status = 'done'"));
    }

    @Test
    void anAccuracyIsTheOneStrideScorePrintsNotTheViewsFourPlaces() throws Exception {
        // 14 of 27 right: 51.85%, which stride score prints as 51.9%; the view's 0.5185 would show 51.8%
        Path odd = dir.resolve("odd.db");
        Fixtures.run(odd, Fixtures.questions(dir, "odd.jsonl", 27), "odd", SimulatorSettings.builder().build());
        Fixtures.score(odd, "odd");
        try (Board b = Board.sqlite(odd);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            JsonNode score = json(s.url(), "/api/runs/odd", 200).get("scores").get(0);
            assertThat(score.get("correct").asLong()).isEqualTo(14);
            assertThat(score.get("scored").asLong()).isEqualTo(27);
            Accuracy wilson = Accuracy.wilson(14, 27);
            assertThat(score.get("accuracy").asDouble()).isEqualTo(14.0 / 27);
            assertThat(score.get("ci_low").asDouble()).isEqualTo(wilson.low());
            assertThat(score.get("ci_high").asDouble()).isEqualTo(wilson.high());
            assertThat(String.format(java.util.Locale.ROOT, "%.1f", score.get("accuracy").asDouble() * 100))
                    .isEqualTo("51.9");
        }
    }

    @Test
    void compareSaysWhenTwoRunsShareNoAnsweredRecord() throws Exception {
        Path apart = Fixtures.disjoint(dir, dir.resolve("apart.db"));
        try (Board b = Board.sqlite(apart);
             DashboardServer s = DashboardServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
            JsonNode c = json(s.url(), "/api/compare?a=left&b=right", 200);
            assertThat(c.get("differences")).isEmpty();
            assertThat(c.get("answered_by_both").asLong()).as("nothing to compare, not two runs that agree")
                    .isZero();
            assertThat(c.get("searched_through").asLong()).isEqualTo(c.get("last_seq").asLong()).isEqualTo(1);
            assertThat(c.get("next").isNull()).isTrue();
        }
    }

    @Test
    void unknownRunsAndRecordsAre404InJson() throws Exception {
        assertThat(json("/api/runs/nope", 404).get("error").asText()).contains("nope");
        assertThat(json("/api/runs/nope/records", 404).get("error").asText()).contains("nope");
        assertThat(json("/api/runs/clean/records/nope", 404).get("error").asText()).contains("nope");
        assertThat(json("/api/compare?a=clean&b=nope", 404).get("error").asText()).contains("nope");
        assertThat(json("/api/runs/clean/records?status=weird", 400).get("error").asText()).contains("status");
        assertThat(json("/api/runs/clean/records?after=x", 400).get("error").asText()).contains("after");
    }

    /**
     * A page's limit or start out of its range is refused with one line that names the parameter and the range: taken
     * as the nearest value in it, limit=-1 gave one record and limit=100000 five hundred, and the caller never knew.
     */
    @Test
    void aLimitOrStartOutOfItsRangeIsA400NamingTheRange() throws Exception {
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("limit=-1", "limit must be a whole number from 1 to 500, not '-1'");
        refused.put("limit=0", "limit must be a whole number from 1 to 500, not '0'");
        refused.put("limit=501", "limit must be a whole number from 1 to 500, not '501'");
        refused.put("limit=100000", "limit must be a whole number from 1 to 500, not '100000'");
        refused.put("limit=99999999999999999999", "limit must be a whole number from 1 to 500, not"
                + " '99999999999999999999'");
        refused.put("limit=ten", "limit must be a whole number from 1 to 500, not 'ten'");
        refused.put("limit=2.5", "limit must be a whole number from 1 to 500, not '2.5'");
        refused.put("after=-5", "after must be a whole number from 0, not '-5'");
        refused.put("after=-1", "after must be a whole number from 0, not '-1'");
        refused.put("after=x", "after must be a whole number from 0, not 'x'");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            for (String path : List.of("/api/runs/clean/records?", "/api/compare?a=clean&b=flaky&")) {
                HttpResponse<String> response = get(base, path + e.getKey());
                assertThat(response.statusCode()).as(path + e.getKey()).isEqualTo(400);
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                        t -> assertThat(t).startsWith("application/json"));
                assertThat(response.body().strip()).as(path + e.getKey())
                        .isEqualTo("{\"error\":\"" + e.getValue() + "\"}");
            }
        }
        // The ends of each range, and no value at all, still go.
        assertThat(json("/api/runs/clean/records?limit=1", 200).get("records")).hasSize(1);
        assertThat(json("/api/runs/clean/records?limit=500&after=0", 200).get("records")).hasSize(119);
        assertThat(json("/api/runs/clean/records?limit=&after=", 200).get("records")).hasSize(Api.DEFAULT_LIMIT);
        assertThat(json("/api/compare?a=clean&b=flaky&limit=500&after=0", 200).has("differences")).isTrue();
    }

    @Test
    void thePageOfAnUnknownRunIsA404() throws Exception {
        for (String run : List.of("no-such-run", "clean%2Fx")) {
            HttpResponse<String> response = get(base, "/runs/" + run);
            assertThat(response.statusCode()).as(run).isEqualTo(404);
            // Still the page, which says what is missing and links to the runs list
            assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(response.body()).contains("<script src=\"/assets/app.js\"");
        }
        assertThat(get(base, "/runs/clean").statusCode()).isEqualTo(200);
    }

    @Test
    void wrongAnswersOfARunNotScoredAreRefusedNotAnEmptyList() throws Exception {
        assertThat(json("/api/runs/flaky/records?status=wrong", 400).get("error").asText())
                .contains("'flaky' is not scored");
        assertThat(json("/api/runs/clean/records?status=wrong&limit=500", 200).get("records").size()).isEqualTo(
                count(db, "SELECT count(*) FROM results WHERE run = 'clean' AND score = 0"));
        assertThat(json("/api/runs/nope/records?status=wrong", 404).get("error").asText()).contains("nope");
    }

    @Test
    void theComparePageOfAnUnknownRunIsA404() throws Exception {
        for (String query : List.of("a=nope&b=clean", "a=clean&b=nope")) {
            HttpResponse<String> response = get(base, "/compare?" + query);
            assertThat(response.statusCode()).as(query).isEqualTo(404);
            assertThat(response.body()).contains("<script src=\"/assets/app.js\"");
        }
        assertThat(get(base, "/compare?a=clean&b=flaky").statusCode()).isEqualTo(200);
        assertThat(get(base, "/compare").statusCode()).as("the page says to name two runs").isEqualTo(200);
    }

    @Test
    void anUnknownRunIsLookedForInTheDatabaseAsTheDashboardNamesIt() throws Exception {
        assertThat(json("/api/runs/nope", 404).has("database")).as("a dashboard told no name").isFalse();
        try (DashboardServer s = DashboardServer.start(board, new InetSocketAddress("127.0.0.1", 0), "runs.db")) {
            JsonNode error = json(s.url(), "/api/runs/nope", 404);
            assertThat(error.get("error").asText()).isEqualTo("no run named 'nope'");
            assertThat(error.get("database").asText()).isEqualTo("runs.db");
            assertThat(json(s.url(), "/api/runs/clean/records/nope", 404).has("database"))
                    .as("the run is there: the record is not").isFalse();
        }
    }

    @Test
    void everyAnswerForbidsForeignScriptsAndSniffing() throws Exception {
        for (String path : List.of("/", "/runs/clean", "/api/runs", "/assets/app.js", "/assets/uPlot.iife.min.js")) {
            HttpResponse<String> response = get(base, path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Security-Policy")).as(path)
                    .hasValueSatisfying(p -> assertThat(p).startsWith("default-src 'self'"));
            assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        assertThat(get(base, "/assets/../pom.xml").statusCode()).isEqualTo(404);
    }

    @Test
    void nothingInTheFileChangesWhileTheDashboardReads() throws Exception {
        byte[] before = Files.readAllBytes(db);
        json("/api/runs", 200);
        json("/api/runs/clean", 200);
        json("/api/runs/clean/records?q=x", 200);
        assertThat(Files.readAllBytes(db)).isEqualTo(before);
    }
}
