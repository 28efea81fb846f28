package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands outside a run that write a SQLite file whose write lock another connection holds (a sqlite3 shell after
 * BEGIN IMMEDIATE): they wait as a run does rather than giving up after the busy timeout (exit 4), say once what they
 * wait for, and a Ctrl+C ends the wait with exit 130 and the file as it was.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HeldFileCommandsTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path db;
    private Path other;

    @BeforeEach
    void aRunInEachOfTwoFiles() throws Exception {
        db = dir.resolve("runs.db");
        other = dir.resolve("other.db");
        Path input = questions(dir, "q.jsonl", 20);
        assertThat(stride.run(input, db).model("alpha").template("{{question}}").with().exitCode()).isZero();
        assertThat(stride.run(input, other).model("beta").template("{{question}}").with().exitCode()).isZero();
    }

    private static final String WAITING = "waiting for %s: another connection holds its write lock (a sqlite3 shell"
            + " after BEGIN, a stride run of this file?) for ";

    @Test
    void clearWaitsForAHeldFileSayingSoOnceAndClearsOnceLetGo() throws Exception {
        CountDownLatch said = waitingSaid();
        try (Connection shell = jdbc(db); Statement s = shell.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            CompletableFuture<Cli.Result> clearing = CompletableFuture.supplyAsync(
                    () -> stride.cli.run("clear", "--db", db.toString(), "--run", "alpha", "--yes"));
            awaitSaid(said, clearing);
            assertThat(clearing).isNotDone();
            s.execute("COMMIT");
            Cli.Result cleared = clearing.get();
            assertThat(cleared.exitCode()).as(cleared.err()).isZero();
            assertThat(cleared.err()).startsWith(WAITING.formatted(db))
                    .endsWith("; nothing is changed until it lets go, Ctrl+C stops and leaves it as it was\n");
            assertThat(cleared.err().lines()).hasSize(1);
        }
        assertThat(count(db, "SELECT count(*) FROM runs")).isZero();
    }

    @Test
    void ctrlCWhileClearWaitsExits130AndLeavesTheFileAsItWas() throws Exception {
        CountDownLatch said = waitingSaid();
        try (Connection shell = jdbc(db); Statement s = shell.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            CompletableFuture<Cli.Result> clearing = CompletableFuture.supplyAsync(
                    () -> stride.cli.run("clear", "--db", db.toString(), "--run", "alpha", "--yes"));
            awaitSaid(said, clearing);
            assertThat(stride.cli.pressCtrlC()).isTrue();
            Cli.Result stopped = clearing.get();
            assertThat(stopped.exitCode()).as(stopped.err()).isEqualTo(130);
            assertThat(stopped.err()).endsWith("stride: interrupted while waiting for " + db + ", held by another"
                    + " connection: nothing was cleared, " + db + " is as it was\n");
            s.execute("COMMIT");
        }
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(1);
    }

    @Test
    void copyIntoAHeldFileWaitsAndCtrlCLeavesItAsItWas() throws Exception {
        CountDownLatch said = waitingSaid();
        try (Connection shell = jdbc(db); Statement s = shell.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            CompletableFuture<Cli.Result> copying = CompletableFuture.supplyAsync(
                    () -> stride.cli.run("copy", "--from", other.toString(), "--to", db.toString()));
            awaitSaid(said, copying);
            assertThat(stride.cli.pressCtrlC()).isTrue();
            Cli.Result stopped = copying.get();
            assertThat(stopped.exitCode()).as(stopped.err()).isEqualTo(130);
            assertThat(stopped.err()).startsWith(WAITING.formatted(db))
                    .contains("nothing of it was written to " + db + ", which is as it was");
            s.execute("COMMIT");
        }
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(1);
        // Let go, the same copy goes through.
        Cli.Result copied = stride.cli.run("copy", "--from", other.toString(), "--to", db.toString());
        assertThat(copied.exitCode()).as(copied.err()).isZero();
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(2);
    }

    @Test
    void mergeIntoAHeldFileWaitsAndCtrlCLeavesItAsItWasThenMergesOnceLetGo() throws Exception {
        Path input = questions(dir, "s.jsonl", 20);
        List<String> merge = new ArrayList<>(List.of("merge", "--to", db.toString()));
        for (int i = 0; i < 2; i++) {
            Path shard = dir.resolve("shard-" + i + ".db");
            assertThat(stride.run(input, shard).model("gamma").template("{{question}}").with("--shard", i + "/2")
                    .exitCode()).isZero();
            merge.add(shard.toString());
        }
        CountDownLatch said = waitingSaid();
        try (Connection shell = jdbc(db); Statement s = shell.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            CompletableFuture<Cli.Result> merging = CompletableFuture.supplyAsync(
                    () -> stride.cli.run(merge.toArray(String[]::new)));
            awaitSaid(said, merging);
            assertThat(stride.cli.pressCtrlC()).isTrue();
            Cli.Result stopped = merging.get();
            assertThat(stopped.exitCode()).as(stopped.err()).isEqualTo(130);
            assertThat(stopped.err()).startsWith(WAITING.formatted(db));
            s.execute("COMMIT");
        }
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(1);
        Cli.Result merged = stride.cli.run(merge.toArray(String[]::new));
        assertThat(merged.exitCode()).as(merged.err()).isZero();
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(2);
    }

    /** Counted down once a command says on stderr that it waits for the file. */
    private CountDownLatch waitingSaid() {
        CountDownLatch said = new CountDownLatch(1);
        stride.cli.watchingErr(text -> {
            if (text.contains("waiting for")) {
                said.countDown();
            }
        });
        return said;
    }

    /** Until the wait is said; a command that ends first (it gave up on the held file: exit 4) fails the test. */
    private static void awaitSaid(CountDownLatch said, CompletableFuture<Cli.Result> command) throws Exception {
        while (!said.await(50, TimeUnit.MILLISECONDS)) {
            if (command.isDone()) {
                Cli.Result r = command.get();
                throw new AssertionError("ended without waiting, exit " + r.exitCode() + ": " + r.err());
            }
        }
    }

    private static Connection jdbc(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }

    private static long count(Path file, String sql) throws SQLException {
        try (Connection c = jdbc(file); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
