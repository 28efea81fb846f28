package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.Cursor;
import dev.stride.core.Endpoint;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.ParsedOutput;
import dev.stride.core.Prediction;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.Timing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database written by stride at schema version 6 (resources/legacy, described in its README) opens with this
 * store, which migrates it, and its runs go on: the same runs, counters, servers, pending records and answers.
 */
class LegacyDatabaseTest {
    private static final String HALF_DONE = "qwen-medical-lora-251106-f16";
    private static final String FINISHED = "base-model";
    /** The stored outcome of a record as its columns say, to compare before and after the migration. */
    private static final String OUTCOMES = "SELECT p.record_id, p.status, p.output, p.finish_reason,"
            + " p.prompt_tokens, p.completion_tokens, p.latency_ms, p.attempts, p.finished_at, p.error_kind,"
            + " p.error, p.reasoning, p.refusal, p.tool_calls, p.server_model, p.response_id, p.raw_response,"
            + " p.server, p.extracted, p.output_json FROM predictions p JOIN runs r USING (run_id) WHERE r.name = '"
            + HALF_DONE + "'";

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void copy() throws Exception {
        // Never opened where it lies: the fixture stays as version 6 wrote it.
        file = dir.resolve("stride-v6.db");
        Files.copy(Path.of(getClass().getResource("/legacy/stride-v6.db").toURI()), file);
    }

