package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InputRecord;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.Shard;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copies and merges of runs larger than one page, on real SQLite files. */
class RunTransferTest {
    private static final int N = 2 * RunTransfer.PAGE + 345;

    @TempDir
    Path dir;

    /** Two records in three done (outcomes too fill several pages), a few failed, the cursor saved. */
    private static void answerSome(SqliteCheckpointStore store, long runId, List<InputRecord> records) {
        for (InputRecord r : records) {
            long i = Long.parseLong(r.id().substring(1));
            if (i % 3 != 1) {
                store.savePrediction(runId, r, done("answer " + i));
            } else if (i % 7 == 0) {
                store.saveFailure(runId, r, failure("http_400"));
            }
        }
        store.saveCursor(runId, 12_345, RunState.INTERRUPTED);
    }

    private static List<ResultRow> results(SqliteCheckpointStore store, String run) {
        List<ResultRow> rows = new ArrayList<>();
        store.forEachResult(store.findRun(run).orElseThrow().id(), rows::add);
        return rows;
    }

    @Test
    void aCopyOfARunOfSeveralPagesHoldsEveryRowAndTheSameCursorUnderItsOwnId() {
        Path from = dir.resolve("from.db");
        Path to = dir.resolve("to.db");
        try (SqliteCheckpointStore source = SqliteCheckpointStore.open(from);
             SqliteCheckpointStore target = SqliteCheckpointStore.open(to)) {
            source.syncRun(spec("big"), recs(N).iterator());
            answerSome(source, source.findRun("big").orElseThrow().id(), recs(N));
            // The target's run ids are taken: the copy gets one of its own.
            target.syncRun(spec("other"), recs(3).iterator());
            target.syncRun(spec("other2"), recs(3).iterator());

            List<RunInfo> copied = RunTransfer.copy(source, target, "big");

            RunInfo original = source.findRun("big").orElseThrow();
            RunInfo copy = target.findRun("big").orElseThrow();
            assertThat(copied).containsExactly(copy);
            assertThat(copy.id()).isNotEqualTo(original.id());
            assertThat(copy).usingRecursiveComparison().ignoringFields("id").isEqualTo(original);
            assertThat(results(target, "big")).hasSize(N).isEqualTo(results(source, "big"));
            assertThat(results(target, "other")).hasSize(3);
        }
    }

    /**
     * Every column of every row the copy writes, as SQLite stores it (NULLs, texts, integers past 32 bits), on both
     * sides of each page and of each multi-row INSERT: the rows of each table of the run, less the run id.
     */
    @Test
    void aCopyKeepsEveryColumnOfEveryRowAcrossPagesAndStatements() throws SQLException {
        Path from = dir.resolve("from.db");
        Path to = dir.resolve("to.db");
        try (SqliteCheckpointStore source = SqliteCheckpointStore.open(from);
             SqliteCheckpointStore target = SqliteCheckpointStore.open(to)) {
            source.syncRun(spec("big"), recs(N).iterator());
            answerSome(source, source.findRun("big").orElseThrow().id(), recs(N));
            try (Connection c = Fixtures.jdbc(from); Statement s = c.createStatement()) {
                // Every nullable column of an outcome filled in every other row, left NULL in the others.
                s.executeUpdate("UPDATE predictions SET reasoning = 'why ' || record_id, refusal = 'no ' || record_id,"
                        + " tool_calls = '[{\"id\":\"' || record_id || '\"}]', server_model = 'm-' || record_id,"
                        + " response_id = 'resp-' || record_id, raw_response = '{\"raw\":1}',"
                        + " server = 'http://h' || record_id, extracted = 'B', output_json = '{\"a\":1}',"
                        + " prompt_tokens = 5000000000 + CAST(substr(record_id, 2) AS INTEGER),"
                        + " completion_tokens = 7, finish_reason = 'length'"
                        + " WHERE CAST(substr(record_id, 2) AS INTEGER) % 2 = 0");
                // Two scores per answer, so that they too fill several pages, paged by a key of three columns.
                s.executeUpdate("INSERT INTO scores (run_id, record_id, metric, label_field, extract, label, correct,"
                        + " parsed, extracted, answered_at, record_hash, scored_at)"
                        + " SELECT p.run_id, p.record_id, m.metric, 'answer', m.extract, 'A', r.seq % 2, 1,"
                        + " CASE WHEN r.seq % 3 = 0 THEN NULL ELSE 'A' END, p.finished_at, r.content_hash, 'then'"
                        + " FROM predictions p JOIN records r USING (run_id, record_id)"
                        + " CROSS JOIN (SELECT 'exact' AS metric, '' AS extract UNION ALL SELECT 'regex', '(A)') m");
            }
            target.syncRun(spec("other"), recs(3).iterator());

            RunTransfer.copy(source, target, "big");

            long fromId = source.findRun("big").orElseThrow().id();
            long toId = target.findRun("big").orElseThrow().id();
            assertThat(toId).isNotEqualTo(fromId);
            for (String table : List.of("records", "predictions", "scores")) {
                List<List<Object>> copied = rowsOf(to, table, toId);
                assertThat(copied).as(table).hasSizeGreaterThan(RunTransfer.PAGE)
                        .isEqualTo(rowsOf(from, table, fromId));
            }
        }
    }

