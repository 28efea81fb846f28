package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.PostgresCluster;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reading commands on PostgreSQL as on SQLite: status of one run, a new database with no tables yet (no runs,
 * and nothing created by looking), and the server's refusals told as what to do.
 */
class PostgresStatusTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static PostgresCluster cluster;

    @TempDir
    Path dir;

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

    @Test
    void statusOfOneRunShowsItsServersAndFinishReasons() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 12);
        String db = cluster.newDatabase();
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Cli.Result run = EN.run("run", input.toString(), "--db", db, "--model", "m", "--run", "pp",
                    "--base-url", sim.url(), "--template", "Q: {{question}}", "--log-every", "0");
            assertThat(run.exitCode()).as(run.all()).isZero();

            Cli.Result text = EN.run("status", "--db", db, "--run", "pp");
            assertThat(text.exitCode()).as(text.all()).isZero();
            assertThat(text.err()).isEmpty();
            assertThat(text.out()).contains("pp").contains(sim.url());

            Cli.Result json = EN.run("status", "--db", db, "--run", "pp", "--json");
            assertThat(json.exitCode()).as(json.all()).isZero();
            JsonNode j = JSON.readTree(json.out());
            assertThat(j.toString()).contains(sim.url()).contains("\"stop\"");
        }
    }

    @Test
    void noPasswordIsTheServerNotLettingStrideInNotAServerToStart() throws Exception {
        String db = cluster.newDatabaseWithPassword("alice", "s3cret-Pw");
        String server = db.substring("postgresql://alice@".length(), db.lastIndexOf('/'));

        Cli.Result noPassword = EN.run("status", "--db", db);
        assertThat(noPassword.exitCode()).as(noPassword.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(noPassword.err()).startsWith("stride: PostgreSQL at " + server + " did not let stride in (")
                .endsWith("): check the user in " + db + " and the password (in the URL or in PGPASSWORD)\n");
        assertThat(noPassword.err().lines().count()).isEqualTo(1);
    }

    @Test
    void anUnknownHostIsNamedInOneLine() {
        String db = "postgresql://stride@nohost.invalid:55432/stride";
        Cli.Result r = EN.run("status", "--db", db);
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(r.err()).isEqualTo("stride: unknown host nohost.invalid: check the URL " + db + "\n");
    }
}
