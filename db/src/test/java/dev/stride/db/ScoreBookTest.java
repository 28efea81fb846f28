package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.CheckpointStore;
import dev.stride.core.InputRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored scores on real databases: what needs scoring, what a second pass finds (nothing, until an answer changes),
 * and what the scoreboard and results views show.
 */
class ScoreBookTest {
    private static final ScoreBook.Key KEY = new ScoreBook.Key("choice", "answer", null);

    @TempDir
    Path dir;

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();

    @Test
    void sqliteScoresOnlyWhatIsNewAndTheViewsShowIt() throws Exception {
        Path file = dir.resolve("s.db");
        long run;
        List<InputRecord> input = recs(4);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            run = answerThree(store, input);
        }
        try (ScoreBook book = ScoreBook.open(file)) {
            scoreAll(book, run);
            assertThat(book.tally(run, KEY)).isEqualTo(new ScoreBook.Tally(3, 1, 1));
            assertThat(book.unscored(run, KEY, -1, 100)).as("a second pass").isEmpty();
            assertThat(book.unscored(run, new ScoreBook.Key("exact", "answer", null), -1, 100)).hasSize(3);
            // How a resume not told how to score knows: the ways the run was scored, by field, metric, expression.
            assertThat(book.scorings(run)).containsExactly(KEY);
            assertThat(book.scorings(run + 1)).isEmpty();
        }
        try (Connection c = Fixtures.jdbc(file)) {
            assertViews(c);
            // A new answer for r1 (as after clear and a re-run): its old score no longer holds.
            try (Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE predictions SET output = 'A', finished_at = '2025-02-01 00:00:00.000'"
                        + " WHERE record_id = 'r1'");
            }
        }
        try (ScoreBook book = ScoreBook.open(file)) {
            assertThat(book.tally(run, KEY)).isEqualTo(new ScoreBook.Tally(2, 1, 1));
            List<ScoreBook.Unscored> again = book.unscored(run, KEY, -1, 100);
            assertThat(again).extracting(ScoreBook.Unscored::recordId).containsExactly("r1");
            book.save(run, KEY, List.of(new ScoreBook.Score(again.get(0), "A", true, true, "A")));
            assertThat(book.tally(run, KEY)).isEqualTo(new ScoreBook.Tally(3, 2, 1));
            ScoreBook.Key regex = new ScoreBook.Key("regex", "answer", "([A-D])");
            book.save(run, regex, List.of(new ScoreBook.Score(book.unscored(run, regex, -1, 1).get(0), "B", true,
                    true, "B")));
            assertThat(book.scorings(run)).containsExactly(KEY, regex);
        }
    }

    @Test
    void postgresKeepsTheSameScoresAndViews() throws Exception {
        long run;
        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(pg.location())) {
            run = answerThree(store, recs(4));
        }
        try (ScoreBook book = ScoreBook.open(pg.location())) {
            scoreAll(book, run);
            assertThat(book.tally(run, KEY)).isEqualTo(new ScoreBook.Tally(3, 1, 1));
            assertThat(book.unscored(run, KEY, -1, 100)).isEmpty();
            assertThat(book.scorings(run)).containsExactly(KEY);
        }
        try (Connection c = pg.connect()) {
            assertViews(c);
        }
    }

    private static long answerThree(CheckpointStore store, List<InputRecord> input) {
        store.syncRun(spec("a"), input.iterator());
        long run = store.findRun("a").orElseThrow().id();
        for (int i = 0; i < 3; i++) {
            store.savePrediction(run, input.get(i), done("answer " + i));
        }
        return run;
    }

    /** r0 right, r1 wrong, r2 unparsed; r3 has no answer. */
    private static void scoreAll(ScoreBook book, long run) {
        List<ScoreBook.Unscored> todo = book.unscored(run, KEY, -1, 2);
        assertThat(todo).extracting(ScoreBook.Unscored::recordId).containsExactly("r0", "r1");
        todo = new ArrayList<>(todo);
        todo.addAll(book.unscored(run, KEY, todo.get(1).seq(), 2));
        assertThat(todo).extracting(ScoreBook.Unscored::recordId).containsExactly("r0", "r1", "r2");
        book.save(run, KEY, List.of(new ScoreBook.Score(todo.get(0), "C", true, true, "C"),
                new ScoreBook.Score(todo.get(1), "C", false, true, "B"),
                new ScoreBook.Score(todo.get(2), "C", false, false, null)));
    }

    private static void assertViews(Connection c) throws Exception {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT run, metric, label_field, scored, correct, accuracy, ci_low,"
                     + " ci_high, unparsed, scored_at FROM scoreboard")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("run")).isEqualTo("a");
            assertThat(rs.getString("metric")).isEqualTo("choice");
            assertThat(rs.getString("label_field")).isEqualTo("answer");
            assertThat(rs.getLong("scored")).isEqualTo(3);
            assertThat(rs.getLong("correct")).isEqualTo(1);
            assertThat(rs.getDouble("accuracy")).isEqualTo(0.3333);
            // Wilson 95% for 1 of 3: 0.0615 to 0.7923.
            assertThat(rs.getDouble("ci_low")).isEqualTo(0.0615);
            assertThat(rs.getDouble("ci_high")).isEqualTo(0.7923);
            assertThat(rs.getLong("unparsed")).isEqualTo(1);
            assertThat(rs.getString("scored_at")).isNotBlank();
            assertThat(rs.next()).isFalse();
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, status, label, score FROM results WHERE run = 'a'")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4));
            }
            assertThat(rows).containsExactly("r0|done|C|1", "r1|done|C|0", "r2|done|C|0", "r3|pending|null|null");
        }
    }
}
