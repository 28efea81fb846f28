package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A crash of the PostgreSQL server (pg_ctl stop -m immediate, then a start) while a new run's input is being synced:
 * the sync's transaction is gone with everything it inserted. It ended the run with exit 4 and "failed: the connection
 * broke during the sync"; the input is a file, which can be read again, so the run syncs it again once the server is
 * back and goes on.
 */
class PostgresSyncCrashTest {
    private static final int RECORDS = 300;

    @TempDir
    Path dir;

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();

    @Test
    void aCrashOfTheServerDuringTheSyncOfAFileIsWaitedOutAndTheFileSyncedAgain() throws Exception {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < RECORDS; i++) {
            s.append("{\"id\":\"r").append(i).append("\",\"prompt\":\"question ").append(i).append("\"}\n");
        }
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, s, StandardCharsets.UTF_8);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            String db = pg.url();
            CompletableFuture<Cli.Result> run;
            try (Connection holder = PostgresCluster.connect(db); Statement st = holder.createStatement();
                 Connection look = PostgresCluster.connect(db)) {
                // Lands the crash in the sync for certain: it has inserted every record, and waits at its count.
                holder.setAutoCommit(false);
                Cli.Result made = new Cli().run("run", input.toString(), "--db", db, "--model", "m", "--run", "x",
                        "--base-url", sim.url(), "--dry-run");
                assertThat(made.exitCode()).as(made.all()).isZero(); // makes the tables, and no run
                st.execute("LOCK TABLE run_counts IN EXCLUSIVE MODE");
                run = CompletableFuture.supplyAsync(() -> new Cli().run("run", input.toString(), "--db", db,
                        "--model", "m", "--run", "m", "--base-url", sim.url(), "--log-every", "0"));
                waitForTheSyncAtTheLock(look);
                pg.cluster().crashAndStart();
            }
            Cli.Result result = run.join();
            assertThat(result.exitCode()).as(result.all()).isZero();
            try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM records),"
                         + " (SELECT count(*) FROM predictions WHERE status = 'done'), (SELECT count(*) FROM runs)")) {
                rs.next();
                assertThat(rs.getLong(1)).as("records").isEqualTo(RECORDS);
                assertThat(rs.getLong(2)).as("answers").isEqualTo(RECORDS);
                assertThat(rs.getLong(3)).as("runs").isEqualTo(1);
            }
        }
    }

    /** Looked at in autocommit: in a transaction, pg_stat_activity would show the moment of its first look. */
    private static void waitForTheSyncAtTheLock(Connection look) throws SQLException {
        try (Statement st = look.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE wait_event_type = 'Lock' AND query LIKE '%run_counts%'")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }
    }
}
