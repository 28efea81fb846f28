package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import dev.stride.core.RecordOutcome;
import dev.stride.core.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL past its bound (8 MB) is emptied by the next cursor save, not only restarted: a restarted WAL keeps its
 * size on disk, and a size that stays past the bound made every later cursor save checkpoint again (with an fsync of
 * the database file) for the rest of the run.
 */
class WalBoundTest {
    @TempDir
    Path dir;

    @Test
    void aCursorSaveEmptiesAWalThatGrewPastItsBoundAndKeepsEveryRow() throws Exception {
        Path file = dir.resolve("wal.db");
        emptiesTheWal(file, file, dir.resolve("wal.db-wal"));
    }

    /** SQLite keeps the WAL beside a link's target: the bound is kept there, not looked for beside the link. */
    @Test
    void aWalBesideTheTargetOfALinkedFileIsBoundedToo() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path target = real.resolve("t.db");
        Path link = Files.createSymbolicLink(dir.resolve("l.db"), target);
        SqliteCheckpointStore.open(target).close();
        emptiesTheWal(link, target, real.resolve("t.db-wal"));
    }

    private void emptiesTheWal(Path opened, Path file, Path wal) throws Exception {
        List<InputRecord> input = recs(60);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(opened)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            // One commit of 50 answers of 200 KB: the WAL grows past 8 MB at once, whatever checkpoints run.
            String big = "x".repeat(200_000);
            store.saveOutcomes(run, input.subList(0, 50).stream()
                    .map(r -> RecordOutcome.done(r, done(big + r.id()))).toList());
            assertThat(Files.size(wal)).as("WAL after the large commit").isGreaterThan(8L << 20);

            store.saveCursor(run, 10, RunState.RUNNING);
            assertThat(Files.size(wal)).as("WAL after the cursor save").isLessThan(1L << 20);

            store.savePrediction(run, input.get(50), done("after"));
            store.saveCursor(run, 20, RunState.RUNNING);
            assertThat(Files.size(wal)).as("WAL after the next cursor save").isLessThan(1L << 20);
        }
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT done, pending FROM progress WHERE run = 'a'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(51);
            assertThat(rs.getLong(2)).isEqualTo(9);
        }
    }
}