    /** The rows of {@code table} of run {@code runId}, every column but run_id, in primary key order. */
    private static List<List<Object>> rowsOf(Path file, String table, long runId) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = Fixtures.jdbc(file);
             PreparedStatement s = c.prepareStatement("SELECT * FROM " + table + " WHERE run_id = ? ORDER BY "
                     + (table.equals("scores") ? "record_id, metric, label_field" : "record_id"))) {
            s.setLong(1, runId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        if (!rs.getMetaData().getColumnName(i).equals("run_id")) {
                            row.add(rs.getObject(i));
                        }
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    @Test
    void shardsOfSeveralPagesMergeIntoTheWholeInputInOrder() {
        List<SqliteCheckpointStore> shards = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Shard shard = new Shard(i, 3);
                SqliteCheckpointStore store = SqliteCheckpointStore.open(dir.resolve("shard-" + i + ".db"));
                shards.add(store);
                RunSpec base = spec("big");
                List<InputRecord> mine = recs(N).stream().filter(r -> shard.holds(r.id())).toList();
                store.syncRun(new RunSpec(base.name(), base.model(), base.baseUrls(), base.template(),
                        base.params(), shard), mine.iterator());
                answerSome(store, store.findRun("big").orElseThrow().id(), mine);
                assertThat(store.findRun("big").orElseThrow().shard()).isEqualTo(shard);
            }
            Path wholeFile = dir.resolve("whole.db");
            try (SqliteCheckpointStore whole = SqliteCheckpointStore.open(wholeFile);
                 SqliteCheckpointStore out = SqliteCheckpointStore.open(dir.resolve("out.db"))) {
                whole.syncRun(spec("big"), recs(N).iterator());
                answerSome(whole, whole.findRun("big").orElseThrow().id(), recs(N));

                RunInfo merged = RunTransfer.merge(List.of(shards.get(1), shards.get(2), shards.get(0)), out, null);

                RunInfo expected = whole.findRun("big").orElseThrow();
                assertThat(merged.shard()).isNull();
                assertThat(List.of(merged.total(), merged.done(), merged.failed(), merged.lowWatermark(),
                        merged.elapsedMs())).isEqualTo(List.of(expected.total(), expected.done(), expected.failed(),
                        expected.lowWatermark(), expected.elapsedMs()));
                assertThat(merged.state()).isEqualTo(RunState.INTERRUPTED); // records are left
                List<ResultRow> rows = results(out, "big");
                assertThat(rows).hasSize(N).isEqualTo(results(whole, "big"));
            }
        } finally {
            shards.forEach(SqliteCheckpointStore::close);
        }
    }

    @Test
    void aRefusedCopyWritesNothing() {
        try (SqliteCheckpointStore source = SqliteCheckpointStore.open(dir.resolve("from.db"));
             SqliteCheckpointStore target = SqliteCheckpointStore.open(dir.resolve("to.db"))) {
            source.syncRun(spec("a"), recs(5).iterator());
            source.syncRun(spec("b"), recs(5).iterator());
            target.syncRun(spec("b"), recs(2).iterator());

            assertThatThrownBy(() -> RunTransfer.copy(source, target, null))
                    .isInstanceOf(TransferRefusedException.class)
                    .hasMessageContaining("already has a run 'b'");

            assertThat(target.listRuns()).extracting(RunInfo::name).containsExactly("b");
            assertThat(target.findRun("b").orElseThrow().total()).isEqualTo(2);
        }
    }

    /** A stop asked for at its {@code at}-th question (0: never), counting the questions in {@code asked}. */
    private static BooleanSupplier stopAt(int at, AtomicInteger asked) {
        return () -> asked.incrementAndGet() == at;
    }

    /**
     * A stop (Ctrl+C, SIGTERM) at a page of a copy of several pages, or just before its commit: the destination
     * is as it was, its own run untouched, nothing of the copy in it; a copy not stopped then holds it all.
     */
    @Test
    void aCopyStoppedAtAnyPageOrBeforeItsCommitWritesNothing() {
        try (SqliteCheckpointStore source = SqliteCheckpointStore.open(dir.resolve("from.db"));
             SqliteCheckpointStore target = SqliteCheckpointStore.open(dir.resolve("to.db"))) {
            source.syncRun(spec("big"), recs(N).iterator());
            answerSome(source, source.findRun("big").orElseThrow().id(), recs(N));
            target.syncRun(spec("other"), recs(3).iterator());
            Path copyOf = dir.resolve("count.db");
            AtomicInteger questions = new AtomicInteger();
            try (SqliteCheckpointStore counting = SqliteCheckpointStore.open(copyOf)) {
                RunTransfer.copy(source, counting, "big", stopAt(0, questions));
            }
            // Pages of records and of outcomes, and the last look before the commit.
            assertThat(questions.get()).isGreaterThanOrEqualTo(6);

            // The first page, one midway and the last look before the commit.
            for (int at : new int[] {1, questions.get() / 2, questions.get()}) {
                AtomicInteger asked = new AtomicInteger();
                BooleanSupplier stop = stopAt(at, asked);
                assertThatThrownBy(() -> RunTransfer.copy(source, target, "big", stop))
                        .as("stopped at question %d", at).isInstanceOf(TransferStoppedException.class);
                assertThat(target.listRuns()).extracting(RunInfo::name).as("at %d", at).containsExactly("other");
                assertThat(results(target, "other")).hasSize(3);
            }
            RunTransfer.copy(source, target, "big", stopAt(0, new AtomicInteger()));
            assertThat(results(target, "big")).hasSize(N).isEqualTo(results(source, "big"));
        }
    }

    @Test
    void aMergeStoppedAtAnyPageOrBeforeItsCommitWritesNothing() {
        List<SqliteCheckpointStore> shards = new ArrayList<>();
        try (SqliteCheckpointStore out = SqliteCheckpointStore.open(dir.resolve("out.db"))) {
            for (int i = 0; i < 2; i++) {
                Shard shard = new Shard(i, 2);
                SqliteCheckpointStore store = SqliteCheckpointStore.open(dir.resolve("shard-" + i + ".db"));
                shards.add(store);
                RunSpec base = spec("big");
                List<InputRecord> mine = recs(N).stream().filter(r -> shard.holds(r.id())).toList();
                store.syncRun(new RunSpec(base.name(), base.model(), base.baseUrls(), base.template(),
                        base.params(), shard), mine.iterator());
                answerSome(store, store.findRun("big").orElseThrow().id(), mine);
            }
            AtomicInteger questions = new AtomicInteger();
            try (SqliteCheckpointStore counting = SqliteCheckpointStore.open(dir.resolve("count.db"))) {
                RunTransfer.merge(shards, counting, null, stopAt(0, questions));
            }
            assertThat(questions.get()).isGreaterThanOrEqualTo(4);

            // The first page, one midway and the last look before the commit.
            for (int at : new int[] {1, questions.get() / 2, questions.get()}) {
                AtomicInteger asked = new AtomicInteger();
                BooleanSupplier stop = stopAt(at, asked);
                assertThatThrownBy(() -> RunTransfer.merge(shards, out, null, stop))
                        .as("stopped at question %d", at).isInstanceOf(TransferStoppedException.class);
                assertThat(out.listRuns()).as("at %d", at).isEmpty();
            }
            assertThat(RunTransfer.merge(shards, out, null, stopAt(0, new AtomicInteger())).total()).isEqualTo(N);
        } finally {
            shards.forEach(SqliteCheckpointStore::close);
        }
    }
}
