package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that has a database open keeps SQLite's locks on it whatever else it reads of the file: they are POSIX
 * locks, and closing any descriptor of the file (a header read through a stream) dropped every one. Then another
 * stride found the file unused, folded its WAL and removed its -shm index under the live writer, and the two damaged
 * the file between them (two workers on one file: the one that joined second).
 */
class LocksKeptTest {
    @TempDir
    Path dir;

    @Test
    void anotherLookAtAFileThisProcessHasOpenLeavesItInUseForOtherProcesses() throws Exception {
        Path file = dir.resolve("runs.db");
        List<InputRecord> input = recs(200);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file,
                Clock.fixed(Instant.parse("2026-12-04T19:00:00Z"), ZoneOffset.UTC))) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            for (int i = 0; i < 100; i++) {
                store.savePrediction(run, input.get(i), done("out " + i));
            }
            assertThat(WalFile.bytes(file)).as("commits in the WAL").isPositive();

            // What status, export or the dashboard do from a process that also writes the file.
            SqliteCheckpointStore.openReadOnly(file).close();

            assertThat(foldFromAnotherProcess(file)).isEqualTo("left alone");
            assertThat(Path.of(file + "-shm")).exists();
            for (int i = 100; i < 200; i++) {
                store.savePrediction(run, input.get(i), done("out " + i));
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("ok");
        }
        try (SqliteCheckpointStore store = SqliteCheckpointStore.openReadOnly(file)) {
            assertThat(store.findRun("a").orElseThrow().done()).isEqualTo(200);
        }
    }

    private String foldFromAnotherProcess(Path file) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")),
                WalFoldProbe.class.getName(), file.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes()).strip();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().reduce((a, b) -> b).orElse("");
    }
}
