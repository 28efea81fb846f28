package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.ShellWords;
import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reading commands on PostgreSQL as on SQLite: status of one run, a new database with no tables yet (no runs,
 * and nothing created by looking), and the server's refusals told as what to do.
 */
class PostgresStatusTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    /** As on SQLite ({@link WaitingStatusTest}): the worker's wait written to its row and read back by status. */
    @Test
    void statusShowsTheRunWaitingForItsServerUntilItAnswersAgain() throws Exception {
        String db = PG.url();
        WaitingStatusTest.showsTheWaitUntilAnswersCome(dir, db, () -> PostgresCluster.connect(db));
    }

    /** As on SQLite ({@link StopReasonStatusTest}): why a run stopped, kept with it until it goes on. */
    @Test
    void statusSaysWhyARunStoppedUntilItGoesOn() throws Exception {
        StopReasonStatusTest.keepsWhyARunStoppedUntilItGoesOn(dir, PG.url(), stride);
    }

    /** As on SQLite ({@link RequestsWaitingStatusTest}): requests held for {@code --rpm}, in the row and in status. */
    @Test
    void statusShowsRequestsWaitingForTheRateLimit() throws Exception {
        String db = PG.url();
        RequestsWaitingStatusTest.showsRequestsWaitingForTheRateLimit(dir, db, () -> PostgresCluster.connect(db));
    }

    /** As on SQLite ({@link RequestsWaitingStatusTest}): records sleeping out a Retry-After, in the row and in status. */
    @Test
    void statusShowsRecordsWaitingToBeSentAgain() throws Exception {
        String db = PG.url();
        RequestsWaitingStatusTest.showsRecordsWaitingToBeSentAgain(dir, db, stride, () -> PostgresCluster.connect(db));
    }

    @Test
    void statusOfOneRunShowsItsServersAndFinishReasons() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 12);
        String db = PG.url();
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
    void aScoredRunShowsItsAccuracyAsOnSqlite() throws Exception {
        Path input = dir.resolve("mcq.jsonl");
        Files.writeString(input, "{\"id\":\"a\",\"question\":\"one\",\"answer\":\"A\"}\n"
                + "{\"id\":\"b\",\"question\":\"two\",\"answer\":\"B\"}\n");
        stride.model.answering(prompt -> FakeModelServer.ok("The answer is A"));
        String db = PG.url();
        Cli.Result run = EN.run("run", input.toString(), "--db", db, "--model", "m", "--run", "mcq", "--base-url",
                stride.url(), "--template", "{{question}}", "--label-field", "answer", "--metric", "choice",
                "--log-every", "0");
        assertThat(run.exitCode()).as(run.all()).isZero();

        Cli.Result table = EN.run("status", "--db", db);
        assertThat(table.exitCode()).as(table.all()).isZero();
        assertThat(table.out().lines().findFirst().orElseThrow()).contains("ACCURACY");
        assertThat(table.out()).contains("50.0%");
        JsonNode one = JSON.readTree(EN.run("status", "--db", db, "--run", "mcq", "--json").out());
        assertThat(one.at("/scores/0/correct").asLong()).isEqualTo(1);
        assertThat(one.at("/scores/0/scored").asLong()).isEqualTo(2);
        assertThat(one.at("/scores/0/live").asBoolean()).isTrue();

        // The run keeps its input's digest here too: an export over that input is refused, the file left as it is.
        String before = Files.readString(input);
        Cli.Result export = EN.run("export", "--db", db, "-o", input.toString());
        assertThat(export.exitCode()).as(export.all()).isEqualTo(2);
        assertThat(export.err()).contains("it is the input of run 'mcq'");
        assertThat(Files.readString(input)).isEqualTo(before);
    }

    /**
     * A database an older stride wrote is brought up to this stride's schema by the commands that read it, as on
     * SQLite, and said in one line; they then read it as they would have.
     */
    @Test
    void anOlderDatabaseIsUpgradedByTheCommandsThatReadIt() throws Exception {
        String db = PG.url();
        Cli.Result run = EN.run("run", Datasets.questions(dir, "q.jsonl", 5).toString(), "--db", db, "--model", "m",
                "--run", "pp", "--base-url", stride.url(), "--template", "{{question}}", "--log-every", "0");
        assertThat(run.exitCode()).as(run.all()).isZero();
        for (String command : List.of("status", "export")) {
            // Back to version 17, as the stride before this one left it (V18 is written to be applied again).
            try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE workers DROP COLUMN waiting_to_send_again"); // V23's
                st.execute("ALTER TABLE workers DROP COLUMN waiting_for_rate_limit");
                st.execute("DROP VIEW progress"); // V25's, which reads waiting_since: V25 makes it again
                st.execute("ALTER TABLE workers DROP COLUMN waiting_since"); // V22's
                st.execute("ALTER TABLE workers DROP COLUMN in_flight_at"); // V20's
                st.execute("ALTER TABLE workers DROP COLUMN retry_since"); // V19's
                st.execute("DELETE FROM flyway_schema_history"
                        + " WHERE version IN ('18', '19', '20', '21', '22', '23', '24', '25', '26')");
            }

            Cli.Result read = EN.run(command, "--db", db);

            assertThat(read.exitCode()).as(read.all()).isZero();
            assertThat(read.err()).isEqualTo("upgraded " + db + " from schema version 17 to 26, this"
                    + " stride's (a stride older than this one no longer opens it)\n");
            assertThat(read.out()).contains(command.equals("status") ? "pp" : "echo: question 4");
            try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(26);
            }
        }
        Cli.Result again = EN.run("status", "--db", db);
        assertThat(again.err()).as("a database at this stride's schema is only read").isEmpty();

        // An older stride at work on it would be locked out of it: left as it is.
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE workers DROP COLUMN retry_since");
            st.execute("ALTER TABLE workers DROP COLUMN waiting_to_send_again"); // V23's
            st.execute("ALTER TABLE workers DROP COLUMN waiting_for_rate_limit");
            st.execute("DROP VIEW progress"); // V25's, which reads waiting_since: V25 makes it again
            st.execute("ALTER TABLE workers DROP COLUMN waiting_since"); // V22's
            st.execute("ALTER TABLE workers DROP COLUMN in_flight_at");
            st.execute("DELETE FROM flyway_schema_history"
                    + " WHERE version IN ('18', '19', '20', '21', '22', '23', '24', '25', '26')");
            st.execute("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                    + " lease_until) VALUES ((SELECT run_id FROM runs), 'w1', 1, 'gpu-7', 4242,"
                    + " '2026-12-06 07:00:00.000', '2026-12-06 07:00:00.000', '2999-01-01 00:00:00.000')");
        }
        Cli.Result refused = EN.run("status", "--db", db);
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.BUSY);
        assertThat(refused.err()).isEqualTo("stride: " + db + " has an older schema (version 17) and a stride of"
                + " that version is at work on it (gpu-7 pid 4242): this stride upgrades it once that run has"
                + " stopped; until then look at it with that stride\n");
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(17);
        }
    }

    /**
     * stride run and stride copy --to open the database to write it, upgrading an older one as they open it: said in
     * the reading commands' line; a new database is created, not upgraded, and nothing is said.
     */
    @Test
    void runAndCopyIntoAnOlderDatabaseUpgradeItAndSaySo() throws Exception {
        String db = PG.url();
        Path input = Datasets.questions(dir, "q.jsonl", 5);
        String[] run = {"run", input.toString(), "--db", db, "--model", "m", "--run", "pp", "--base-url",
            stride.url(), "--template", "{{question}}", "--log-every", "0"};
        Cli.Result created = EN.run(run);
        assertThat(created.exitCode()).as(created.all()).isZero();
        assertThat(created.err()).as("a new database is created, not upgraded").isEmpty();
        String upgraded = "upgraded " + db + " from schema version 17 to 26, this stride's (a stride older than this"
                + " one no longer opens it)\n";

        backTo17(db);
        Cli.Result resumed = EN.run(run);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.err()).isEqualTo(upgraded);
        assertThat(version(db)).isEqualTo(26);
        Cli.Result again = EN.run(run);
        assertThat(again.err()).as("already upgraded: nothing to say").isEmpty();

        Path other = dir.resolve("other.db");
        Cli.Result source = EN.run("run", input.toString(), "--db", other.toString(), "--model", "n", "--base-url",
                stride.url(), "--template", "{{question}}", "--log-every", "0");
        assertThat(source.exitCode()).as(source.all()).isZero();
        backTo17(db);
        Cli.Result copy = EN.run("copy", "--from", other.toString(), "--to", db);
        assertThat(copy.exitCode()).as(copy.all()).isZero();
        assertThat(copy.err()).isEqualTo(upgraded);
        assertThat(copy.out()).contains("Copied run 'n' (5/5 done, 0 failed)");
        assertThat(version(db)).isEqualTo(26);
    }

    /**
     * With an older stride at work on the database, run and copy --to leave it as it is, in the reading commands'
     * line: that stride would otherwise be locked out of it at its next start. Once it has stopped, run upgrades it.
     */
    @Test
    void runAndCopyLeaveAnOlderDatabaseAnOlderStrideIsAtWorkOnAsItIs() throws Exception {
        String db = PG.url();
        Path input = Datasets.questions(dir, "q.jsonl", 5);
        String[] run = {"run", input.toString(), "--db", db, "--model", "m", "--run", "pp", "--base-url",
            stride.url(), "--template", "{{question}}", "--log-every", "0"};
        Path other = dir.resolve("other.db");
        Cli.Result source = EN.run("run", input.toString(), "--db", other.toString(), "--model", "n", "--base-url",
                stride.url(), "--template", "{{question}}", "--log-every", "0");
        assertThat(source.exitCode()).as(source.all()).isZero();
        Cli.Result created = EN.run(run);
        assertThat(created.exitCode()).as(created.all()).isZero();
        backTo17(db);
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement()) {
            st.execute("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                    + " lease_until) VALUES ((SELECT run_id FROM runs), 'w1', 1, 'gpu-7', 4242,"
                    + " '2026-12-06 07:00:00.000', '2026-12-06 07:00:00.000', '2999-01-01 00:00:00.000')");
        }

        for (String[] writer : List.of(run, new String[] {"copy", "--from", other.toString(), "--to", db})) {
            Cli.Result refused = EN.run(writer);

            assertThat(refused.exitCode()).as(writer[0] + ": " + refused.all()).isEqualTo(ExitCodes.BUSY);
            assertThat(refused.err()).as(writer[0]).isEqualTo("stride: " + db + " has an older schema (version 17)"
                    + " and a stride of that version is at work on it (gpu-7 pid 4242): this stride upgrades it once"
                    + " that run has stopped; until then look at it with that stride\n");
            assertThat(version(db)).as(writer[0]).isEqualTo(17);
        }
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM runs")) {
            rs.next();
            assertThat(rs.getInt(1)).as("nothing copied").isEqualTo(1);
        }

        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement()) {
            st.execute("UPDATE workers SET lease_until = '2000-01-01 00:00:00.000'"); // that stride has stopped
        }
        Cli.Result resumed = EN.run(run);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.err()).isEqualTo("upgraded " + db + " from schema version 17 to 26, this stride's (a"
                + " stride older than this one no longer opens it)\n");
        assertThat(version(db)).isEqualTo(26);
    }

    /** Back to version 17, as the stride before this one left it (V18 is written to be applied again). */
    private static void backTo17(String db) throws Exception {
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE workers DROP COLUMN waiting_to_send_again"); // V23's
            st.execute("ALTER TABLE workers DROP COLUMN waiting_for_rate_limit");
            st.execute("DROP VIEW progress"); // V25's, which reads waiting_since: V25 makes it again
            st.execute("ALTER TABLE workers DROP COLUMN waiting_since"); // V22's
            st.execute("ALTER TABLE workers DROP COLUMN in_flight_at"); // V20's
            st.execute("ALTER TABLE workers DROP COLUMN retry_since"); // V19's
            st.execute("DELETE FROM flyway_schema_history"
                    + " WHERE version IN ('18', '19', '20', '21', '22', '23', '24', '25', '26')");
        }
    }

    private static int version(String db) throws Exception {
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Workers stamp what they store on the server's clock (as a cluster's machines disagree on theirs); status judges a
     * run live, and its pace, on that clock too. Here the server's clock runs ten minutes behind this machine's: on
     * this machine's clock the run going now would look as if it had stopped ten minutes ago.
     */
    @Test
    void aRunGoingNowIsJudgedOnTheServersClockNotOnThisMachines() throws Exception {
        String db = PG.url();
        Cli.Result first = EN.run("run", Datasets.questions(dir, "one.jsonl", 1).toString(), "--db", db, "--model",
                "m", "--run", "first", "--base-url", stride.url(), "--template", "{{question}}", "--log-every", "0");
        assertThat(first.exitCode()).as(first.all()).isZero();
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement()) {
            // Named before pg_catalog's, this clock_timestamp is the one every later session of the database reads.
            st.execute("CREATE SCHEMA behind");
            st.execute("CREATE FUNCTION behind.clock_timestamp() RETURNS timestamptz LANGUAGE sql"
                    + " AS $$ SELECT pg_catalog.clock_timestamp() - interval '10 minutes' $$");
            st.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = behind, pg_catalog, public',"
                    + " current_database()); END $$");
        }

        // From the fourth request on, answers wait until a status has seen the run: it cannot end first.
        CountDownLatch seen = new CountDownLatch(1);
        stride.model.holdingAfter(3, seen);
        Path input = Datasets.questions(dir, "q.jsonl", 10);
        CompletableFuture<Cli.Result> running = CompletableFuture.supplyAsync(() -> EN.run("run", input.toString(),
                "--db", db, "--model", "m", "--run", "live", "--base-url", stride.url(), "--template",
                "{{question}}", "--concurrency", "1", "--save-interval", "1", "--log-every", "0"));
        JsonNode live;
        try {
            Eventually.get("three answers stored", Duration.ofSeconds(60), () -> {
                JsonNode r = JSON.readTree(EN.run("status", "--db", db, "--run", "live", "--json").out());
                return r.path("done").asInt() >= 3 ? r : null;
            });
            live = JSON.readTree(EN.run("status", "--db", db, "--json").out());
        } finally {
            seen.countDown();
        }
        JsonNode run = null;
        for (JsonNode r : live) {
            run = "live".equals(r.get("run").asText()) ? r : run;
        }
        assertThat(run).as(live.toString()).isNotNull();
        assertThat(run.get("state").asText()).as(live.toString()).isEqualTo("running");
        assertThat(run.get("rate_per_s").asDouble()).as(live.toString()).isPositive();
        Cli.Result done = running.get(60, TimeUnit.SECONDS);
        assertThat(done.exitCode()).as(done.all()).isZero();
    }

    @Test
    void aNewEmptyDatabaseHoldsNoRunsAndReadingItCreatesNothing() throws Exception {
        String db = PG.url();
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
        String db = PG.cluster().newDatabaseWithPassword("alice", "s3cret-Pw");
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
