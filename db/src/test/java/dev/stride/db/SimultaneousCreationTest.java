package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several workers started at the same moment on a database that does not exist yet (a script that starts three
 * `stride run` at once): each one opens it, none sees it half made, and only the database is left in the folder.
 * Each opener has its own connections, so SQLite's file locks decide as they do between processes.
 */
class SimultaneousCreationTest {
    private static final int WORKERS = 4;
    private static final int ROUNDS = 15;

    @TempDir
    Path dir;

    /**
     * A new file held by another writer (as by the stride that made it, writing the schema) while a stride opens it:
     * the opener waits for the holder to let go, then makes the schema itself.
     */
    @Test
    void aNewFileHeldByAnotherWriterIsWaitedForNotRefused() throws Exception {
        Path file = dir.resolve("held.db");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = holder.createStatement()) {
            st.execute("BEGIN EXCLUSIVE");
            st.execute("CREATE TABLE scratch (x)");
            Future<Boolean> opened = pool.submit(() -> {
                try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
                    return store.listRuns().isEmpty();
                }
            });
            Thread.sleep(300); // the opener is most likely at the lock now; later, it finds the file free: both pass
            st.execute("ROLLBACK");
            assertThat(opened.get()).as("the opener got a current, empty database").isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void workersStartingTogetherOnANewFileAllOpenIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                Path file = dir.resolve("runs-" + round + ".db");
                if (round % 3 == 1) {
                    Files.createFile(file); // an empty file (touch runs.db) is a new database too
                }
                CyclicBarrier start = new CyclicBarrier(WORKERS);
                List<Future<Boolean>> opened = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    opened.add(pool.submit(() -> {
                        start.await();
                        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
                            return store.listRuns().isEmpty();
                        }
                    }));
                }
                for (Future<Boolean> f : opened) {
                    assertThat(f.get()).as("a worker of round %d opened a current, empty database", round).isTrue();
                }
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
                    assertThat(Schema.isCurrent(c)).as("round %d has this build's whole schema", round).isTrue();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("nothing left beside the databases")
                    .allMatch(name -> name.matches("runs-\\d+\\.db(-wal|-shm)?"));
        }
    }

    @Test
    void anotherProgramsDatabaseIsStillRefusedWhenOpenedByManyAtOnce() throws Exception {
        Path file = dir.resolve("theirs.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
        }
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            CyclicBarrier start = new CyclicBarrier(WORKERS);
            List<Future<?>> opened = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                opened.add(pool.submit(() -> {
                    start.await();
                    assertThatThrownBy(() -> SqliteCheckpointStore.open(file).close())
                            .isInstanceOf(StoreException.class)
                            .hasMessage(file + " is a SQLite database but not a stride checkpoint file");
                    return null;
                }));
            }
            for (Future<?> f : opened) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT group_concat(name) FROM sqlite_master")) {
            rs.next();
            assertThat(rs.getString(1)).as("nothing of stride's written into it").isEqualTo("invoices");
        }
    }
}
