package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.SqliteCheckpointStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code stride copy}: a run moved between databases exports and resumes exactly as it would have where it was. */
class CopyRunTest {
    /** Everything a run is besides its id, which each database hands out. */
    private static final String RUN_ROW = "SELECT name, model, base_urls, template, params, created_at, total, done,"
            + " failed, truncated, low_watermark, elapsed_ms, saved_at, state, heartbeat_at, input_digest, shard,"
            + " scoring_metric, scoring_label_field, scoring_extract FROM runs ORDER BY name";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path input;
    private Path laptop;

    /** Two runs in one file: alpha done with a failure, beta interrupted partway. */
    @BeforeEach
    void twoRuns() throws Exception {
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
        assertThat(beta(laptop).with("--concurrency", "1").exitCode()).isEqualTo(130);
        stride.model.answering(prompt -> null);
    }

    private CliFixture.RunArgs beta(Path db) {
        return stride.run(input, db).model("beta").template("{{question}}");
    }

    @Test
    void aRoundTripExportsEveryRunByteForByteInEveryFormat() throws Exception {
        Path cluster = dir.resolve("cluster.db");
        Path home = dir.resolve("home.db");
        Cli.Result there = stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString());
        assertThat(there.exitCode()).as(there.all()).isZero();
        assertThat(there.out()).contains("Copied run 'alpha' (19/20 done, 1 failed)", "Copied run 'beta'",
                "stride run --db " + cluster);
        Cli.Result back = stride.cli.run("copy", "--from", cluster.toString(), "--to", home.toString());
        assertThat(back.exitCode()).as(back.all()).isZero();

