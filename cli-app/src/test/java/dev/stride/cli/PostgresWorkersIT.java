package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.PostgresCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@code stride run} processes sharing one run through PostgreSQL, as machines of a cluster would: the same
 * command started again joins, one worker is SIGKILLed midway (its claims are taken once its lease runs out, since
 * only its own machine could tell it died sooner), and every record ends stored exactly once with its own answer.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PostgresWorkersIT {
    private static final String RUN = "cluster-run";
    private static PostgresCluster cluster;

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(20, 40);
    private final List<StrideProcess> children = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = PostgresCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void serve() {
        server.setDispatcher(model);
    }

    @AfterEach
    void killChildren() {
        children.forEach(StrideProcess::close);
        model.release();
    }

    private StrideProcess stride(String label, List<String> args) throws Exception {
        StrideProcess p = StrideProcess.start(dir, label, args);
        children.add(p);
        return p;
    }

    private StrideProcess worker(int session, Path input, String db) throws Exception {
        return stride("worker-" + session, List.of("run", input.toString(), "--db", db, "--model", RUN,
                "--base-url", PacedModelServer.baseUrl(server, session), "--template", "Q: {{question}}",
                "--log-every", "0", "--concurrency", "4", "--lease", "5s"));
    }

    private static long count(String url, String sql) throws SQLException {
        try (Connection c = PostgresCluster.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void threeWorkersOneKilledStoreEveryRecordOnceAndRepeatAtMostTheKilledOnesClaims() throws Exception {
        int total = 2000;
        Path input = questions(dir, "q.jsonl", total);
        String db = cluster.newDatabase();

        StrideProcess first = worker(0, input, db);
        first.await("20 answers", Duration.ofSeconds(120), () -> model.answeredCount(0) >= 20);
        StrideProcess doomed = worker(1, input, db);
        StrideProcess third = worker(2, input, db);
        doomed.await("30 answers", Duration.ofSeconds(120), () -> model.answeredCount(1) >= 30);
        third.await("joining", Duration.ofSeconds(120), () -> third.out().contains("as worker"));

        StrideProcess status = stride("status", List.of("status", "--db", db, "--json"));
        assertThat(status.waitForExit(Duration.ofSeconds(120))).as(status.transcript()).isZero();
        List<Long> pids = new ArrayList<>();
        new ObjectMapper().readTree(status.out()).get(0).get("workers").forEach(w -> pids.add(w.get("pid").asLong()));
        assertThat(pids).as(status.out()).containsExactlyInAnyOrder(first.pid(), doomed.pid(), third.pid());

        long pid = doomed.pid();
        // Counted while it is stopped, then killed: once dead, its claims go as soon as another worker sees it gone
        // (its lease out, or its process gone from this machine), and a count after the kill can find none.
        doomed.signal("STOP");
        long heldByKilled = count(db, "SELECT count(*) FROM claims JOIN workers USING (run_id, worker_id)"
                + " WHERE workers.pid = " + pid);
        assertThat(doomed.killHard(Duration.ofSeconds(60))).as("SIGKILL").isEqualTo(137);

        assertThat(first.waitForExit(Duration.ofSeconds(300))).as(first.transcript()).isZero();
        assertThat(third.waitForExit(Duration.ofSeconds(300))).as(third.transcript()).isZero();

        Path exported = dir.resolve("out.jsonl");
        StrideProcess export = stride("export", List.of("export", "--db", db, "-o", exported.toString()));
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
        assertThat(count(db, "SELECT count(*) FROM progress WHERE state = 'done' AND done = " + total
                + " AND pending = 0")).as("the run is done").isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM claims")).as("no claim left").isZero();
        assertThat(count(db, "SELECT count(*) FROM workers")).as("no worker left").isZero();

        List<String> all = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            assertThat(model.promptsOf(s)).as("worker %d asks each prompt once", s).doesNotHaveDuplicates();
            all.addAll(model.promptsOf(s));
        }
        long repeated = all.size() - all.stream().distinct().count();
        assertThat(repeated).isLessThanOrEqualTo(heldByKilled);
        System.out.printf(Locale.ROOT, "PostgresWorkersIT: %d records, 3 workers (one SIGKILLed holding %d claims):"
                        + " requests %d, repeated %d%n", total, heldByKilled, all.size(), repeated);
    }
}
