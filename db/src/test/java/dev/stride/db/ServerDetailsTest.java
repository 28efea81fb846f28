package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.ParsedOutput;
import dev.stride.core.Prediction;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.Timing;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerDetailsTest {
    @TempDir
    Path dir;

    private static Prediction answer(String output, String finishReason) {
        return new Prediction(new Answer(output, finishReason, 12, 34, "first I think", null, null,
                "qwen2.5-7b-instruct", "chatcmpl-42", "{\"raw\":true}", "http://gpu1:8000/v1"), null,
                new Timing(250, 1, Instant.parse("2026-11-29T12:00:00Z")));
    }

    @Test
    void whatWasSavedReadsBackWhole() {
        Prediction full = new Prediction(new Answer("[{\"id\":\"call_1\"}]", "tool_calls", 12, 34, "first I think",
                "I must not", "[{\"id\":\"call_1\"}]", "qwen2.5-7b-instruct", "chatcmpl-42", "{\"raw\":true}",
                "http://gpu1:8000/v1"), new ParsedOutput("call_1", "{\"id\":\"call_1\"}"),
                new Timing(250, 2, Instant.parse("2026-11-29T12:00:00.123Z")));
        FailedPrediction failed = new FailedPrediction("http_400", "HTTP 400: too long",
                new Timing(17, 3, Instant.parse("2026-11-29T12:00:01.456Z")));
        List<ResultRow> rows = new ArrayList<>();
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(dir.resolve("whole.db"))) {
            List<InputRecord> input = recs(3);
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.savePrediction(run, input.get(0), full);
            store.saveFailure(run, input.get(1), failed);
            store.forEachResult(run, rows::add);
        }

        assertThat(rows.get(0).status()).isEqualTo(RecordStatus.DONE);
        assertThat(rows.get(0).prediction()).isEqualTo(full);
        assertThat(rows.get(0).failure()).isNull();
        assertThat(rows.get(1).status()).isEqualTo(RecordStatus.FAILED);
        assertThat(rows.get(1).failure()).isEqualTo(failed);
        assertThat(rows.get(1).prediction()).isNull();
        assertThat(rows.get(2)).isEqualTo(ResultRow.pending(2, "r2", Fixtures.rec(2, "r2", "text 2").json()));
        assertThat(rows.get(2).timing()).isNull();
    }

    @Test
    void whatTheServerReturnedBesidesTheAnswerIsStoredAndShownInResults() throws Exception {
        Path file = dir.resolve("d.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            List<InputRecord> input = recs(1);
            store.syncRun(spec("a"), input.iterator());
            store.savePrediction(store.findRun("a").orElseThrow().id(), input.get(0), answer("42", "stop"));
        }
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT r.*, p.raw_response FROM results r"
                     + " JOIN predictions p ON p.record_id = r.id")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("output")).isEqualTo("42");
            assertThat(rs.getString("reasoning")).isEqualTo("first I think");
            assertThat(rs.getString("refusal")).isNull();
            assertThat(rs.getString("server_model")).isEqualTo("qwen2.5-7b-instruct");
            assertThat(rs.getString("response_id")).isEqualTo("chatcmpl-42");
            assertThat(rs.getString("server")).isEqualTo("http://gpu1:8000/v1");
            assertThat(rs.getString("raw_response")).isEqualTo("{\"raw\":true}");
        }
    }

    @Test
    void outputsCutByTheTokenLimitAreCountedLive() throws Exception {
        Path file = dir.resolve("t.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            List<InputRecord> input = recs(4);
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.savePrediction(run, input.get(0), answer("cut", "length"));
            store.savePrediction(run, input.get(1), answer("whole", "stop"));
            store.saveFailure(run, input.get(2), new FailedPrediction("timeout", "timed out",
                    new Timing(10, 3, Instant.now())));
            store.savePrediction(run, input.get(2), answer("cut too", "length"));
            assertThat(store.findRun("a").orElseThrow().truncated()).isEqualTo(2);

            // An edited record loses its output, and with it its place in the count.
            List<InputRecord> edited = recs(4);
            edited.set(0, new InputRecord(0, edited.get(0).id(), 1, "{\"text\":\"new\"}", "other-hash"));
            store.syncRun(spec("a"), edited.iterator());
            assertThat(store.findRun("a").orElseThrow().truncated()).isEqualTo(1);
        }
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT truncated, done, failed FROM progress")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong("truncated")).isEqualTo(1);
            assertThat(rs.getLong("done")).isEqualTo(2);
            assertThat(rs.getLong("failed")).isZero();
        }
    }
}
