package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.ShellWords;
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
    void aNewEmptyDatabaseHoldsNoRunsAndReadingItCreatesNothing() throws Exception {
        String db = cluster.newDatabase();
        String shown = db; // no password in the cluster's URLs

        Cli.Result status = EN.run("status", "--db", db);
        assertThat(status.exitCode()).as(status.all()).isZero();
        assertThat(status.out()).isEqualTo(shown + " holds no runs yet.\n");
        assertThat(status.err()).isEmpty();

        Cli.Result json = EN.run("status", "--db", db, "--json");
        assertThat(json.exitCode()).as(json.all()).isZero();
        assertThat(JSON.readTree(json.out()).isEmpty()).as(json.out()).isTrue();

        Cli.Result export = EN.run("export", "--db", db);
        assertThat(export.exitCode()).as(export.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(export.err()).isEqualTo("stride: " + shown + ": holds no run yet, so there is none to name; start"
                + " one with: stride run INPUT.jsonl --db " + ShellWords.quoted(shown) + " --model NAME --base-url URL\n");

        Path copy = dir.resolve("copy.db");
        Cli.Result snapshot = EN.run("snapshot", "--db", db, copy.toString());
        assertThat(snapshot.exitCode()).as(snapshot.all()).isZero();
        assertThat(snapshot.out()).startsWith("Snapshot of " + shown + " written to " + copy + " in ")
                .endsWith(" (no runs in it)\n");
        assertThat(Files.exists(copy)).isTrue();

        Cli.Result clear = EN.run("clear", "--all", "--yes", "--db", db);
        assertThat(clear.exitCode()).as(clear.all()).isZero();
        assertThat(clear.out()).isEqualTo("Cleared 0 runs from " + shown + "\n");

        Cli.Result clearRun = EN.run("clear", "--run", "pp", "--yes", "--db", db);
        assertThat(clearRun.exitCode()).as(clearRun.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(clearRun.err()).isEqualTo("stride: " + shown + ": has no run 'pp' (it holds none)\n");

        try (Connection c = PostgresCluster.connect(db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.tables"
                     + " WHERE table_schema = current_schema()")) {
            rs.next();
            assertThat(rs.getInt(1)).as("tables created by reading or clearing").isZero();
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

        Cli.Result letIn = EN.run("status", "--db", db.replace("alice@", "alice:s3cret-Pw@"));
        assertThat(letIn.exitCode()).as(letIn.all()).isZero();
        assertThat(letIn.out()).isEqualTo(db + " holds no runs yet.\n");
    }

    @Test
    void anUnknownHostIsNamedInOneLine() {
        String db = "postgresql://stride@nohost.invalid:55432/stride";
        Cli.Result r = EN.run("status", "--db", db);
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(r.err()).isEqualTo("stride: unknown host nohost.invalid: check the URL " + db + "\n");
    }
}
