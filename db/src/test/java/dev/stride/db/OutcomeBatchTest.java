package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.rec;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InputRecord;
import dev.stride.core.RecordOutcome;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.SavedOutcomes;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outcomes that queued up together, stored in one transaction on a real SQLite file: each as a lone save would; those
 * that complete a save interval together with the cursor.
 */
class OutcomeBatchTest {
    @TempDir
    Path dir;

    @Test
    void aBatchStoresEachOutcomeWholeDropsItsClaimAndKeepsAnAnswerAlreadyThere() throws Exception {
        Path file = dir.resolve("batch.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), recs(6).iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.join(run, Duration.ofSeconds(30));
            List<InputRecord> claimed = store.claim(run, -1, 5, false);
            store.savePrediction(run, claimed.get(3), done("first answer"));

            boolean[] written = store.saveOutcomes(run, List.of(
                    RecordOutcome.done(claimed.get(0), done("a0")),
                    RecordOutcome.failed(claimed.get(1), failure("http_400")),
                    RecordOutcome.done(claimed.get(2), done("a2")),
                    RecordOutcome.done(claimed.get(3), done("second answer"))));

            assertThat(written).containsExactly(true, true, true, false);
            List<ResultRow> rows = new ArrayList<>();
            store.forEachResult(run, rows::add);
            assertThat(rows).extracting(ResultRow::status).containsExactly(RecordStatus.DONE, RecordStatus.FAILED,
                    RecordStatus.DONE, RecordStatus.DONE, RecordStatus.PENDING, RecordStatus.PENDING);
            assertThat(rows.get(0).prediction().answer().output()).isEqualTo("a0");
            assertThat(rows.get(1).failure().errorKind()).isEqualTo("http_400");
            assertThat(rows.get(3).prediction().answer().output()).isEqualTo("first answer");
            assertThat(claimsHeld(file)).containsExactly(claimed.get(4).id());
            assertThat(store.findRun("a").orElseThrow().done()).isEqualTo(3);
            assertThat(store.findRun("a").orElseThrow().failed()).isEqualTo(1);
            assertThat(store.liveWorkers(run).get(0).done()).isEqualTo(3);
            assertThat(store.liveWorkers(run).get(0).failed()).isEqualTo(1);
        }
    }

    @Test
    void aBatchIsOneTransactionCommittedWholeOrNotAtAll() throws Exception {
        Path file = dir.resolve("whole.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), recs(3).iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.join(run, Duration.ofSeconds(30));
            List<InputRecord> claimed = store.claim(run, -1, 3, false);
            // A record the run does not have: its row breaks the foreign key, and the batch goes with it.
            InputRecord stranger = rec(9, "not-in-the-run", "x");

            assertThatThrownBy(() -> store.saveOutcomes(run, List.of(
                    RecordOutcome.done(claimed.get(0), done("a0")),
                    RecordOutcome.done(stranger, done("nowhere")),
                    RecordOutcome.done(claimed.get(1), done("a1")))))
                    .isInstanceOf(StoreException.class);

            assertThat(store.findRun("a").orElseThrow().done()).isZero();
            assertThat(claimsHeld(file)).hasSize(3);
            assertThat(store.saveOutcomes(run, List.of(RecordOutcome.done(claimed.get(0), done("a0")))))
                    .containsExactly(true);
        }
    }

    @Test
    void outcomesThatCompleteASaveIntervalShareTheCursorsCommitWholeOrNotAtAll() throws Exception {
        Path file = dir.resolve("shared.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), recs(6).iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.join(run, Duration.ofSeconds(30));
            List<InputRecord> claimed = store.claim(run, -1, 6, false);

            SavedOutcomes saved = store.saveOutcomesWithCursor(run, List.of(
                    RecordOutcome.done(claimed.get(0), done("a0")),
                    RecordOutcome.failed(claimed.get(1), failure("http_400")),
                    RecordOutcome.done(claimed.get(2), done("a2"))), 1_500, RunState.RUNNING);

            assertThat(saved.written()).containsExactly(true, true, true);
            // The cursor counts the outcomes of its own commit.
            assertThat(saved.cursor().lowWatermark()).isEqualTo(3);
            assertThat(saved.cursor().done()).isEqualTo(2);
            assertThat(saved.cursor().failed()).isEqualTo(1);
            assertThat(claimsHeld(file)).containsExactly(claimed.get(3).id(), claimed.get(4).id(),
                    claimed.get(5).id());

            // A batch that breaks (a record the run does not have) takes its cursor with it.
            InputRecord stranger = rec(9, "not-in-the-run", "x");
            assertThatThrownBy(() -> store.saveOutcomesWithCursor(run, List.of(
                    RecordOutcome.done(claimed.get(3), done("a3")),
                    RecordOutcome.done(stranger, done("nowhere"))), 9_000, RunState.RUNNING))
                    .isInstanceOf(StoreException.class);
            RunInfo after = store.findRun("a").orElseThrow();
            assertThat(after.done()).isEqualTo(2);
            assertThat(after.lowWatermark()).isEqualTo(3);
            assertThat(after.elapsedMs()).isEqualTo(1_500);
            assertThat(claimsHeld(file)).hasSize(3);
        }
    }

    /**
     * What a commit costs is mostly the pages it appends to the WAL, one per B-tree it touches: the prediction (its
     * table, its primary key, the index by time), the run's counters, the claim dropped, the worker's count. The claim
     * is one B-tree since V13 (it was three): 6 pages, not 8.
     */
    @Test
    void aLoneOutcomesCommitAppendsSixPagesToTheWal() throws Exception {
        Path file = dir.resolve("pages.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file);
             Connection side = Fixtures.jdbc(file)) {
            store.syncRun(spec("a"), recs(100).iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.join(run, Duration.ofSeconds(30));
            List<InputRecord> claimed = store.claim(run, -1, 64, false);
            store.saveOutcomes(run, List.of(RecordOutcome.done(claimed.get(0), done("a0"))));
            assertThat(walFrames(side, "TRUNCATE")).isZero();

            store.saveOutcomes(run, List.of(RecordOutcome.done(claimed.get(1), done("a1"))));

            assertThat(walFrames(side, "PASSIVE")).as("pages appended by one outcome's commit").isLessThanOrEqualTo(6);
            assertThat(claimsHeld(file)).hasSize(62).doesNotContain(claimed.get(1).id());
        }
    }

    /** Checkpoints the WAL in {@code mode} and returns the number of frames the WAL had. */
    private static int walFrames(Connection c, String mode) throws Exception {
        try (ResultSet rs = c.createStatement().executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            rs.next();
            assertThat(rs.getInt(1)).as("checkpoint not blocked").isZero();
            return rs.getInt(2);
        }
    }

    private static List<String> claimsHeld(Path file) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = Fixtures.jdbc(file); ResultSet rs = c.createStatement()
                .executeQuery("SELECT record_id FROM claims ORDER BY record_id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }
}
