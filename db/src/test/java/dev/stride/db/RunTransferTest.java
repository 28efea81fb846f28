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