        assertThat(query(home, RUN_ROW)).isEqualTo(query(laptop, RUN_ROW));
        for (String run : new String[] {"alpha", "beta"}) {
            for (ExportCommand.Format format : ExportCommand.Format.values()) {
                assertThat(export(home, run, format)).as(run + " as " + format)
                        .isEqualTo(export(laptop, run, format)).isNotEmpty();
            }
        }
        assertThat(count(home, "SELECT count(*) FROM predictions")).isEqualTo(
                count(laptop, "SELECT count(*) FROM predictions"));
    }

    /** Every score as the user reads it back: by run name, as each database hands out its own run ids. */
    static final String SCORE_ROWS = "SELECT ru.name, s.record_id, s.metric, s.label_field, s.extract, s.label,"
            + " s.correct, s.parsed, s.extracted, s.answered_at, s.record_hash, s.scored_at"
            + " FROM scores s JOIN runs ru ON ru.run_id = s.run_id ORDER BY ru.name, s.record_id, s.metric";

    /** Scores the run: FakeModelServer answers "echo: question N", so contains is right and exact wrong. */
    private void score(Path db, String run, String metric) {
        Cli.Result r = stride.cli.run("score", "--db", db.toString(), "--run", run, "--label-field", "question",
                "--metric", metric);
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    /** The scores are the run's too: copied, its scoreboard reads the same and compare works on it unscored. */
    @Test
    void theStoredScoresTravelWithTheRun() throws Exception {
        score(laptop, "alpha", "contains");
        score(laptop, "alpha", "exact");
        score(laptop, "beta", "contains");
        Path cluster = dir.resolve("cluster.db");
        Path home = dir.resolve("home.db");

        assertThat(stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString()).exitCode())
                .isZero();
        assertThat(stride.cli.run("copy", "--from", cluster.toString(), "--to", home.toString(), "--run", "alpha")
                .exitCode()).isZero();

        assertThat(count(cluster, "SELECT count(*) FROM scores")).isEqualTo(
                count(laptop, "SELECT count(*) FROM scores")).isGreaterThan(19 * 2);
        assertThat(query(cluster, SCORE_ROWS)).isEqualTo(query(laptop, SCORE_ROWS));
        assertThat(query(cluster, "SELECT * FROM scoreboard")).isEqualTo(query(laptop, "SELECT * FROM scoreboard"))
                .hasSize(3);
        assertThat(query(home, "SELECT * FROM scoreboard")).isEqualTo(
                query(laptop, "SELECT * FROM scoreboard WHERE run = 'alpha'"));
        Cli.Result compared = stride.cli.run("compare", "--db", cluster.toString(), "alpha", "beta");
        assertThat(compared.exitCode()).as(compared.all()).isZero();
        assertThat(compared.out()).isEqualTo(
                stride.cli.run("compare", "--db", laptop.toString(), "alpha", "beta").out());
    }

    /** The way a run scores as answers arrive is kept with it: a copy's short resume scores that way too. */
    @Test
    void theWayARunScoresTravelsWithIt() throws Exception {
        Cli.Result scored = stride.cli.run("run", "--db", laptop.toString(), "--run", "beta", "--label-field",
                "question", "--metric", "contains", "--log-every", "0");
        assertThat(scored.exitCode()).as(scored.all()).isZero();
        String ways = "SELECT name, scoring_metric, scoring_label_field, scoring_extract FROM runs ORDER BY name";
        assertThat(query(laptop, ways)).extracting(row -> row.get("scoring_metric")).containsExactly(null,
                "contains");
        Path cluster = dir.resolve("cluster.db");
        Path home = dir.resolve("home.db");
        assertThat(stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString()).exitCode())
                .isZero();
        assertThat(stride.cli.run("copy", "--from", cluster.toString(), "--to", home.toString()).exitCode())
                .isZero();
        assertThat(query(home, ways)).isEqualTo(query(laptop, ways));
    }

    /** What {@code stride export} writes for one run in one format: into a file for parquet (binary), else out. */
    private byte[] export(Path db, String run, ExportCommand.Format format) throws Exception {
        List<String> args = new ArrayList<>(List.of("export", "--db", db.toString(), "--run", run,
                "--format", format.name()));
        Path file = dir.resolve(db.getFileName() + "-" + run + "." + format);
        if (format == ExportCommand.Format.parquet) {
            args.addAll(List.of("-o", file.toString()));
        }
        Cli.Result r = stride.cli.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.all()).isZero();
        return format == ExportCommand.Format.parquet ? Files.readAllBytes(file)
                : r.out().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCopiedHalfDoneRunGoesOnWithTheSameCommandAskingOnlyForItsPendingRecords() throws Exception {
        Path cluster = dir.resolve("cluster.db");
        long pending = count(laptop, "SELECT pending FROM progress WHERE run = 'beta'");
        assertThat(pending).isBetween(1L, 19L);
        assertThat(stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString(), "--run", "beta")
                .exitCode()).isZero();
        assertThat(count(cluster, "SELECT count(*) FROM runs")).isEqualTo(1);

        int before = stride.model.requests.get();
        Cli.Result resumed = beta(cluster).with();

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(stride.model.requests.get() - before).isEqualTo(pending);
        assertThat(count(cluster, "SELECT count(*) FROM results WHERE run = 'beta' AND status = 'done'"))
                .isEqualTo(20);
        assertThat(count(cluster, "SELECT elapsed_ms FROM runs")).isGreaterThanOrEqualTo(
                count(laptop, "SELECT elapsed_ms FROM runs WHERE name = 'beta'"));
        // The source is only read.
        assertThat(count(laptop, "SELECT pending FROM progress WHERE run = 'beta'")).isEqualTo(pending);
    }

    /**
     * A copy of a run at work is a run nobody works on, as a snapshot is: interrupted there, not running with a rate
     * and an ETA, and the same command goes on with it at once.
     */
    @Test
    void aCopyOfARunAtWorkIsInterruptedThereAndGoesOn() throws Exception {
        Path cluster = dir.resolve("cluster.db");
        try (SqliteCheckpointStore worker = SqliteCheckpointStore.open(laptop)) {
            long beta = worker.findRun("beta").orElseThrow().id();
            worker.join(beta, Duration.ofSeconds(60));
            assertThat(worker.claim(beta, -1, 5, false)).hasSize(5);
            try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + laptop);
                 var st = c.createStatement()) {
                st.executeUpdate("UPDATE runs SET state = 'running' WHERE name = 'beta'"); // as a run going has it
            }

            Cli.Result r = stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString());

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(query(laptop, "SELECT state FROM runs WHERE name = 'beta'")).containsExactly(
                    Map.of("state", "running"));
        }
        assertThat(count(cluster, "SELECT count(*) FROM workers")).isZero();
        assertThat(count(cluster, "SELECT count(*) FROM claims")).isZero();
        assertThat(query(cluster, "SELECT run, state FROM progress ORDER BY run")).containsExactly(
                Map.of("run", "alpha", "state", "done_with_failures"), Map.of("run", "beta", "state", "interrupted"));
        Cli.Result status = stride.cli.run("status", "--db", cluster.toString());
        assertThat(status.out()).as(status.all()).containsPattern("\\bbeta\\b.*\\binterrupted\\b")
                .doesNotContain("running");

        Cli.Result resumed = beta(cluster).with();
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(query(cluster, "SELECT state, done, pending FROM progress WHERE run = 'beta'")).containsExactly(
                Map.of("state", "done", "done", 20, "pending", 0));
    }

    @Test
    void aRunThatIsAlreadyThereIsRefusedAndNothingIsWritten() throws Exception {
        Path cluster = dir.resolve("cluster.db");
        assertThat(stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString(), "--run", "beta")
                .exitCode()).isZero();

        // alpha is not there yet, beta is: all or nothing.
        Cli.Result again = stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString());

        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err().strip()).isEqualTo("stride: " + cluster + " already has a run 'beta', so nothing was"
                + " copied: clear it there first (stride clear --db " + cluster + " --run beta) or copy to another"
                + " database");
        assertThat(query(cluster, "SELECT name FROM runs")).hasSize(1);
    }

    /** "Clear it there first" would clear the only copy: the same file, however spelled, is refused up front. */
    @Test
    void theSourceAsDestinationIsRefusedUpFrontAndNothingIsWritten() throws Exception {
        byte[] before = Files.readAllBytes(laptop);
        Path link = Files.createSymbolicLink(dir.resolve("link.db"), laptop.getFileName());
        for (Path to : List.of(laptop, dir.resolve(".").resolve("laptop.db"), link)) {
            Cli.Result r = stride.cli.run("copy", "--from", laptop.toString(), "--to", to.toString(), "--run", "beta");

            assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
            assertThat(r.err()).isEqualTo("stride: --from " + laptop + " and --to " + to + ": source and destination"
                    + " are the same file; nothing was copied, name another database with --to\n");
            assertThat(Files.readAllBytes(laptop)).isEqualTo(before);
        }
        Path wal = dir.resolve("laptop.db-wal");
        Cli.Result side = stride.cli.run("copy", "--from", laptop.toString(), "--to", wal.toString());
        assertThat(side.exitCode()).isEqualTo(2);
        assertThat(side.err()).startsWith("stride: cannot write " + wal + ": it is the -wal file of the database "
                + laptop);
        assertThat(wal).doesNotExist();
        assertThat(query(laptop, "SELECT name FROM runs ORDER BY name")).extracting(row -> row.get("name"))
                .containsExactly("alpha", "beta");
    }

    @Test
    void aRunTheSourceLacksIsRefusedAndNoFileIsLeft() {
        Path cluster = dir.resolve("cluster.db");

        Cli.Result r = stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString(),
                "--run", "gamma");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("stride: " + laptop + " has no run 'gamma': name one it holds with --run, or"
                + " leave --run out to copy them all; it holds 'alpha', 'beta'\n");
        assertThat(Files.exists(cluster)).isFalse();
    }

    @Test
    void aRunNotAmongHundredsIsRefusedInAShortLineNamingTheNearest() throws Exception {
        Datasets.addSweepRunsLike(laptop, "alpha");
        Path cluster = dir.resolve("cluster.db");

        Cli.Result r = stride.cli.run("copy", "--from", laptop.toString(), "--to", cluster.toString(),
                "--run", "lora-step5000-t9");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("stride: " + laptop + " has no run 'lora-step5000-t9': name one it holds with"
                + " --run, or leave --run out to copy them all; it holds 302 runs, such as 'lora-step5000-t0',"
                + " 'lora-step5000-t1', 'lora-step5000-t2' (stride status lists them all)\n");
        assertThat(Files.exists(cluster)).isFalse();
        Cli.Result zh = new Cli(Map.of("LANG", "zh_CN.UTF-8")).run("copy", "--from", laptop.toString(), "--to",
                cluster.toString(), "--run", "lora-step5000-t9");
        assertThat(zh.err()).contains("；其中有 302 个任务，例如 'lora-step5000-t0'").doesNotContain("lora-step100-");
    }

    @Test
    void aMissingSourceIsRefused() {
        Cli.Result r = stride.cli.run("copy", "--from", dir.resolve("nope.db").toString(), "--to",
                dir.resolve("x.db").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("nope.db: no such database");
    }

    @Test
    void aTargetThatCannotBeADatabaseIsToldWithoutNamingAnOptionCopyDoesNotHave() throws Exception {
        Path laptop = dir.resolve("laptop.db");
        assertThat(beta(laptop).with().exitCode()).isZero();
        Path noFolder = dir.resolve("missing").resolve("x.db");
        Path notSqlite = Files.writeString(dir.resolve("notes.db"), "id,answer\n");

        Cli.Result r = stride.cli.run("copy", "--from", laptop.toString(), "--to", noFolder.toString());
        Cli.Result s = stride.cli.run("copy", "--from", laptop.toString(), "--to", notSqlite.toString());

        // A mistyped path is a usage error, as export's and snapshot's: the database itself is not at fault.
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noFolder.getParent()).doesNotExist();
        assertThat(r.err()).isEqualTo("stride: cannot open " + noFolder + ": folder " + noFolder.getParent()
                + " does not exist; create it or name a file elsewhere" + System.lineSeparator());
        assertThat(s.exitCode()).isEqualTo(ExitCodes.DATABASE);
        assertThat(s.err()).isEqualTo("stride: " + notSqlite + " is not a SQLite database: check the file named"
                + " (stride never writes to a file that is not its own)" + System.lineSeparator());
        assertThat(Files.readString(notSqlite)).isEqualTo("id,answer\n");
    }
}
