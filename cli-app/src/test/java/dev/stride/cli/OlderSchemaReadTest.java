package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stride.db.SchemaUpgrade;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user who upgraded stride opens the file an older one wrote with a command that only reads it: the file is
 * upgraded first, as {@code stride run} would, said in one line on stderr, and the command does its job with the
 * counts and tokens the file holds. Where the file cannot be written it is refused in one line (exit 4), untouched.
 */
class OlderSchemaReadTest {
    private static final String UPGRADED = " from schema version 17 to 26, this stride's (a stride older than this"
            + " one no longer opens it)\n";

    @TempDir
    Path dir;

    private final Cli cli = new Cli();
    private final List<Path> mounted = new ArrayList<>();
    private Path db;
    private long done;
    private long failed;
    private long tokensIn;
    private long tokensOut;

    /** A finished run with failures, taken back to schema version 17 as the stride before this one left it. */
    @BeforeEach
    void olderFile() throws Exception {
        db = dir.resolve("runs.db");
        try (Simulator failing = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).serverError(0.3)
                .build()).start(0)) {
            Cli.Result run = cli.run("run", questions(dir, "q.jsonl", 40).toString(), "--db", db.toString(),
                    "--model", "m", "--base-url", failing.url(), "--template", "{{question}}", "--retries", "0",
                    "--quiet");
            assertThat(run.exitCode()).as(run.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        }
        done = count(db, "SELECT done FROM progress");
        failed = count(db, "SELECT failed FROM progress");
        tokensIn = count(db, "SELECT sum(prompt_tokens) FROM predictions");
        tokensOut = count(db, "SELECT sum(completion_tokens) FROM predictions");
        assertThat(done).isPositive();
        assertThat(failed).isPositive();
        assertThat(tokensIn).isPositive();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            OlderSchemas.backTo17(st);
        }
        assertThat(version(db)).isEqualTo(17);
    }

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounted) {
            Commands.exitCode("umount", "-l", m.toString());
        }
    }

    @Test
    void statusUpgradesTheFileSaysSoAndShowsItsCountsAndTokens() throws Exception {
        Cli.Result status = cli.run("status", "--db", db.toString());

        assertThat(status.exitCode()).as(status.all()).isZero();
        assertThat(status.err()).isEqualTo("upgraded " + db + UPGRADED);
        assertThat(status.out()).contains(done + "/40").contains(Numbers.compact(tokensIn) + "/"
                + Numbers.compact(tokensOut));
        assertThat(version(db)).isEqualTo(26);
        // V18 counted the tokens of the outcomes stored before it.
        assertThat(count(db, "SELECT tokens_in FROM runs")).isEqualTo(tokensIn);

        Cli.Result detail = cli.run("status", "--db", db.toString(), "--run", "m");
        assertThat(detail.exitCode()).as(detail.all()).isZero();
        assertThat(detail.err()).as("already upgraded: nothing to say").isEmpty();
        assertThat(detail.out()).contains(done + "/40 done").contains(failed + " failed")
                .contains("Tokens:      " + Numbers.grouped(tokensIn) + " in, " + Numbers.grouped(tokensOut) + " out");
    }

    @Test
    void statusOfOneRunUpgradesTheFileToo() throws Exception {
        Cli.Result detail = cli.run("status", "--db", db.toString(), "--run", "m");

        assertThat(detail.exitCode()).as(detail.all()).isZero();
        assertThat(detail.err()).isEqualTo("upgraded " + db + UPGRADED);
        assertThat(detail.out()).contains(done + "/40 done")
                .contains("Tokens:      " + Numbers.grouped(tokensIn) + " in, " + Numbers.grouped(tokensOut) + " out");
    }

    @Test
    void exportUpgradesTheFileAndWritesEveryRecord() throws Exception {
        Path out = dir.resolve("answers.jsonl");

        Cli.Result export = cli.run("export", "--db", db.toString(), "-o", out.toString());

        assertThat(export.exitCode()).as(export.all()).isZero();
        assertThat(export.err()).isEqualTo("upgraded " + db + UPGRADED
                + "Wrote " + out + ": 40 rows of run 'm', jsonl\n");
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(40);
        assertThat(lines.stream().filter(l -> l.contains("\"status\":\"done\""))).hasSize((int) done);
        assertThat(lines.stream().filter(l -> l.contains("\"status\":\"failed\""))).hasSize((int) failed);
        long exportedIn = 0;
        for (String line : lines) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"prompt_tokens\":(\\d+)").matcher(line);
            exportedIn += m.find() ? Long.parseLong(m.group(1)) : 0;
        }
        assertThat(exportedIn).isEqualTo(tokensIn);
        assertThat(version(db)).isEqualTo(26);
    }

    @Test
    void copyUpgradesItsSourceAndCopiesTheRunWhole() throws Exception {
        Path to = dir.resolve("copy.db");

        Cli.Result copy = cli.run("copy", "--from", db.toString(), "--to", to.toString());

        assertThat(copy.exitCode()).as(copy.all()).isZero();
        assertThat(copy.err()).isEqualTo("upgraded " + db + UPGRADED);
        assertThat(copy.out()).contains("Copied run 'm' (" + done + "/40 done, " + failed + " failed)");
        assertThat(version(db)).isEqualTo(26);
        assertThat(query(to, "SELECT done, failed, total FROM progress"))
                .containsExactly(Map.of("done", (int) done, "failed", (int) failed, "total", 40));
        assertThat(count(to, "SELECT tokens_in + tokens_out FROM runs")).isEqualTo(tokensIn + tokensOut);
    }

    @Test
    void reportUpgradesTheFileAndWritesThePage() throws Exception {
        Path page = dir.resolve("report.html");

        Cli.Result report = cli.run("report", "--db", db.toString(), "-o", page.toString());

        assertThat(report.exitCode()).as(report.all()).isZero();
        assertThat(report.err()).isEqualTo("upgraded " + db + UPGRADED);
        assertThat(page).isNotEmptyFile();
        assertThat(version(db)).isEqualTo(26);
    }

    /**
     * stride run opens the file to write it, and upgrades it as it opens it: said in the reading commands' line, once;
     * the run then goes on as on any file. A new file is created, not upgraded: nothing said.
     */
    @Test
    void runUpgradesTheFileAndSaysSoOnce() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Cli.Result run = cli.run(runArgs(sim, db, "m", "--retry-failed"));

            assertThat(run.exitCode()).as(run.all()).isZero();
            assertThat(run.err()).isEqualTo("upgraded " + db + UPGRADED);
            assertThat(version(db)).isEqualTo(26);
            assertThat(count(db, "SELECT done FROM progress")).isEqualTo(40);
            assertThat(count(db, "SELECT tokens_in FROM runs")).as("V18 counted the older outcomes' tokens too")
                    .isEqualTo(count(db, "SELECT sum(prompt_tokens) FROM predictions"));

            Cli.Result again = cli.run(runArgs(sim, db, "m"));
            assertThat(again.exitCode()).as(again.all()).isZero();
            assertThat(again.err()).as("already upgraded: nothing to say").isEmpty();

            Path fresh = dir.resolve("new.db");
            Cli.Result created = cli.run(runArgs(sim, fresh, "m"));
            assertThat(created.exitCode()).as(created.all()).isZero();
            assertThat(created.err()).as("a new file is created, not upgraded").isEmpty();
        }
    }

    /** Two runs started together on the older file: the one that upgraded it says so, the other nothing. */
    @Test
    void ofTwoRunsStartedTogetherOnlyTheOneThatUpgradedTheFileSaysSo() throws Exception {
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Cli.Result>> runs = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return cli.run(runArgs(sim, db, "m", "--run", name));
                }));
            }
            go.countDown();
            List<String> errs = new ArrayList<>();
            for (CompletableFuture<Cli.Result> run : runs) {
                Cli.Result r = run.get(120, TimeUnit.SECONDS);
                assertThat(r.exitCode()).as(r.all()).isZero();
                errs.add(r.err());
            }

            assertThat(errs).containsExactlyInAnyOrder("upgraded " + db + UPGRADED, "");
            assertThat(version(db)).isEqualTo(26);
        }
    }

    /** A copy into the older file (another run) upgrades it as it opens it, and says so as run does. */
    @Test
    void copyIntoTheOlderFileUpgradesItAndSaysSo() throws Exception {
        Path other = dir.resolve("other.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Cli.Result run = cli.run(runArgs(sim, other, "n"));
            assertThat(run.exitCode()).as(run.all()).isZero();
        }

        Cli.Result copy = cli.run("copy", "--from", other.toString(), "--to", db.toString());

        assertThat(copy.exitCode()).as(copy.all()).isZero();
        assertThat(copy.err()).isEqualTo("upgraded " + db + UPGRADED);
        assertThat(copy.out()).contains("Copied run 'n' (40/40 done, 0 failed)");
        assertThat(version(db)).isEqualTo(26);
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(2);
    }

    /** A merge into the older file upgrades it as it opens it, and says so as run does. */
    @Test
    void mergeIntoTheOlderFileUpgradesItAndSaysSo() throws Exception {
        List<String> merge = new ArrayList<>(List.of("merge", "--to", db.toString()));
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            for (int i = 0; i < 2; i++) {
                Path shard = dir.resolve("shard-" + i + ".db");
                Cli.Result run = cli.run(runArgs(sim, shard, "s", "--shard", i + "/2"));
                assertThat(run.exitCode()).as(run.all()).isZero();
                merge.add(shard.toString());
            }
        }

        Cli.Result merged = cli.run(merge.toArray(String[]::new));

        assertThat(merged.exitCode()).as(merged.all()).isZero();
        assertThat(merged.err()).isEqualTo("upgraded " + db + UPGRADED);
        assertThat(merged.out()).startsWith("Merged 2 shards into run 's' in " + db);
        assertThat(version(db)).isEqualTo(26);
        assertThat(count(db, "SELECT done FROM progress WHERE run = 's'")).isEqualTo(40);
    }

    private String[] runArgs(Simulator sim, Path into, String model, String... more) {
        List<String> args = new ArrayList<>(List.of("run", dir.resolve("q.jsonl").toString(), "--db",
                into.toString(), "--model", model, "--base-url", sim.url(), "--template", "{{question}}", "--quiet"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /**
     * A snapshot is the file as it is, for a machine whose stride may be the older one: it keeps the file's schema
     * (the source is not upgraded either), and names the runs it holds.
     */
    @Test
    void snapshotCopiesTheFileAsItIsAndNamesItsRuns() throws Exception {
        Path snapshot = dir.resolve("snapshot.db");

        Cli.Result taken = cli.run("snapshot", "--db", db.toString(), snapshot.toString());

        assertThat(taken.exitCode()).as(taken.all()).isZero();
        assertThat(taken.err()).isEmpty();
        assertThat(taken.out()).contains("'m': " + done + "/40 done, " + failed + " failed");
        assertThat(version(db)).isEqualTo(17);
        assertThat(version(snapshot)).isEqualTo(17);
        assertThat(count(snapshot, "SELECT count(*) FROM predictions")).isEqualTo(40);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no .partial left")
                    .containsExactlyInAnyOrder("q.jsonl", "runs.db", "snapshot.db");
        }
    }

    /**
     * On a read-only disk nothing can upgrade the file: each command says so in one line with what to do, exits 4
     * (as the refusal of an older file always did), and leaves the file as it was and writes nothing.
     */
    @Test
    void aReadOnlyOlderFileIsRefusedInOneLineAndLeftAsItWas() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("ro"));
        assumeTrue(Commands.exitCode("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", folder.toString()) == 0,
                "cannot mount a tmpfs here (needs root): skipped");
        mounted.add(folder);
        Path ro = folder.resolve("runs.db");
        Files.copy(db, ro);
        byte[] before = Files.readAllBytes(ro);
        assertThat(Commands.exitCode("mount", "-o", "remount,ro", folder.toString())).isZero();
        String refusal = "stride: " + ro + " has an older schema (version 17), which this stride cannot upgrade"
                + " while the file is read-only: make it writable (or copy it to a writable folder) and run the"
                + " command again: any stride command upgrades it first (stride status --db " + ro + " is the quickest)\n";
        Path out = dir.resolve("answers.jsonl");
        Path to = dir.resolve("copy.db");

        for (String[] command : List.of(new String[] {"status", "--db", ro.toString()},
                new String[] {"status", "--db", ro.toString(), "--run", "m"},
                new String[] {"export", "--db", ro.toString(), "-o", out.toString()},
                new String[] {"copy", "--from", ro.toString(), "--to", to.toString()})) {
            Cli.Result refused = cli.run(command);
            assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.DATABASE);
            assertThat(refused.err()).as(String.join(" ", command)).isEqualTo(refusal);
            assertThat(refused.out()).isEmpty();
        }
        assertThat(out).doesNotExist();
        assertThat(to).doesNotExist();
        assertThat(Files.readAllBytes(ro)).isEqualTo(before);
        try (var left = Files.list(folder)) {
            assertThat(left).containsExactly(ro);
        }
    }

    /** Never downgraded, never written: a file of a newer stride is refused by a command that reads, as by run. */
    /**
     * Several commands started together on one older file each find it older; the first to take the write lock
     * upgrades it, and only that one says so. Here another stride upgrades it between the look and the upgrade.
     */
    @Test
    void anUpgradeAnotherStrideMadeFirstIsNotSaidAsThisOnes() {
        Optional<SchemaUpgrade> upgrade = SqliteCheckpointStore.upgradeIfOlder(db,
                () -> SqliteCheckpointStore.open(db).close());

        assertThat(upgrade).isEmpty();
        assertThat(SqliteCheckpointStore.upgradeIfOlder(db, () -> { })).as("once current, only read").isEmpty();
    }

    /**
     * An older stride still at work on the file (its worker's lease holds; here one of another machine) would find
     * it upgraded and refuse it at its next start or status: the file is left as it is, and the line says why.
     */
    @Test
    void anOlderFileAnOlderStrideIsAtWorkOnIsLeftAsItIs() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                    + " lease_until) VALUES ((SELECT run_id FROM runs), 'w1', 1, 'gpu-7', 4242,"
                    + " '2026-12-06 07:00:00.000', '2026-12-06 07:00:00.000', '2999-01-01 00:00:00.000')");
        }
        byte[] before = Files.readAllBytes(db);

        Cli.Result status = cli.run("status", "--db", db.toString());

        assertThat(status.exitCode()).as(status.all()).isEqualTo(ExitCodes.BUSY);
        assertThat(status.err()).isEqualTo("stride: " + db + " has an older schema (version 17) and a stride of that"
                + " version is at work on it (gpu-7 pid 4242): this stride upgrades it once that run has stopped;"
                + " until then look at it with that stride\n");
        assertThat(version(db)).isEqualTo(17);
        assertThat(Files.readAllBytes(db)).isEqualTo(before);
    }

    /**
     * The commands that write the file (run, demo, copy and merge into it) upgrade it as they open it; with an older
     * stride at work on it they leave it as it is, in the reading commands' line: that stride would otherwise be
     * locked out of its own file at its next start.
     */
    @Test
    void theWritersLeaveAnOlderFileAnOlderStrideIsAtWorkOnAsItIs() throws Exception {
        Path other = dir.resolve("other.db");
        List<String> merge = new ArrayList<>(List.of("merge", "--to", db.toString()));
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Cli.Result source = cli.run(runArgs(sim, other, "n"));
            assertThat(source.exitCode()).as(source.all()).isZero();
            for (int i = 0; i < 2; i++) {
                Path shard = dir.resolve("shard-" + i + ".db");
                Cli.Result run = cli.run(runArgs(sim, shard, "s", "--shard", i + "/2"));
                assertThat(run.exitCode()).as(run.all()).isZero();
                merge.add(shard.toString());
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                st.execute("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                        + " lease_until) VALUES ((SELECT run_id FROM runs), 'w1', 1, 'gpu-7', 4242,"
                        + " '2026-12-06 07:00:00.000', '2026-12-06 07:00:00.000', '2999-01-01 00:00:00.000')");
            }
            byte[] before = Files.readAllBytes(db);

            for (String[] writer : List.of(runArgs(sim, db, "m"), new String[] {"demo", "--db", db.toString()},
                    new String[] {"copy", "--from", other.toString(), "--to", db.toString()},
                    merge.toArray(String[]::new))) {
                Cli.Result refused = cli.run(writer);

                assertThat(refused.exitCode()).as(writer[0] + ": " + refused.all()).isEqualTo(ExitCodes.BUSY);
                assertThat(refused.err()).as(writer[0]).isEqualTo("stride: " + db + " has an older schema (version"
                        + " 17) and a stride of that version is at work on it (gpu-7 pid 4242): this stride upgrades"
                        + " it once that run has stopped; until then look at it with that stride\n");
                assertThat(version(db)).as(writer[0]).isEqualTo(17);
                assertThat(Files.readAllBytes(db)).as(writer[0]).isEqualTo(before);
                try (var listed = Files.list(dir)) {
                    assertThat(listed.filter(f -> f.getFileName().toString().startsWith("runs.db")))
                            .as(writer[0] + ": nothing left beside it").containsExactly(db);
                }
            }

            // Once that stride has stopped (its lease lapsed), the next run upgrades the file as any older one.
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                st.execute("UPDATE workers SET lease_until = '2000-01-01 00:00:00.000'");
            }
            Cli.Result run = cli.run(runArgs(sim, db, "m"));
            assertThat(run.exitCode()).as(run.all()).isIn(0, ExitCodes.FAILED_RECORDS);
            assertThat(run.err()).isEqualTo("upgraded " + db + UPGRADED);
            assertThat(version(db)).isEqualTo(26);
        }
    }

    @Test
    void aNewerFileIsStillRefusedAndLeftAsItWas() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (99, '99', 'from the future', 'SQL',"
                    + " 'V99__from_the_future.sql', 0, 'stride', 1, 1)");
        }
        byte[] before = Files.readAllBytes(db);

        Cli.Result status = cli.run("status", "--db", db.toString());

        assertThat(status.exitCode()).as(status.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(status.err()).isEqualTo("stride: " + db + " was written by a newer stride (schema version 99;"
                + " this stride knows up to 26): use that stride or a newer one\n");
        assertThat(Files.readAllBytes(db)).isEqualTo(before);
    }

    private static long version(Path db) throws Exception {
        return count(db, "SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history");
    }
}
