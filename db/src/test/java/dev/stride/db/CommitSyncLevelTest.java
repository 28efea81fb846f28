package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import dev.stride.core.RecordOutcome;
import dev.stride.core.RunState;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise's price list: an answer's commit is made at synchronous=NORMAL (in WAL mode it survives a crash of
 * the process and costs no fsync), the cursor's at FULL (it fsyncs the WAL, which makes it and every commit before
 * it survive a power loss). PowerLossIT shows what that means on disk, under strace; this pins the two levels
 * wherever the tests run. A trigger notes the writer connection's level inside each transaction, as SQLite applies
 * it to that transaction's commit.
 */
class CommitSyncLevelTest {
    private static final String NORMAL = "1";
    private static final String FULL = "2";

    @TempDir
    Path dir;

    @Test
    void eachAnswerIsCommittedAtNormalAndTheCursorAtFull() throws Exception {
        Path file = dir.resolve("levels.db");
        List<InputRecord> input = recs(5);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE levels (seq INTEGER PRIMARY KEY, what TEXT, level TEXT)");
                s.execute("CREATE TRIGGER answer_level AFTER INSERT ON predictions BEGIN"
                        + " INSERT INTO levels (what, level) SELECT 'answer', synchronous FROM pragma_synchronous;"
                        + " END");
                s.execute("CREATE TRIGGER cursor_level AFTER UPDATE OF saved_at ON runs BEGIN"
                        + " INSERT INTO levels (what, level) SELECT 'cursor', synchronous FROM pragma_synchronous;"
                        + " END");
            }

            store.savePrediction(run, input.get(0), done("a0"));
            store.savePrediction(run, input.get(1), done("a1"));
            store.saveCursor(run, 10, RunState.RUNNING);
            store.savePrediction(run, input.get(2), done("a2"));
            store.saveCursor(run, 20, RunState.RUNNING);
            store.savePrediction(run, input.get(3), done("a3"));

            List<String> levels = new ArrayList<>();
            try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT what, level FROM levels ORDER BY seq")) {
                while (rs.next()) {
                    levels.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
            assertThat(levels).containsExactly("answer " + NORMAL, "answer " + NORMAL, "cursor " + FULL,
                    "answer " + NORMAL, "cursor " + FULL, "answer " + NORMAL);
        }
    }

    @Test
    void answersThatShareTheCursorsCommitAreCommittedAtFullWithIt() throws Exception {
        Path file = dir.resolve("shared.db");
        List<InputRecord> input = recs(5);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            recordLevels(file);

            store.savePrediction(run, input.get(0), done("a0"));
            store.saveOutcomesWithCursor(run, List.of(RecordOutcome.done(input.get(1), done("a1")),
                    RecordOutcome.done(input.get(2), done("a2"))), 10, RunState.RUNNING);
            store.savePrediction(run, input.get(3), done("a3"));

            assertThat(levels(file)).containsExactly("answer " + NORMAL, "answer " + FULL, "answer " + FULL,
                    "cursor " + FULL, "answer " + NORMAL);
        }
    }

    private static void recordLevels(Path file) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE levels (seq INTEGER PRIMARY KEY, what TEXT, level TEXT)");
            s.execute("CREATE TRIGGER answer_level AFTER INSERT ON predictions BEGIN"
                    + " INSERT INTO levels (what, level) SELECT 'answer', synchronous FROM pragma_synchronous;"
                    + " END");
            s.execute("CREATE TRIGGER cursor_level AFTER UPDATE OF saved_at ON runs BEGIN"
                    + " INSERT INTO levels (what, level) SELECT 'cursor', synchronous FROM pragma_synchronous;"
                    + " END");
        }
    }

    private static List<String> levels(Path file) throws Exception {
        List<String> levels = new ArrayList<>();
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT what, level FROM levels ORDER BY seq")) {
            while (rs.next()) {
                levels.add(rs.getString(1) + " " + rs.getString(2));
            }
        }
        return levels;
    }
}
