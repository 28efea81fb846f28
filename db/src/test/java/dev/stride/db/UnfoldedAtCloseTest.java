package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import dev.stride.core.RunState;
import dev.stride.core.UnfoldedLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a store's close says of the WAL it could not fold into the file: a connection that keeps a read transaction
 * open on an older snapshot (a sqlite3 shell after {@code BEGIN; SELECT}) keeps the last commits out of the file,
 * which alone is then not whole. Nothing when the fold is made, nor while another worker still writes the file (its
 * own close folds the WAL in, or says so). Real files, a real second connection.
 */
class UnfoldedAtCloseTest {
    /** Fixed: a worker that saved its cursor is live however slowly the machine runs the test. */
    private final Clock clock = Clock.fixed(Fixtures.T0, ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void aCloseBesideNoReaderFoldsEverythingInAndSaysNothing() throws Exception {
        Path file = dir.resolve("runs.db");
        SqliteCheckpointStore store = SqliteCheckpointStore.open(file, clock);
        answerAll(store, "a", 20);

        store.close();

        assertThat(store.unfoldedAtClose()).isEmpty();
        assertThat(walBytes(file)).isZero();
    }

    @Test
    void aCloseBesideAReadTransactionSaysTheWalItLeftUnfolded() throws Exception {
        Path file = dir.resolve("runs.db");
        SqliteCheckpointStore.open(file, clock).close();
        SqliteCheckpointStore store = SqliteCheckpointStore.open(file, clock);
        assertThat(store.unfoldedAtClose()).as("before the close").isEmpty();

        try (Connection shell = Fixtures.jdbc(file); Statement st = shell.createStatement()) {
            pinSnapshot(shell, st);
            answerAll(store, "a", 20);

            store.close();

            long walBytes = walBytes(file);
            assertThat(walBytes).isPositive();
            assertThat(store.unfoldedAtClose()).contains(new UnfoldedLog(file, Path.of(file + "-wal"), walBytes));
            Path copy = Files.createDirectory(dir.resolve("cp")).resolve("runs.db");
            Files.copy(file, copy);
            try (Connection c = Fixtures.jdbc(copy); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM runs")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).as("the file alone lacks the run").isZero();
            }
            shell.commit();
        }
    }

    @Test
    void aWorkerThatClosesWhileAnotherStillWritesTheRunLeavesTheWalToThatOne() throws Exception {
        Path file = dir.resolve("shared.db");
        SqliteCheckpointStore first = SqliteCheckpointStore.open(file, clock);
        first.syncRun(spec("a"), recs(20).iterator());
        long run = first.findRun("a").orElseThrow().id();
        SqliteCheckpointStore second = SqliteCheckpointStore.open(file, clock);
        first.join(run, Duration.ofSeconds(30));
        second.join(run, Duration.ofSeconds(30));

        try (Connection shell = Fixtures.jdbc(file); Statement st = shell.createStatement()) {
            pinSnapshot(shell, st);
            List<InputRecord> mine = first.claim(run, -1, 10, false);
            mine.forEach(r -> first.savePrediction(run, r, done("out " + r.id())));
            first.saveCursor(run, 10, RunState.RUNNING);

            first.close();

            assertThat(first.unfoldedAtClose()).as("the second worker still writes the run").isEmpty();

            List<InputRecord> theirs = second.claim(run, -1, 10, false);
            theirs.forEach(r -> second.savePrediction(run, r, done("out " + r.id())));
            second.saveCursor(run, 20, RunState.DONE);
            second.close();

            assertThat(second.unfoldedAtClose()).as("the last writer, beside the reader").isPresent();
            shell.commit();
        }
    }

    /** A read transaction that keeps the snapshot of its first read, as {@code BEGIN; SELECT ...} in a shell does. */
    private static void pinSnapshot(Connection shell, Statement st) throws Exception {
        shell.setAutoCommit(false);
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
            assertThat(rs.next()).isTrue();
        }
    }

    private static void answerAll(SqliteCheckpointStore store, String name, int n) {
        List<InputRecord> input = recs(n);
        store.syncRun(spec(name), input.iterator());
        long run = store.findRun(name).orElseThrow().id();
        input.forEach(r -> store.savePrediction(run, r, done("out " + r.id())));
        store.saveCursor(run, 10, RunState.DONE);
    }

    private static long walBytes(Path file) throws Exception {
        Path wal = Path.of(file + "-wal");
        return Files.exists(wal) ? Files.size(wal) : 0;
    }
}
