package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
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
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several {@code stride run} processes sharing one run through PostgreSQL, as machines of a cluster would: the same
 * command started again joins, one worker is SIGKILLed midway (its claims are taken once its lease runs out, since
 * only its own machine could tell it died sooner), and every record ends stored exactly once with its own answer.
 *
 * <p>A record is asked again only after the worker that claimed it lost the claim before the record had an outcome:
 * killed, or its lease lapsed while it worked (a renewal late by a whole lease on a loaded machine). The database
 * itself tells which: a trigger logs every claim dropped without an outcome, with its worker and when.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PostgresWorkersIT {
    private static final String RUN = "cluster-run";
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

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
        String db = PG.url();

        StrideProcess first = worker(0, input, db);
        first.await("20 answers", Duration.ofSeconds(120), () -> model.answeredCount(0) >= 20);
        logClaimsLost(db); // before any other worker: one alone asks nothing twice
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
        String killedWorker;
        Timestamp stoppedAt;
        long heldByKilled;
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT workers.worker_id, clock_timestamp(), count(claims.record_id)"
                     + " FROM workers LEFT JOIN claims USING (run_id, worker_id) WHERE workers.pid = " + pid
                     + " GROUP BY workers.worker_id")) {
            assertThat(rs.next()).as("the stopped worker's row").isTrue();
            killedWorker = rs.getString(1);
            stoppedAt = rs.getTimestamp(2);
            heldByKilled = rs.getLong(3);
        }
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

        // Each prompt again only after a claim of its record was lost without an outcome, and no more often.
        Map<String, Integer> lostToKill = new HashMap<>();
        Map<String, Integer> lostToLapse = new HashMap<>();
        List<String> lapses = new ArrayList<>();
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT record_id, worker_id, pid, lost_at FROM observer.claims_lost"
                     + " ORDER BY lost_at")) {
            while (rs.next()) {
                String prompt = "Q: question " + rs.getString(1).substring(1);
                boolean byKill = rs.getString(2).equals(killedWorker) && !rs.getTimestamp(4).before(stoppedAt);
                (byKill ? lostToKill : lostToLapse).merge(prompt, 1, Integer::sum);
                if (!byKill) {
                    lapses.add(rs.getString(1) + " by pid " + rs.getLong(3) + " at " + rs.getTimestamp(4));
                }
            }
        }
        Map<String, Integer> asked = new HashMap<>();
        all.forEach(prompt -> asked.merge(prompt, 1, Integer::sum));
        long againForKill = 0;
        long againForLapses = 0;
        for (Map.Entry<String, Integer> e : asked.entrySet()) {
            int again = e.getValue() - 1;
            if (again == 0) {
                continue;
            }
            int kill = lostToKill.getOrDefault(e.getKey(), 0);
            int lapse = lostToLapse.getOrDefault(e.getKey(), 0);
            assertThat(again).as("'%s' asked again %d times with %d claims of it lost to the kill and %d to lapsed"
                    + " leases (claims lost: %s)", e.getKey(), again, kill, lapse, lapses)
                    .isLessThanOrEqualTo(kill + lapse);
            againForKill += Math.min(again, kill);
            againForLapses += again - Math.min(again, kill);
        }
        // The kill's own cost: no more than what the killed worker held when it stopped (the requests it had out and
        // the answers it had not saved); the rest, if any, is what lapsed leases cost, each a lost claim above.
        assertThat(againForKill).as("asked again for the killed worker's claims (claims lost to lapsed leases: %s)",
                lapses).isLessThanOrEqualTo(heldByKilled);
        System.out.printf(Locale.ROOT, "PostgresWorkersIT: %d records, 3 workers (one SIGKILLed holding %d claims):"
                        + " requests %d, repeated %d (%d for the kill, %d after %d claims lost to lapsed leases)%n",
                total, heldByKilled, all.size(), repeated, againForKill, againForLapses, lapses.size());
    }

    /**
     * From now on, every claim dropped while its record has no outcome is logged in {@code observer.claims_lost}
     * (outside stride's schema, which it leaves alone): by a worker's death or lapsed lease (its row deleted, the
     * claims with it), or by the worker itself when a renewal found its lease lapsed. Checked at commit, so that a
     * claim dropped with its outcome in one transaction is not taken for lost.
     */
    private static void logClaimsLost(String url) throws SQLException {
        try (Connection c = PostgresCluster.connect(url); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA observer");
            st.execute("CREATE TABLE observer.claims_lost (run_id BIGINT, record_id TEXT, worker_id TEXT, pid BIGINT,"
                    + " lost_at TIMESTAMPTZ)");
            st.execute("CREATE FUNCTION observer.claim_dropped() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    + " IF NOT EXISTS (SELECT 1 FROM public.predictions p WHERE p.run_id = OLD.run_id"
                    + " AND p.record_id = OLD.record_id) THEN"
                    + " INSERT INTO observer.claims_lost VALUES (OLD.run_id, OLD.record_id, OLD.worker_id,"
                    + " (SELECT max(pid) FROM observer.pids WHERE worker_id = OLD.worker_id), clock_timestamp());"
                    + " END IF; RETURN NULL; END $$");
            st.execute("CREATE CONSTRAINT TRIGGER claim_dropped AFTER DELETE ON public.claims"
                    + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION observer.claim_dropped()");
            // Which process a worker was, kept after its row goes.
            st.execute("CREATE TABLE observer.pids (worker_id TEXT PRIMARY KEY, pid BIGINT)");
            st.execute("INSERT INTO observer.pids SELECT worker_id, max(pid) FROM public.workers GROUP BY worker_id");
            st.execute("CREATE FUNCTION observer.worker_seen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    + " INSERT INTO observer.pids VALUES (NEW.worker_id, NEW.pid) ON CONFLICT DO NOTHING;"
                    + " RETURN NULL; END $$");
            st.execute("CREATE TRIGGER worker_seen AFTER INSERT ON public.workers FOR EACH ROW"
                    + " EXECUTE FUNCTION observer.worker_seen()");
        }
    }
}
