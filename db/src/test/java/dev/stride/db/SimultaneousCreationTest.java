package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
 */
class SimultaneousCreationTest {
    private static final int WORKERS = 4;
    private static final int ROUNDS = 15;

    @TempDir
    Path dir;

    @Test
    void workersStartingTogetherOnANewFileAllOpenIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                Path file = dir.resolve("runs-" + round + ".db");
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
            }
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("no draft left beside the databases")
                    .allMatch(name -> name.matches("runs-\\d+\\.db(-wal|-shm)?"));
        }
    }
}
