package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.ServerLimit;
import dev.stride.core.WorkerInfo;
import dev.stride.db.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status --json} gives every key whatever the run's state and database, null where nothing is known, as the
 * dashboard's JSON does: a script reading the cost, the shard, the workers or the -wal of a fresh run met a missing
 * key where a finished one had it.
 */
class StatusJsonKeysTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    /** The keys of each of the four objects: the list's and the run's own, of a fresh run and of a finished one. */
    private record Keys(List<String> freshListed, List<String> finishedListed, List<String> freshOwn,
                        List<String> finishedOwn, List<String> worker) {
    }

    @Test
    void aFreshRunAndAFinishedScoredRunGiveTheSameKeysOnSqliteAndPostgresql() throws Exception {
        Keys sqlite = keysOfAFreshAndAFinishedScoredRun(dir.resolve("runs.db").toString());
        Keys postgres = keysOfAFreshAndAFinishedScoredRun(PG.url());

        assertThat(sqlite.freshListed()).isEqualTo(sqlite.finishedListed())
                .contains("cost", "shard", "workers", "stop_reason", "accuracy", "file_alone_whole", "wal_bytes",
                        "answers_only_in_wal");
        assertThat(sqlite.freshOwn()).isEqualTo(sqlite.finishedOwn())
                .contains("cost", "shard", "workers", "file_alone_whole");
        // The file's keys are there on PostgreSQL too, null: it has no file.
        assertThat(postgres).isEqualTo(sqlite);
    }

    private Keys keysOfAFreshAndAFinishedScoredRun(String db) throws Exception {
        Path mcq = dir.resolve("mcq.jsonl");
        Files.writeString(mcq, "{\"id\":\"a\",\"question\":\"one\",\"answer\":\"A\"}\n"
                + "{\"id\":\"b\",\"question\":\"two\",\"answer\":\"B\"}\n", StandardCharsets.UTF_8);
        stride.model.answering(prompt -> FakeModelServer.ok("The answer is A"));
        Cli.Result scored = EN.run("run", mcq.toString(), "--db", db, "--model", "m", "--run", "scored",
                "--base-url", stride.url(), "--template", "{{question}}", "--label-field", "answer", "--metric",
                "choice", "--log-every", "0");
        assertThat(scored.exitCode()).as(scored.all()).isZero();

        // A fresh run: its worker live, its requests held, nothing answered, no score, no stop reason.
        CountDownLatch release = new CountDownLatch(1);
        stride.model.holdingAfter(0, release);
        Path input = questions(dir, "q.jsonl", 4);
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> new Cli().run("run",
                input.toString(), "--db", db, "--model", "m", "--run", "fresh", "--base-url", stride.url(),
                "--template", "{{question}}", "--concurrency", "2", "--log-every", "0"));
        try {
            JsonNode listed = Eventually.get("the fresh run at work", Duration.ofSeconds(60), () -> {
                Cli.Result r = EN.run("status", "--db", db, "--json");
                if (r.exitCode() != 0 || r.out().isBlank()) {
                    return null;
                }
                JsonNode all = JSON.readTree(r.out());
                return all.size() == 2 && all.get(1).path("workers").path(0).path("requests_out").asInt(-1) == 2
                        ? all : null;
            });
            JsonNode fresh = listed.get(1);
            JsonNode finished = listed.get(0);
            assertThat(fresh.get("run").asText()).isEqualTo("fresh");
            assertThat(fresh.get("done").asInt()).isZero();
            assertThat(fresh.get("cost").isNull()).isTrue();
            assertThat(fresh.get("shard").isNull()).isTrue();
            assertThat(fresh.get("accuracy").isNull()).isTrue();
            assertThat(finished.get("workers").isArray()).isTrue();
            assertThat(finished.get("workers").isEmpty()).isTrue();
            assertThat(finished.get("accuracy").isNumber()).as(finished.toString()).isTrue();
            JsonNode freshOwn = JSON.readTree(EN.run("status", "--db", db, "--run", "fresh", "--json").out());
            JsonNode finishedOwn = JSON.readTree(EN.run("status", "--db", db, "--run", "scored", "--json").out());
            return new Keys(keys(fresh), keys(finished), keys(freshOwn), keys(finishedOwn),
                    keys(fresh.get("workers").get(0)));
        } finally {
            release.countDown();
            Cli.Result r = running.get();
            assertThat(r.exitCode()).as(r.all()).isZero();
        }
    }

    /**
     * A worker that tells its figures, with and without servers of its own, and one that tells none (a stride before
     * them): the same keys, each null where nothing was told, and {@code servers} shaped as the dashboard's.
     */
    @Test
    void everyWorkerGivesTheSameKeysNullWhereItToldNothing() {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        Instant start = now.minusSeconds(60);
        List<WorkerInfo> workers = List.of(
                new WorkerInfo(1, "h", 11, start, now, 5, 0, 8, true,
                        List.of(new ServerLimit("http://gpu1:8000/v1", 8, false)), 3, false, now, null, 0, 0),
                new WorkerInfo(2, "h", 12, start, now, 5, 0, 4, false, List.of(), null, false, now, null, null, null),
                new WorkerInfo(3, "h", 13, start, now, 5, 0));
        ObjectNode o = JSON.createObjectNode();

        WorkerLines.putJson(o, workers, now);

        JsonNode told = o.get("workers").get(0);
        JsonNode noServers = o.get("workers").get(1);
        JsonNode none = o.get("workers").get(2);
        assertThat(keys(noServers)).isEqualTo(keys(told));
        assertThat(keys(none)).isEqualTo(keys(told));
        assertThat(told.get("servers").size()).isEqualTo(1);
        assertThat(noServers.get("servers").isArray()).isTrue();
        assertThat(noServers.get("servers").isEmpty()).isTrue();
        assertThat(noServers.get("requests_out").isNull()).isTrue();
        for (String key : List.of("in_flight_at", "in_flight", "concurrency", "servers", "requests_out")) {
            assertThat(none.get(key).isNull()).as("%s of a worker that told nothing: %s", key, none).isTrue();
        }

        ObjectNode idle = JSON.createObjectNode();
        WorkerLines.putJson(idle, List.of(), now);
        assertThat(idle.get("workers").isArray()).isTrue();
        assertThat(idle.get("workers").isEmpty()).isTrue();
    }

    private static List<String> keys(JsonNode o) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
