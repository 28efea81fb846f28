package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InputRecord;
import dev.stride.core.RunState;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit that fails at COMMIT itself (here a deferred foreign key, which SQLite checks only then and which leaves
 * the transaction open) writes nothing and leaves the writer free: the next commit goes through.
 */
class CommitFailureTest {
    @TempDir
    Path dir;

    @Test
    void aFailedCommitWritesNothingAndTheNextCommitGoesThrough() throws Exception {
        Path file = dir.resolve("commit.db");
        List<InputRecord> input = recs(3);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
                s.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)"
                        + " DEFERRABLE INITIALLY DEFERRED)");
                s.execute("CREATE TRIGGER orphan AFTER INSERT ON predictions BEGIN"
                        + " INSERT INTO child (parent_id) VALUES (42); END");
            }

            assertThatThrownBy(() -> store.savePrediction(run, input.get(0), done("a0")))
                    .isInstanceOf(StoreException.class);
            assertThat(doneIn(file)).as("done after the failed commit").isZero();

            try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
                s.execute("DROP TRIGGER orphan");
            }
            store.savePrediction(run, input.get(1), done("a1"));
            store.saveCursor(run, 10, RunState.RUNNING);
            assertThat(doneIn(file)).as("done after the next commit").isEqualTo(1);
        }
    }

    private static long doneIn(Path file) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT done FROM progress WHERE run = 'a'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
