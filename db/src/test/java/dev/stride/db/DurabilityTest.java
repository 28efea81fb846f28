package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import dev.stride.core.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the file holds after close, and readers beside the writer. */
class DurabilityTest {
    @TempDir
    Path dir;

    @Test
    void afterCloseTheDatabaseFileAloneHoldsEveryRow() throws Exception {
        Path file = dir.resolve("d.db");
        Path wal = dir.resolve("d.db-wal");
        List<InputRecord> input = recs(200);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            for (InputRecord r : input.subList(0, 150)) {
                store.savePrediction(run, r, done("out " + r.id()));
            }
            store.saveCursor(run, 1000, RunState.INTERRUPTED);
            assertThat(wal).exists();
            assertThat(Files.size(wal)).isPositive();
        }
        assertThat(!Files.exists(wal) || Files.size(wal) == 0).as("-wal absent or empty").isTrue();

        // Only the .db file, copied alone, must carry everything.
        Path copy = dir.resolve("copy.db");
        Files.copy(file, copy);
        try (Connection c = Fixtures.jdbc(copy); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT total, done, pending FROM progress WHERE run = 'a'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(200);
            assertThat(rs.getLong(2)).isEqualTo(150);
            assertThat(rs.getLong(3)).isEqualTo(50);
        }
        try (Connection c = Fixtures.jdbc(copy); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM results WHERE status = 'done'")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(150);
        }
    }

    @Test
    void aReaderQueryingProgressWhileTheWriterWritesNeverSeesBusy() throws Exception {
        Path file = dir.resolve("busy.db");
        List<InputRecord> input = recs(400);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger whileWriting = new AtomicInteger();

            // A plain connection with no busy timeout, like a user's script: in WAL mode it must never wait.
            Future<Integer> reads = pool.submit(() -> {
                int n = 0;
                try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
                    // The driver's default is to wait 3 s for a lock, which would hide a writer that locks readers
                    // out (with the rollback journal this test passed): no waiting at all, as the comment says.
                    s.execute("PRAGMA busy_timeout = 0");
                    long lastDone = 0;
                    while ((writing.get() || n < 10) && n < 100_000) {
                        boolean during = writing.get();
                        try (ResultSet rs = s.executeQuery("SELECT done FROM progress WHERE run = 'a'")) {
                            rs.next();
                            long seen = rs.getLong(1);
                            assertThat(seen).isGreaterThanOrEqualTo(lastDone);
                            lastDone = seen;
                        }
                        n++;
                        if (during) {
                            whileWriting.incrementAndGet();
                        }
                    }
                }
                return n;
            });
            for (int i = 0; i < input.size(); i++) {
                store.savePrediction(run, input.get(i), done("x"));
                if (i % 50 == 0) {
                    // The reads must meet the writes. Free-running, a loaded machine may not run the reader's thread
                    // at all while the writer writes (it then makes its 10 reads afterwards, and "more than 10 reads",
                    // as this once asked, fails): so the writer waits for one more read every 50 answers.
                    awaitReads(whileWriting, i / 50 + 1, reads);
                    store.saveCursor(run, i, RunState.RUNNING);
                    store.pendingRecords(run, -1, 10, false);
                }
            }
            store.syncRun(spec("a"), recs(400).iterator()); // one longer write transaction too
            writing.set(false);
            assertThat(reads.get(60, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(10);
            assertThat(whileWriting.get()).as("reads while the writer wrote").isGreaterThanOrEqualTo(input.size() / 50);
            assertThat(store.saveCursor(run, 1, RunState.DONE).lowWatermark()).isEqualTo(400);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits (bounded far above any machine's pace) until the reader has made {@code count} reads, or has ended. */
    private static void awaitReads(AtomicInteger reads, int count, Future<?> reader) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (reads.get() < count && !reader.isDone()) {
            assertThat(System.nanoTime()).as("%d reads within 60 s, got %d", count, reads.get()).isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
