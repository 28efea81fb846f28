package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.DatabaseOutage;
import dev.stride.core.InputRecord;
import dev.stride.core.RecordOutcome;
import dev.stride.core.RunListener;
import dev.stride.core.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another connection holds the file's write lock (a sqlite3 shell after BEGIN IMMEDIATE) while a run writes it: the
 * run's writes wait for it as long as it is held, told as a database held (locked), instead of failing after the
 * busy timeout and throwing away the answers they carried; a stop bounds the wait.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HeldWriteLockTest {
    @TempDir
    Path dir;

    private final List<DatabaseOutage> held = new CopyOnWriteArrayList<>();
    private final List<DatabaseOutage> back = new CopyOnWriteArrayList<>();
    private final List<Long> pinned = new CopyOnWriteArrayList<>();

    private final RunListener listener = new RunListener() {
        @Override
        public void databaseUnreachable(DatabaseOutage outage) {
            held.add(outage);
        }

        @Override
        public void databaseBack(DatabaseOutage outage) {
            back.add(outage);
        }

        @Override
        public void databaseLogPinned(String wal, long bytes) {
            pinned.add(bytes);
        }
    };

    @Test
    void aWriteWaitsPastTheBusyTimeoutWhileTheFileIsHeldAndSavesItsAnswersOnceLetGo() throws Exception {
        Path file = dir.resolve("runs.db");
        List<InputRecord> input = recs(20);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.tellOutagesTo(listener);
            CompletableFuture<boolean[]> saving;
            try (Connection shell = Fixtures.jdbc(file); Statement s = shell.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                saving = CompletableFuture.supplyAsync(() -> store.saveOutcomes(run, input.subList(0, 12).stream()
                        .map(r -> RecordOutcome.done(r, done("answer " + r.id()))).toList()));
                // Held past the busy timeout (10 s), which used to fail the write: told each second meanwhile.
                while (held.isEmpty() || held.get(held.size() - 1).lasted().toMillis()
                        <= SqliteFiles.BUSY_TIMEOUT_MS + 1000) {
                    assertThat(saving).as("the write, still waiting").isNotDone();
                    Thread.sleep(50);
                }
                assertThat(back).isEmpty();
                s.execute("COMMIT");
            }
            assertThat(saving.get()).as("every answer stored").containsOnly(true).hasSize(12);
            assertThat(held).allSatisfy(o -> {
                assertThat(o.locked()).isTrue();
                assertThat(o.folding()).as("a write, not a fold").isFalse();
                assertThat(o.server()).isEqualTo(file.toString());
                assertThat(o.reason()).contains("locked");
            });
            assertThat(back).singleElement().satisfies(o -> {
                assertThat(o.locked()).isTrue();
                assertThat(o.lasted()).isGreaterThan(Duration.ofMillis(SqliteFiles.BUSY_TIMEOUT_MS));
            });
            // The connection writes in transactions again, as before the wait.
            store.saveCursor(run, 10, RunState.RUNNING);
        }
        assertThat(count(file, "SELECT count(*) FROM predictions")).isEqualTo(12);
    }

    /**
     * A sibling worker's TRUNCATE checkpoint (keepWalBounded) holds the write lock while a reader finishes, up to the
     * busy timeout: the waiting writer tells it as a log being folded in, not as a program's write transaction (the
     * line blamed a sqlite3 shell after BEGIN); a shell's write is still told as a write.
     */
    @Test
    void aWriteHeldByAnotherConnectionsCheckpointIsToldAsAFoldNotAsAWrite() throws Exception {
        Path file = dir.resolve("runs.db");
        List<InputRecord> input = recs(20);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file);
             Connection reader = Fixtures.jdbc(file); Statement r = reader.createStatement();
             Connection folder = Fixtures.jdbc(file); Statement f = folder.createStatement()) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.tellOutagesTo(listener);
            // A reader on an old snapshot, then more in the WAL: a TRUNCATE waits for the reader, holding the lock.
            r.execute("BEGIN");
            try (ResultSet rs = r.executeQuery("SELECT count(*) FROM runs")) {
                rs.next();
            }
            store.savePrediction(run, input.get(0), done("first"));
            f.execute("PRAGMA busy_timeout = 600000");
            CompletableFuture<Void> folding = CompletableFuture.runAsync(() -> {
                try (ResultSet rs = f.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                    rs.next();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Connection probe = Fixtures.jdbc(file); Statement p = probe.createStatement()) {
                p.execute("PRAGMA busy_timeout = 0");
                while (true) { // until the checkpoint holds the write lock
                    try {
                        p.execute("BEGIN IMMEDIATE");
                        p.execute("ROLLBACK");
                        Thread.sleep(20);
                    } catch (java.sql.SQLException busy) {
                        break;
                    }
                }
            }
            CompletableFuture<Boolean> saving = CompletableFuture.supplyAsync(
                    () -> store.savePrediction(run, input.get(1), done("second")));
            while (held.isEmpty()) {
                assertThat(saving).as("the write, still waiting").isNotDone();
                Thread.sleep(50);
            }
            r.execute("COMMIT");
            folding.get();
            assertThat(saving.get()).isTrue();
            assertThat(held).allSatisfy(o -> assertThat(o.folding()).as("told as a fold").isTrue());
            assertThat(back).singleElement().satisfies(o -> assertThat(o.locked()).isTrue());
        }
        assertThat(count(file, "SELECT count(*) FROM predictions")).isEqualTo(2);
    }

    @Test
    void aStopEndsTheWaitWithALineThatSaysWhatIsLostAndTheNextWritesAreTransactionsAgain() throws Exception {
        Path file = dir.resolve("runs.db");
        List<InputRecord> input = recs(20);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.tellOutagesTo(listener);
            try (Connection shell = Fixtures.jdbc(file); Statement s = shell.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                CompletableFuture<Boolean> saving = CompletableFuture.supplyAsync(
                        () -> store.savePrediction(run, input.get(0), done("first")));
                while (held.isEmpty()) {
                    assertThat(saving).as("the write, still waiting").isNotDone();
                    Thread.sleep(50);
                }
                store.waitForServerAtMost(Duration.ZERO); // Ctrl+C, with no grace left
                assertThat(saving).failsWithin(Duration.ofMinutes(1)).withThrowableThat().havingCause()
                        .isInstanceOf(StoreException.class)
                        .withMessageStartingWith("stopped without waiting longer for " + file + ", held by another"
                                + " connection for ")
                        .withMessageContaining("answers not saved are asked again next time");
                assertThatThrownBy(() -> store.saveCursor(run, 10, RunState.INTERRUPTED))
                        .hasMessageStartingWith("stopped without waiting longer for " + file);
                // The session over, its process's last writes (a leave, the store's close) are the stop's too: each
                // tries once, briefly, instead of SQLite's 10 s busy timeout (a --grace 6s stop exited after 37 s).
                store.tellOutagesTo(RunListener.NONE);
                assertThatThrownBy(() -> store.saveCursor(run, 10, RunState.INTERRUPTED))
                        .hasMessageStartingWith("stopped without waiting longer for " + file)
                        .hasMessageNotContaining("held by another connection for " + SqliteFiles.BUSY_TIMEOUT_MS / 1000
                                + " s");
                s.execute("COMMIT");
            }
            assertThat(back).isEmpty();
            // A failed BEGIN left sqlite-jdbc out of autocommit, and the next transaction's statements then ran
            // each in its own: the outcome and its claim's drop no longer one.
            store.savePrediction(run, input.get(1), done("second"));
            try (Connection other = Fixtures.jdbc(file); Statement s = other.createStatement()) {
                s.execute("BEGIN IMMEDIATE"); // would wait out its busy timeout, had the store left a write open
                s.execute("COMMIT");
            }
        }
        assertThat(count(file, "SELECT count(*) FROM predictions")).isEqualTo(1);
    }

    /**
     * A stop whose grace is over still lets its last saves wait for another worker's moment on the file (a commit, a
     * checkpoint): only a file found held is waited for no longer. With no wait at all, a stopped run's final cursor
     * failed on a sibling's commit and the run stayed 'running', its worker row and claims left as after kill -9.
     */
    @Test
    void aStopPastItsGraceStillWaitsOutAnotherWritersMoment() throws Exception {
        Path file = dir.resolve("runs.db");
        List<InputRecord> input = recs(20);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.tellOutagesTo(listener);
            store.waitForServerAtMost(Duration.ZERO); // Ctrl+C, its grace already over
            try (Connection sibling = Fixtures.jdbc(file); Statement s = sibling.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                CompletableFuture<Void> letGo = CompletableFuture.runAsync(() -> {
                    try {
                        Thread.sleep(300);
                        s.execute("COMMIT");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(store.savePrediction(run, input.get(0), done("last"))).isTrue();
                store.saveCursor(run, 10, RunState.INTERRUPTED);
                letGo.join();
            }
            assertThat(held).as("a moment, not a held file").isEmpty();
        }
        assertThat(count(file, "SELECT count(*) FROM predictions")).isEqualTo(1);
        assertThat(count(file, "SELECT count(*) FROM runs WHERE state = 'interrupted'")).isEqualTo(1);
    }

    /**
     * A reader left inside a read transaction pins the WAL: no checkpoint can fold it in, and it grows with every
     * answer. Told once past four times the bound a checkpoint keeps it under, and again only once it has doubled.
     */
    @Test
    void aWalPinnedByAnOpenReadTransactionIsToldOnceAndAgainWhenItDoubles() throws Exception {
        Path file = dir.resolve("runs.db");
        Path wal = dir.resolve("runs.db-wal");
        List<InputRecord> input = recs(400);
        String big = "x".repeat(500_000);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.tellOutagesTo(listener);
            try (Connection shell = Fixtures.jdbc(file); Statement s = shell.createStatement()) {
                s.execute("BEGIN");
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM predictions")) {
                    rs.next();
                }
                int next = 0;
                while (Files.size(wal) < 5 * SqliteCheckpointStore.WAL_PINNED_TOLD_BYTES / 2) {
                    store.saveOutcomes(run, input.subList(next, next + 10).stream()
                            .map(r -> RecordOutcome.done(r, done(big + r.id()))).toList());
                    store.saveCursor(run, next, RunState.RUNNING);
                    next += 10;
                }
                assertThat(pinned).as("told past the bound and once more as it doubled, not at each cursor save")
                        .hasSize(2);
                assertThat(pinned.get(0)).isBetween(SqliteCheckpointStore.WAL_PINNED_TOLD_BYTES,
                        SqliteCheckpointStore.WAL_PINNED_TOLD_BYTES + (8L << 20));
                assertThat(pinned.get(1)).isGreaterThanOrEqualTo(2 * pinned.get(0));
                s.execute("COMMIT");
            }
        }
    }

    private static long count(Path file, String sql) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
