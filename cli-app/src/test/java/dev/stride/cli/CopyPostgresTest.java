package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import dev.stride.db.PostgresLocation;
import dev.stride.db.PostgresSnapshot;
import dev.stride.db.TransferStoppedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride copy} between SQLite and PostgreSQL, against a real throwaway PostgreSQL cluster: a run taken to the
 * server and brought home exports exactly what it exported before, a half-done run goes on on the server asking only
 * for its pending records, a run the server already has is refused with nothing written, and the password shows in
 * no output.
 */
class CopyPostgresTest {
    private static final String PASSWORD = "pw-Cq3Lm9Rt";
    /** Everything a run is besides its id, which each database hands out. */
    private static final String RUN_ROW = "SELECT name, model, base_urls, template, params, created_at, total, done,"
            + " failed, truncated, low_watermark, elapsed_ms, saved_at, state, heartbeat_at, input_digest, shard"
            + " FROM runs ORDER BY name";
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path input;
    private Path laptop;
    private String server; // a new database for each test, with the password in its URL

    /** Two runs in one file: alpha done with a failure, beta interrupted partway. */
    @BeforeEach
    void twoRuns() throws Exception {
        // The cluster trusts every local user, so any password is accepted: enough to see that none is printed.
        server = PG.url().replace("postgresql://postgres@", "postgresql://postgres:" + PASSWORD + "@");
        laptop = dir.resolve("laptop.db");
        input = questions(dir, "q.jsonl", 20);
        stride.model.answering(prompt -> prompt.equals("question 5")
                ? FakeModelServer.json(400, "{\"error\":{\"message\":\"prompt is too long\"}}") : null);
        assertThat(stride.run(input, laptop).model("alpha").template("{{question}}").with().exitCode()).isEqualTo(3);
        AtomicInteger betaRequests = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (betaRequests.incrementAndGet() == 8) {
                stride.cli.pressCtrlC();
            }
            return null;
        });
        assertThat(stride.run(input, laptop).model("beta").template("{{question}}").with("--concurrency", "1")
                .exitCode()).isEqualTo(130);
        stride.model.answering(prompt -> null);
    }

    /** Runs stride; no output of any command may show the password. */
    private Cli.Result stride(String... args) {
        Cli.Result r = stride.cli.run(args);
        assertThat(r.all()).doesNotContain(PASSWORD);
        return r;
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = stride(args);
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r;
    }

    /** What {@code stride export} writes for one run in one format: a file for parquet, else standard output. */
    private byte[] export(String db, String run, ExportCommand.Format format) throws Exception {
        if (format == ExportCommand.Format.parquet) {
            Path out = Files.createTempFile(dir, run + "-", ".parquet");
            Files.delete(out);
            ok("export", "--db", db, "--run", run, "--format", format.name(), "-o", out.toString());
            return Files.readAllBytes(out);
        }
        return ok("export", "--db", db, "--run", run, "--format", format.name()).out()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private long onServer(String sql) throws Exception {
        try (Connection c = PostgresCluster.connect(server); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * "Clear it there first (stride clear --db ... --run m1)" was the answer to a copy of a database onto itself, and
     * following it cleared the only copy (a user walk). The same database is refused up front however it is spelled:
     * another user, no password, localhost for 127.0.0.1, jdbc: and postgres: forms, the default port written out.
     */
    @Test
    void theSourceDatabaseAsDestinationIsRefusedUpFrontHoweverItIsSpelled() throws Exception {
        ok("copy", "--from", laptop.toString(), "--to", server);
        String shown = server.replace(":" + PASSWORD, "");
        String[] parts = shown.split("@127\\.0\\.0\\.1:");
        String sameElsewhere = "postgresql://someone@localhost:" + parts[1];
        long before = onServer("SELECT count(*) FROM predictions");
        for (String to : List.of(server, sameElsewhere, "jdbc:" + sameElsewhere,
                sameElsewhere.replace("postgresql://", "postgres://"))) {
            Cli.Result r = stride("copy", "--from", server, "--to", to, "--run", "beta");

            assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
            String toShown = to.equals(server) ? shown : "postgresql://someone@localhost:" + parts[1];
            assertThat(r.err()).isEqualTo("stride: --from " + shown + " and --to " + toShown + ": source and"
                    + " destination are the same database; nothing was copied, name another database with --to\n");
        }
        assertThat(onServer("SELECT count(*) FROM runs")).isEqualTo(2);
        assertThat(onServer("SELECT count(*) FROM predictions")).isEqualTo(before);
    }

    @Test
    void aRoundTripThroughPostgresqlExportsEveryRunByteForByteInEveryFormat() throws Exception {
        Path home = dir.resolve("home.db");
        Cli.Result there = ok("copy", "--from", laptop.toString(), "--to", server);
        String shown = server.replace(":" + PASSWORD, "");
        assertThat(there.out()).contains("Copied run 'alpha' (19/20 done, 1 failed) from " + laptop + " to " + shown,
                "Copied run 'beta'", "stride run --db " + shown);
        // The server counted the outcomes once, in its slots; the runs row keeps 0 there.
        assertThat(onServer("SELECT t.done FROM run_totals t JOIN runs r USING (run_id) WHERE r.name = 'alpha'"))
                .isEqualTo(19);
        assertThat(onServer("SELECT done + failed + truncated FROM runs WHERE name = 'alpha'")).isZero();
        assertThat(ok("sql", "--db", server, "SELECT run, total, done, failed, pending, truncated FROM progress")
                .out()).isEqualTo(ok("sql", "--db", laptop.toString(),
                "SELECT run, total, done, failed, pending, truncated FROM progress").out());

        Cli.Result back = ok("copy", "--from", server, "--to", home.toString());
        // The counters came from the server's slots, not from its runs row.
        assertThat(back.out()).contains("Copied run 'alpha' (19/20 done, 1 failed) from " + shown + " to " + home);

        assertThat(query(home, RUN_ROW)).isEqualTo(query(laptop, RUN_ROW));
        assertThat(count(home, "SELECT count(*) FROM predictions")).isEqualTo(
                count(laptop, "SELECT count(*) FROM predictions"));
        for (String run : new String[] {"alpha", "beta"}) {
            for (ExportCommand.Format format : ExportCommand.Format.values()) {
                byte[] original = export(laptop.toString(), run, format);
                assertThat(original).isNotEmpty();
                assertThat(export(home.toString(), run, format)).as(run + " as " + format).isEqualTo(original);
                assertThat(export(server, run, format)).as(run + " as " + format + " on the server")
                        .isEqualTo(original);
            }
        }
    }

    /** The stored scores go to the server and come home with the run, by copy and by snapshot alike. */
    @Test
    void theStoredScoresTravelThroughPostgresqlAndBack() throws Exception {
        // FakeModelServer answers "echo: question N": contains is right, exact wrong.
        ok("score", "--db", laptop.toString(), "--run", "alpha", "--label-field", "question", "--metric", "contains");
        ok("score", "--db", laptop.toString(), "--run", "alpha", "--label-field", "question", "--metric", "exact");
        ok("score", "--db", laptop.toString(), "--run", "beta", "--label-field", "question", "--metric", "contains");
        long scores = count(laptop, "SELECT count(*) FROM scores");
        assertThat(scores).isGreaterThan(19 * 2);
        Path home = dir.resolve("home.db");
        Path snapshot = dir.resolve("snapshot.db");

        ok("copy", "--from", laptop.toString(), "--to", server);
        assertThat(onServer("SELECT count(*) FROM scores")).isEqualTo(scores);
        assertThat(onServer("SELECT sum(correct) FROM scoreboard WHERE metric = 'contains'")).isEqualTo(
                count(laptop, "SELECT sum(correct) FROM scoreboard WHERE metric = 'contains'"));
        ok("copy", "--from", server, "--to", home.toString());
        ok("snapshot", "--db", server, snapshot.toString());

        assertThat(query(home, CopyRunTest.SCORE_ROWS)).isEqualTo(query(laptop, CopyRunTest.SCORE_ROWS));
        assertThat(query(snapshot, CopyRunTest.SCORE_ROWS)).isEqualTo(query(laptop, CopyRunTest.SCORE_ROWS));
        assertThat(query(home, "SELECT * FROM scoreboard")).isEqualTo(query(laptop, "SELECT * FROM scoreboard"))
                .hasSize(3);
    }

    @Test
    void aHalfDoneRunCopiedToPostgresqlGoesOnThereAskingOnlyForItsPendingRecords() throws Exception {
        long pending = count(laptop, "SELECT pending FROM progress WHERE run = 'beta'");
        assertThat(pending).isBetween(1L, 19L);
        ok("copy", "--from", laptop.toString(), "--to", server, "--run", "beta");
        assertThat(onServer("SELECT count(*) FROM runs")).isEqualTo(1);

        int before = stride.model.requests.get();
        ok("run", input.toString(), "--db", server, "--model", "beta", "--base-url", stride.url(),
                "--template", "{{question}}");

        assertThat(stride.model.requests.get() - before).isEqualTo(pending);
        assertThat(onServer("SELECT count(*) FROM results WHERE run = 'beta' AND status = 'done'")).isEqualTo(20);
        assertThat(onServer("SELECT done FROM progress WHERE run = 'beta'")).isEqualTo(20);
        assertThat(onServer("SELECT elapsed_ms FROM runs")).isGreaterThanOrEqualTo(
                count(laptop, "SELECT elapsed_ms FROM runs WHERE name = 'beta'"));
        // The source is only read.
        assertThat(count(laptop, "SELECT pending FROM progress WHERE run = 'beta'")).isEqualTo(pending);
    }

    @Test
    void aRunThatPostgresqlAlreadyHasIsRefusedAndNothingIsWritten() throws Exception {
        ok("copy", "--from", laptop.toString(), "--to", server, "--run", "beta");
        long predictions = onServer("SELECT count(*) FROM predictions");
        long done = onServer("SELECT done FROM progress WHERE run = 'beta'");

        // alpha is not there yet, beta is: all or nothing.
        Cli.Result again = stride("copy", "--from", laptop.toString(), "--to", server);

        String shown = server.replace(":" + PASSWORD, "");
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err().strip()).isEqualTo("stride: " + shown + " already has a run 'beta', so nothing was"
                + " copied: clear it there first (stride clear --db " + shown + " --run beta) or copy to another"
                + " database");
        assertThat(onServer("SELECT count(*) FROM runs")).isEqualTo(1);
        assertThat(onServer("SELECT count(*) FROM predictions")).isEqualTo(predictions);
        assertThat(onServer("SELECT done FROM progress WHERE run = 'beta'")).isEqualTo(done);
    }

    /**
     * A snapshot of the server stopped (Ctrl+C, SIGTERM) at any point where it asks, after a batch of rows or written
     * but not yet named, leaves nothing: no file at its name and no partial beside it. The same snapshot not stopped
     * is whole.
     */
    @Test
    void aSnapshotOfTheServerStoppedAtAnyPointLeavesNothing() throws Exception {
        Datasets.addAnsweredRecords(laptop, 2_500); // batches of a thousand rows, each a point where a stop is asked
        ok("copy", "--from", laptop.toString(), "--to", server);
        PostgresLocation location = PostgresLocation.parse(server, Map.of());
        AtomicInteger asks = new AtomicInteger();
        Path whole = dir.resolve("whole.db");

        PostgresSnapshot.write(location, whole, () -> asks.incrementAndGet() < 0);

        assertThat(count(whole, "SELECT count(*) FROM predictions"))
                .isEqualTo(onServer("SELECT count(*) FROM predictions")).isGreaterThan(5_000);
        assertThat(asks.get()).as("points where a stop is asked").isGreaterThan(5);
        for (int stopAt = 1; stopAt <= asks.get(); stopAt++) {
            AtomicInteger asked = new AtomicInteger();
            int at = stopAt;
            Path stopped = dir.resolve("stopped-" + stopAt + ".db");
            assertThatThrownBy(() -> PostgresSnapshot.write(location, stopped, () -> asked.incrementAndGet() >= at))
                    .as("stopped at ask %d", at).isInstanceOf(TransferStoppedException.class);
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString())).as("stopped at ask %d", at)
                        .noneMatch(name -> name.startsWith("stopped-"));
            }
        }
    }
}
