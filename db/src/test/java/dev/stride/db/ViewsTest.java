package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import dev.stride.core.RunState;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The views are a user interface (docs/sql.md): their columns and values are checked as a user sees them. */
class ViewsTest {
    @TempDir
    Path dir;

    @Test
    void progressHasTheDocumentedColumnsAndValues() throws Exception {
        Path file = dir.resolve("v.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            List<InputRecord> input = recs(3);
            store.syncRun(spec("a"), input.iterator());
            store.syncRun(spec("empty"), List.<InputRecord>of().iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.savePrediction(run, input.get(0), done("x"));
            store.saveFailure(run, input.get(1), failure("timeout"));
            store.saveCursor(run, 12_345, RunState.INTERRUPTED);
        }

        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM progress ORDER BY run")) {
            assertThat(columns(rs.getMetaData())).containsExactly(
                    "run", "model", "total", "done", "failed", "pending", "percent", "elapsed_s", "saved_at", "state",
                    "truncated");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("run")).isEqualTo("a");
            assertThat(rs.getString("model")).isEqualTo("llama3");
            assertThat(rs.getLong("total")).isEqualTo(3);
            assertThat(rs.getLong("done")).isEqualTo(1);
            assertThat(rs.getLong("failed")).isEqualTo(1);
            assertThat(rs.getLong("pending")).isEqualTo(1);
            assertThat(rs.getDouble("percent")).isEqualTo(33.3);
            assertThat(rs.getDouble("elapsed_s")).isEqualTo(12.3);
            assertThat(rs.getString("saved_at")).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}");
            assertThat(rs.getString("state")).isEqualTo("interrupted");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("run")).isEqualTo("empty");
            assertThat(rs.getDouble("percent")).isZero();
            assertThat(rs.getString("state")).isEqualTo("running");
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void aRunningRunWhoseCursorIsTwentySecondsOldIsShownInterrupted() throws Exception {
        Path file = dir.resolve("dead.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("killed"), recs(2).iterator());
            store.syncRun(spec("alive"), recs(2).iterator());
        }
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE runs SET saved_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '-21 seconds')"
                    + " WHERE name = 'killed'");
            try (ResultSet rs = s.executeQuery("SELECT run, state FROM progress ORDER BY run")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("run")).isEqualTo("alive");
                assertThat(rs.getString("state")).isEqualTo("running");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("run")).isEqualTo("killed");
                assertThat(rs.getString("state")).isEqualTo("interrupted");
            }
        }
    }

    /** WaitingViewCase on SQLite. */
    @Test
    void aRunningRunWhoseLiveWorkersAllWaitForTheirServerIsShownWaiting() throws Exception {
        Path file = dir.resolve("away.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            WaitingViewCase.storeRuns(store);
        }
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            assertThat(WaitingViewCase.shown(s, seconds -> "strftime('%Y-%m-%d %H:%M:%f', 'now', '"
                    + (seconds < 0 ? "" : "+") + seconds + " seconds')")).containsExactlyElementsOf(WaitingViewCase.SHOWN);
        }
    }

    @Test
    void resultsHasOneRowPerRecordInInputOrder() throws Exception {
        Path file = dir.resolve("r.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            List<InputRecord> input = recs(3);
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.savePrediction(run, input.get(2), done("out 2"));
            store.saveFailure(run, input.get(0), failure("http_400"));
        }

        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM results WHERE run = 'a'")) {
            assertThat(columns(rs.getMetaData())).containsExactly("run", "id", "input", "output", "status", "error",
                    "finish_reason", "prompt_tokens", "completion_tokens", "latency_ms", "attempts", "finished_at",
                    "reasoning", "refusal", "tool_calls", "server_model", "response_id", "server", "extracted",
                    "output_json", "label", "score");
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(String.join("|", rs.getString("id"), rs.getString("status"), rs.getString("output"),
                        rs.getString("error"), rs.getString("finish_reason"), rs.getString("prompt_tokens"),
                        rs.getString("completion_tokens"), rs.getString("latency_ms"), rs.getString("attempts"),
                        rs.getString("finished_at")));
            }
            assertThat(rows).containsExactly(
                    "r0|failed|null|server said no|null|null|null|900|3|2025-01-02 03:04:05.678",
                    "r1|pending|null|null|null|null|null|null|null|null",
                    "r2|done|out 2|null|stop|10|5|120|1|2025-01-02 03:04:05.678");
        }
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT input FROM results WHERE id = 'r1'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("{\"id\":\"r1\",\"text\":\"text 1\"}");
        }
    }

    private static List<String> columns(ResultSetMetaData meta) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            names.add(meta.getColumnLabel(i));
        }
        return names;
    }
}