    @Test
    void bothRunsOpenWithTheirCountersAndServers() {
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly(HALF_DONE, FINISHED);

            RunInfo half = store.findRun(HALF_DONE).orElseThrow();
            assertThat(half.model()).isEqualTo(HALF_DONE);
            assertThat(half.baseUrls()).containsExactly("http://127.0.0.1:18101/v1", "http://127.0.0.1:18102/v1");
            assertThat(half.template()).isEqualTo("Answer briefly: {{question}}");
            assertThat(GenerationParams.fromJson(half.paramsJson()).maxTokens()).isEqualTo(64);
            assertThat(half).extracting(RunInfo::total, RunInfo::done, RunInfo::failed, RunInfo::pending,
                    RunInfo::lowWatermark, RunInfo::elapsedMs).containsExactly(40L, 24L, 2L, 14L, 26L, 684L);
            assertThat(half.state()).isEqualTo(RunState.INTERRUPTED);

            RunInfo finished = store.findRun(FINISHED).orElseThrow();
            assertThat(finished.baseUrls()).containsExactly("http://127.0.0.1:18101/v1");
            assertThat(GenerationParams.fromJson(finished.paramsJson()).endpoint()).isEqualTo(Endpoint.COMPLETIONS);
            assertThat(finished).extracting(RunInfo::total, RunInfo::done, RunInfo::failed, RunInfo::pending)
                    .containsExactly(40L, 40L, 0L, 0L);
            assertThat(finished.state()).isEqualTo(RunState.DONE);
        }
    }

    @Test
    void theFourteenPendingRecordsAreStillToDo() {
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = store.findRun(HALF_DONE).orElseThrow().id();
            List<InputRecord> pending = store.pendingRecords(run, -1, 100, false);
            assertThat(pending).hasSize(14);
            assertThat(pending).extracting(InputRecord::seq).containsExactly(26L, 27L, 28L, 29L, 30L, 31L, 32L, 33L,
                    34L, 35L, 36L, 37L, 38L, 39L);
            assertThat(pending.get(0).id()).isEqualTo("q26");
            assertThat(store.pendingRecords(run, -1, 100, true)).extracting(InputRecord::id)
                    .contains("q12", "q17").hasSize(16);
        }
    }

    @Test
    void theOldAnswersReadBackUnchanged() throws Exception {
        Map<String, List<Object>> before = outcomes();
        assertThat(before).hasSize(26);

        List<ResultRow> rows = new ArrayList<>();
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.forEachResult(store.findRun(HALF_DONE).orElseThrow().id(), rows::add);
        }

        assertThat(rows).hasSize(40);
        assertThat(rows).filteredOn(r -> r.status() == RecordStatus.PENDING).hasSize(14);
        Map<String, List<Object>> read = new LinkedHashMap<>();
        for (ResultRow row : rows) {
            if (row.status() != RecordStatus.PENDING) {
                read.put(row.id(), columns(row));
            }
        }
        assertThat(read).isEqualTo(before);
        assertThat(outcomes()).as("the migration leaves outcomes as they were").isEqualTo(before);
        ResultRow q00 = rows.get(0);
        assertThat(q00.prediction().answer().output()).startsWith("Answer to: Answer briefly: What is finding 0?");
        assertThat(q00.prediction().parsed().extracted()).isEqualTo("Answer");
        assertThat(rows.get(12).failure().errorKind()).isEqualTo("http_500");
    }

    @Test
    void theViewsAnswerAsBefore() throws Exception {
        SqliteCheckpointStore.open(file).close();
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT run, done, failed, pending, state FROM progress ORDER BY run")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("run")).isEqualTo(FINISHED);
            assertThat(rs.getString("state")).isEqualTo("done");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("run")).isEqualTo(HALF_DONE);
            assertThat(List.of(rs.getLong("done"), rs.getLong("failed"), rs.getLong("pending"))).containsExactly(24L,
                    2L, 14L);
            assertThat(rs.getString("state")).isEqualTo("interrupted");
        }
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status, count(*) FROM results WHERE run = '" + HALF_DONE
                     + "' GROUP BY status ORDER BY status")) {
            List<String> counts = new ArrayList<>();
            while (rs.next()) {
                counts.add(rs.getString(1) + " " + rs.getLong(2));
            }
            assertThat(counts).containsExactly("done 24", "failed 2", "pending 14");
        }
    }

    @Test
    void outcomesAndACursorAreSavedAsInANewDatabase() {
        Instant now = Instant.parse("2026-12-01T08:00:00.250Z");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            RunInfo half = store.findRun(HALF_DONE).orElseThrow();
            List<InputRecord> pending = store.pendingRecords(half.id(), -1, 2, false);
            Prediction answer = new Prediction(Answer.plain("Answer to: 26", "stop", 6, 4), new ParsedOutput(
                    "Answer", null), new Timing(40, 1, now));
            assertThat(store.savePrediction(half.id(), pending.get(0), answer)).isTrue();
            assertThat(store.saveFailure(half.id(), pending.get(1), Fixtures.failure("timeout"))).isTrue();

            Cursor cursor = store.saveCursor(half.id(), half.elapsedMs() + 1_000, RunState.INTERRUPTED);

            assertThat(cursor).extracting(Cursor::lowWatermark, Cursor::done, Cursor::failed, Cursor::elapsedMs)
                    .containsExactly(28L, 25L, 3L, 1_684L);
            assertThat(cursor.state()).isEqualTo(RunState.INTERRUPTED);
            assertThat(store.findRun(HALF_DONE).orElseThrow().pending()).isEqualTo(12);
            List<ResultRow> rows = new ArrayList<>();
            store.forEachResult(half.id(), rows::add);
            assertThat(rows.get(26).prediction()).isEqualTo(answer);
            assertThat(rows.get(27).failure()).isEqualTo(Fixtures.failure("timeout"));
        }
    }

    /** Each outcome's columns by record, read with plain SQL. */
    private Map<String, List<Object>> outcomes() throws Exception {
        Map<String, List<Object>> rows = new LinkedHashMap<>();
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(OUTCOMES + " ORDER BY p.record_id")) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> values = new ArrayList<>();
                for (int i = 2; i <= columns; i++) {
                    Object value = rs.getObject(i);
                    values.add(value instanceof Number n ? (Object) n.longValue() : value);
                }
                rows.put(rs.getString(1), values);
            }
        }
        return rows;
    }

    /** The same columns, as the store reads them back. */
    private static List<Object> columns(ResultRow row) {
        Answer a = row.prediction() == null ? null : row.prediction().answer();
        ParsedOutput parsed = row.prediction() == null ? ParsedOutput.NONE : row.prediction().parsed();
        Timing t = row.timing();
        List<Object> values = new ArrayList<>();
        values.add(row.status().label());
        values.add(a == null ? null : a.output());
        values.add(a == null ? null : a.finishReason());
        values.add(a == null || a.promptTokens() == null ? null : a.promptTokens().longValue());
        values.add(a == null || a.completionTokens() == null ? null : a.completionTokens().longValue());
        values.add(t.latencyMs());
        values.add((long) t.attempts());
        values.add(UtcText.format(t.finishedAt()));
        values.add(row.failure() == null ? null : row.failure().errorKind());
        values.add(row.failure() == null ? null : row.failure().error());
        values.add(a == null ? null : a.reasoning());
        values.add(a == null ? null : a.refusal());
        values.add(a == null ? null : a.toolCalls());
        values.add(a == null ? null : a.serverModel());
        values.add(a == null ? null : a.responseId());
        values.add(a == null ? null : a.rawBody());
        values.add(a == null ? null : a.server());
        values.add(parsed.extracted());
        values.add(parsed.json());
        return values;
    }
}
