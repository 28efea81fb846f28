package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.rec;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.AnswersWouldBeDroppedException;
import dev.stride.core.Cursor;
import dev.stride.core.InputRecord;
import dev.stride.core.InvalidInputException;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.Shard;
import dev.stride.core.SyncReport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store on a real PostgreSQL server (a throwaway cluster for this class, a new database for each test). */
class PostgresCheckpointStoreTest {
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    private PostgresCheckpointStore store;

    @BeforeEach
    void open() throws Exception {
        store = PostgresCheckpointStore.open(PG.location());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private long newRun(String name, List<InputRecord> input) {
        store.syncRun(spec(name), input.iterator());
        return store.findRun(name).orElseThrow().id();
    }

    private List<ResultRow> results(long run) {
        List<ResultRow> rows = new ArrayList<>();
        store.forEachResult(run, rows::add);
        return rows;
    }

    private Connection jdbc() throws Exception {
        return PG.connect();
    }

    @Test
    void aNewRunsRecordsAreStoredAsGivenAndADuplicateIdIsRefusedNamingItsEarliestRepeat() throws Exception {
        List<InputRecord> input = new ArrayList<>(recs(1_200));
        input.set(1_000, rec(1_000, "r5", "again"));
        input.set(900, rec(900, "r3", "again"));
        assertThatThrownBy(() -> store.syncRun(spec("a"), input.iterator()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("duplicate id 'r3' on lines 4 and 901, and 1 more id repeats");
        assertThat(store.listRuns()).isEmpty();

        List<InputRecord> unique = recs(1_200);
        assertThat(store.syncRun(spec("a"), unique.iterator()).total()).isEqualTo(1_200);
        List<InputRecord> stored = new ArrayList<>();
        try (Connection c = jdbc(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT seq, record_id, line, payload, content_hash FROM records ORDER BY seq")) {
            while (rs.next()) {
                stored.add(new InputRecord(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                        rs.getString(5)));
            }
        }
        assertThat(stored).isEqualTo(unique);
    }

    @Test
    void aShardRunKeepsItsShardAsOnSqlite() {
        RunSpec plain = spec("sharded");
        RunSpec spec = new RunSpec(plain.name(), plain.model(), plain.baseUrls(), plain.template(), plain.params(),
                Shard.parse("1/3"));
        store.syncRun(spec, recs(3).iterator());

        assertThat(store.findRun("sharded").orElseThrow().shard()).isEqualTo(Shard.parse("1/3"));
    }

    @Test
    void aRunIsCreatedSyncedAndSavedAsOnSqlite() {
        SyncReport report = store.syncRun(spec("a"), recs(3).iterator());

        assertThat(report.counts()).isEqualTo(new SyncReport(true, 3, 3, 0, 0));
        RunInfo run = store.findRun("a").orElseThrow();
        assertThat(run.model()).isEqualTo("llama3");
        assertThat(run.baseUrls()).containsExactly("http://localhost:8080/v1");
        assertThat(run.paramsJson()).isEqualTo("{\"max_tokens\":64,\"temperature\":0.0}");
        assertThat(run.total()).isEqualTo(3);
        assertThat(run.pending()).isEqualTo(3);
        assertThat(run.state()).isEqualTo(RunState.RUNNING);
        assertThat(run.savedAt()).isEqualTo(run.createdAt());
        assertThat(store.findRun("nope")).isEmpty();
    }

    @Test
    void aPredictionCannotBeStoredTwiceAndAFailureIsReplaced() {
        long run = newRun("a", recs(2));
        InputRecord r0 = rec(0, "r0", "text 0");
        InputRecord r1 = rec(1, "r1", "text 1");

        assertThat(store.savePrediction(run, r0, done("first"))).isTrue();
        assertThat(store.savePrediction(run, r0, done("second"))).isFalse();
        assertThat(store.saveFailure(run, r0, failure("timeout"))).isFalse();
        assertThat(store.saveFailure(run, r1, failure("http_500"))).isTrue();
        assertThat(store.saveFailure(run, r1, failure("timeout"))).isTrue();
        assertThat(store.findRun("a").orElseThrow()).extracting(RunInfo::done, RunInfo::failed)
                .containsExactly(1L, 1L);
        assertThat(store.savePrediction(run, r1, done("ok"))).isTrue();

        List<ResultRow> rows = results(run);
        assertThat(rows).extracting(ResultRow::status).containsExactly(RecordStatus.DONE, RecordStatus.DONE);
        assertThat(rows.get(0).prediction()).isEqualTo(done("first"));
        assertThat(rows.get(1).prediction().answer()).isEqualTo(done("ok").answer());
        assertThat(rows.get(1).prediction().timing().attempts()).as("each failure's 3 requests and the answer's 1")
                .isEqualTo(3 + 3 + 1);
        assertThat(rows.get(1).failure()).isNull();
        assertThat(store.findRun("a").orElseThrow()).extracting(RunInfo::done, RunInfo::failed)
                .containsExactly(2L, 0L);
    }

    @Test
    void theCursorIsTheLowWatermarkAndPendingRecordsArePaged() {
        List<InputRecord> input = recs(6);
        long run = newRun("a", input);
        store.savePrediction(run, input.get(2), done("2"));
        store.savePrediction(run, input.get(0), done("0"));
        store.saveFailure(run, input.get(3), failure("timeout"));

        Cursor cursor = store.saveCursor(run, 1500, RunState.RUNNING);
        assertThat(cursor.lowWatermark()).isEqualTo(1);
        assertThat(cursor.done()).isEqualTo(2);
        assertThat(cursor.failed()).isEqualTo(1);
        assertThat(store.pendingRecords(run, -1, 10, false)).extracting(InputRecord::id)
                .containsExactly("r1", "r4", "r5");
        assertThat(store.pendingRecords(run, 2, 2, true)).extracting(InputRecord::id).containsExactly("r3", "r4");
        assertThat(store.pendingRecords(run, -1, 1, false).get(0)).isEqualTo(input.get(1));

        for (int i : new int[] {1, 4, 5}) {
            store.savePrediction(run, input.get(i), done(String.valueOf(i)));
        }
        Cursor last = store.saveCursor(run, 2500, RunState.DONE_WITH_FAILURES);
        assertThat(last.lowWatermark()).isEqualTo(6);
        RunInfo info = store.findRun("a").orElseThrow();
        assertThat(info.elapsedMs()).isEqualTo(2500);
        assertThat(info.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(info.savedAt()).isEqualTo(last.savedAt());
    }

    @Test
    void aSyncThatMayNotDropAnswersIsRefusedWithNothingChanged() {
        long run = newRun("a", List.of(rec(0, "a", "x"), rec(1, "b", "x"), rec(2, "c", "x")));
        store.savePrediction(run, rec(0, "a", "x"), done("A"));

        assertThatThrownBy(() -> store.syncRun(spec("a"), List.of(rec(0, "b", "x"), rec(1, "c", "x")).iterator(),
                java.util.Optional::empty, false))
                .isInstanceOfSatisfying(AnswersWouldBeDroppedException.class,
                        e -> assertThat(e.report().removedAnswers()).isEqualTo(1));
        assertThat(results(run)).extracting(ResultRow::id).containsExactly("a", "b", "c");
        assertThat(store.findRun("a").orElseThrow().done()).isEqualTo(1);

        // c has no answer: it goes without asking.
        assertThat(store.syncRun(spec("a"), List.of(rec(0, "a", "x"), rec(1, "b", "x")).iterator(),
                java.util.Optional::empty, false).removed()).isEqualTo(1);
        assertThat(results(run)).extracting(ResultRow::id).containsExactly("a", "b");
    }

    @Test
    void aRecordStoredWithItsKeysUnsortedByAnOlderStrideIsNoEditAsOnSqlite() {
        String written = "{\"text\":\"x\",\"id\":\"a\"}";
        InputRecord old = new InputRecord(0, "a", 1, written, Fixtures.sha256(written));
        long run = newRun("a", List.of(old, rec(1, "b", "x")));
        store.savePrediction(run, old, done("A"));

        String sorted = "{\"id\":\"a\",\"text\":\"x\"}";
        SyncReport report = store.syncRun(spec("a"), List.of(new InputRecord(0, "a", 1, sorted,
                Fixtures.sha256(sorted)), rec(1, "b", "x")).iterator());

        assertThat(report.counts()).isEqualTo(new SyncReport(false, 2, 0, 0, 0));
        assertThat(results(run)).extracting(ResultRow::status, ResultRow::inputJson).containsExactly(
                org.assertj.core.groups.Tuple.tuple(RecordStatus.DONE, written),
                org.assertj.core.groups.Tuple.tuple(RecordStatus.PENDING, "{\"id\":\"b\",\"text\":\"x\"}"));
    }

    @Test
    void anEditedInputAddsReplacesRemovesAndRenumbers() {
        long run = newRun("a", List.of(rec(0, "a", "x"), rec(1, "b", "x"), rec(2, "c", "x"), rec(3, "d", "x")));
        store.savePrediction(run, rec(0, "a", "x"), done("A"));
        store.savePrediction(run, rec(1, "b", "x"), done("B"));
        store.saveFailure(run, rec(2, "c", "x"), failure("timeout"));
        store.savePrediction(run, rec(3, "d", "x"), done("D"));

        SyncReport report = store.syncRun(spec("a"),
                List.of(rec(0, "d", "x"), rec(1, "a", "x"), rec(2, "b", "edited"), rec(3, "e", "x")).iterator());

        assertThat(report.counts()).isEqualTo(new SyncReport(false, 4, 1, 1, 1));
        assertThat(report.done()).isEqualTo(2);
        assertThat(report.failed()).isZero();
        assertThat(results(run)).extracting(ResultRow::id, ResultRow::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("d", RecordStatus.DONE),
                org.assertj.core.groups.Tuple.tuple("a", RecordStatus.DONE),
                org.assertj.core.groups.Tuple.tuple("b", RecordStatus.PENDING),
                org.assertj.core.groups.Tuple.tuple("e", RecordStatus.PENDING));
        assertThat(store.findRun("a").orElseThrow()).extracting(RunInfo::done, RunInfo::failed, RunInfo::total)
                .containsExactly(2L, 0L, 4L);
    }

    @Test
    void aDuplicateIdIsRefusedAndAPreviewWritesNothing() {
        assertThatThrownBy(() -> store.syncRun(spec("a"),
                List.of(rec(0, "x", "1"), rec(1, "y", "2"), rec(2, "x", "3")).iterator()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'x'").hasMessageContaining("1").hasMessageContaining("3");
        assertThat(store.listRuns()).isEmpty();

        SyncReport preview = store.previewSync(spec("b"), recs(4).iterator());
        assertThat(preview.counts()).isEqualTo(new SyncReport(true, 4, 4, 0, 0));
        assertThat(store.listRuns()).isEmpty();
    }

    @Test
    void resultsAreStreamedInInputOrderAcrossPagesAndRunsAreCleared() {
        List<InputRecord> input = recs(2500);
        long a = newRun("a", input);
        newRun("b", recs(2));
        assertThat(results(a)).hasSize(2500).extracting(ResultRow::seq)
                .isSorted().startsWith(0L, 1L).endsWith(2499L);

        assertThat(store.clearRun("a")).isTrue();
        assertThat(store.clearRun("a")).isFalse();
        assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly("b");
        assertThat(store.clearAll()).isEqualTo(1);
        assertThat(store.listRuns()).isEmpty();
    }

    /** As {@link RunTokensTest} on SQLite: the tokens counted in the slots are the sums over the outcomes. */
    @Test
    void theTokensCountedInTheSlotsAreTheSumsOverTheOutcomesAsTheyAreStoredReplacedAndRemoved() throws Exception {
        store.syncRun(spec("a"), RunTokensTest.input(6).iterator());
        long a = store.findRun("a").orElseThrow().id();
        RunTokensTest.answer(new RunTokensTest.CheckpointStoreFacade() {
            @Override
            public void done(long run, InputRecord r, dev.stride.core.Prediction p) {
                assertThat(store.savePrediction(run, r, p)).isTrue();
            }

            @Override
            public void failed(long run, InputRecord r, dev.stride.core.FailedPrediction f) {
                assertThat(store.saveFailure(run, r, f)).isTrue();
            }
        }, a);
        try (Connection c = jdbc()) {
            assertThat(RunTokensTest.summed(c, "a")).containsExactly(28L, 14L, 3L);
            assertThat(RunTokensTest.shown(store.runTotals(java.time.Instant.now(), Duration.ofMinutes(1)).get("a")))
                    .containsExactly(28L, 14L, 1L);

            List<InputRecord> edited = new ArrayList<>(RunTokensTest.input(6).subList(1, 6));
            edited.set(0, rec(1, "r1", "text 1, edited"));
            store.syncRun(spec("a"), edited.iterator());
            assertThat(RunTokensTest.summed(c, "a")).containsExactly(7L, 3L, 1L);
            assertThat(RunTokensTest.shown(store.runTotals(java.time.Instant.now(), Duration.ofMinutes(1)).get("a")))
                    .containsExactly(7L, 3L, 1L);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT tokens_in, tokens_out, usage_reported FROM run_totals WHERE run_id = " + a)) {
                rs.next();
                assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3))).containsExactly(7L, 3L, 1L);
            }
        }
    }

    @Test
    void twoWritersCountIntoTheirOwnSlotsAndTheSumsAreExact() throws Exception {
        List<InputRecord> input = recs(200);
        long run = newRun("a", input);
        try (PostgresCheckpointStore other = PostgresCheckpointStore.open(PG.location())) {
            for (int i = 0; i < 200; i++) {
                PostgresCheckpointStore writer = i % 2 == 0 ? store : other;
                if (i % 10 == 9) {
                    writer.saveFailure(run, input.get(i), failure("timeout"));
                } else {
                    writer.savePrediction(run, input.get(i), done("o" + i));
                }
            }
            assertThat(other.findRun("a").orElseThrow()).extracting(RunInfo::done, RunInfo::failed)
                    .containsExactly(180L, 20L);
        }
        try (Connection c = jdbc(); Statement st = c.createStatement()) {
            // Two sessions, two slots (unless their process ids fall on one slot): not one row both waited on.
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM run_counts WHERE done <> 0 OR failed <> 0")) {
                rs.next();
                assertThat(rs.getInt(1)).isBetween(1, 2);
            }
            try (ResultSet rs = st.executeQuery("SELECT total, done, failed, pending, percent, state FROM progress")) {
                rs.next();
                assertThat(rs.getLong("done")).isEqualTo(180);
                assertThat(rs.getLong("failed")).isEqualTo(20);
                assertThat(rs.getLong("pending")).isZero();
                assertThat(rs.getString("percent")).isEqualTo("90.0");
                assertThat(rs.getString("state")).isEqualTo("running");
            }
        }
        // A sync recounts into one slot, and the sums stay.
        store.syncRun(spec("a"), input.iterator());
        assertThat(store.findRun("a").orElseThrow()).extracting(RunInfo::done, RunInfo::failed)
                .containsExactly(180L, 20L);
    }

    @Test
    void anOutcomeCommitNeverWritesTheRunsRow() throws Exception {
        List<InputRecord> input = recs(50);
        long run = newRun("a", input);
        long before = runsRowVersion();
        for (InputRecord r : input) {
            store.savePrediction(run, r, done("x"));
        }
        // The row's xmin is the transaction that last wrote it: the same one, so no outcome commit queued on it.
        assertThat(runsRowVersion()).isEqualTo(before);
        assertThat(store.findRun("a").orElseThrow().done()).isEqualTo(50);
    }

    private long runsRowVersion() throws Exception {
        try (Connection c = jdbc(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT xmin::text::bigint FROM runs")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aReadOnlyStoreRefusesToWriteAndSeesTheSameRuns() {
        long run = newRun("a", recs(2));
        store.savePrediction(run, rec(0, "r0", "text 0"), done("x"));
        try (PostgresCheckpointStore readOnly = PostgresCheckpointStore.openReadOnly(PG.location())) {
            assertThat(readOnly.findRun("a").orElseThrow().done()).isEqualTo(1);
            assertThatThrownBy(() -> readOnly.clearAll()).isInstanceOf(StoreException.class);
        }
    }

    @Test
    void aRestartedServerIsWaitedForAndNothingIsLostOrStoredTwice() throws Exception {
        List<InputRecord> input = recs(40);
        long run = newRun("a", input);
        for (int i = 0; i < 20; i++) {
            store.savePrediction(run, input.get(i), done("o" + i));
        }
        store.saveCursor(run, 100, RunState.RUNNING);

        PG.cluster().restart();

        // The store's connections died with the server; each call reconnects and goes on.
        for (int i = 20; i < 40; i++) {
            assertThat(store.savePrediction(run, input.get(i), done("o" + i))).isTrue();
        }
        Cursor cursor = store.saveCursor(run, 200, RunState.DONE);
        assertThat(cursor.lowWatermark()).isEqualTo(40);
        assertThat(cursor.done()).isEqualTo(40);
        assertThat(results(run)).extracting(ResultRow::id).doesNotHaveDuplicates().hasSize(40);
    }

    @Test
    void aServerThatIsDownIsNamedWithoutThePassword() throws Exception {
        String withPassword = "postgresql://postgres:s3cret-pw@127.0.0.1:1/nothing";
        assertThatThrownBy(() -> PostgresCheckpointStore.open(PostgresLocation.parse(withPassword, Map.of()),
                Duration.ofSeconds(1)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("127.0.0.1:1")
                .hasMessageNotContaining("s3cret-pw");
    }
}
