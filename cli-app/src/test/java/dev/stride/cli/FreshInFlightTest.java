package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * status shows what a live worker keeps in flight now, not as of its last renewal of the lease: a run whose requests
 * out went from 0 to 6 is shown with 6 out while its row's lease is still the one it joined with.
 */
class FreshInFlightTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void sqliteShowsTheRequestsOutBeforeTheLeaseIsRenewed() throws Exception {
        Path db = dir.resolve("runs.db");
        showsTheRequestsOutBeforeTheLeaseIsRenewed(db.toString(),
                () -> DriverManager.getConnection("jdbc:sqlite:" + db));
    }

    @Test
    void postgresShowsTheRequestsOutBeforeTheLeaseIsRenewed() throws Exception {
        String db = PG.url();
        showsTheRequestsOutBeforeTheLeaseIsRenewed(db, () -> PostgresCluster.connect(db));
    }

    private void showsTheRequestsOutBeforeTheLeaseIsRenewed(String db, Opener rows) throws Exception {
        Path input = questions(dir, "q.jsonl", 12);
        // Every request is held until the test has looked: the worker has 0 out when it joins, then 6.
        CountDownLatch looked = new CountDownLatch(1);
        stride.model.holdingAfter(0, looked);
        // A lease of 10 minutes: its first renewal after the join's comes 200 s later, long after the test.
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> new Cli().run("run",
                input.toString(), "--db", db, "--model", "m", "--base-url", stride.url(), "--template",
                "{{question}}", "--concurrency", "6", "--lease", "10m", "--log-every", "0"));
        try {
            JsonNode worker = Eventually.get("a status that shows 6 requests out", Duration.ofSeconds(60), () -> {
                Cli.Result r = EN.run("status", "--db", db, "--json");
                if (r.exitCode() != 0 || r.out().isBlank()) {
                    return null;
                }
                JsonNode w = JSON.readTree(r.out()).path(0).path("workers").path(0);
                return w.path("requests_out").asInt(-1) == 6 ? w : null;
            });
            assertThat(stride.model.requests.get()).as("the requests held").isEqualTo(6);
            assertThat(worker.get("in_flight").asInt()).isEqualTo(6);
            assertThat(EN.run("status", "--db", db).out()).contains(", in flight 6\n").doesNotContain(" as of ");
            try (Connection c = rows.open(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT requests_out, heartbeat_at, in_flight_at FROM workers")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(6);
                // The join wrote no requests out (none were yet), and a renewal writes its heartbeat with them: the
                // 6 came in a write after the last renewal, which left the lease as it was.
                assertThat(rs.getString(3)).as("the figures' time").isGreaterThan(rs.getString(2));
            }
        } finally {
            looked.countDown();
        }
        Cli.Result done = running.get(60, TimeUnit.SECONDS);
        assertThat(done.exitCode()).as(done.all()).isZero();
    }

    @FunctionalInterface
    private interface Opener {
        Connection open() throws SQLException;
    }
}
