package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.rec;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.stride.core.AnswersWouldBeDroppedException;
import dev.stride.core.Cursor;
import dev.stride.core.InputRecord;
import dev.stride.core.InvalidInputException;
import dev.stride.core.Phrase;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.SyncReport;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteCheckpointStoreTest {
    @TempDir
    Path dir;

    private Path file;
    private SqliteCheckpointStore store;

    @BeforeEach
    void open() {
        file = dir.resolve("stride.db");
        store = SqliteCheckpointStore.open(file);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private long newRun(String name, List<InputRecord> input) {
        store.syncRun(spec(name), input.iterator());
        return store.findRun(name).orElseThrow().id();
    }

    @Test
    void newRunIsCreatedWithItsSpec() {
        SyncReport report = store.syncRun(spec("a"), recs(3).iterator());

        assertThat(report.counts()).isEqualTo(new SyncReport(true, 3, 3, 0, 0));
        RunInfo run = store.findRun("a").orElseThrow();
        assertThat(run.model()).isEqualTo("llama3");
        assertThat(run.baseUrls()).containsExactly("http://localhost:8080/v1");
        assertThat(run.template()).isEqualTo("Say {{text}}");
        assertThat(run.paramsJson()).isEqualTo("{\"max_tokens\":64,\"temperature\":0.0}");
        assertThat(run.total()).isEqualTo(3);
        assertThat(run.pending()).isEqualTo(3);
        assertThat(run.state()).isEqualTo(RunState.RUNNING);
        assertThat(run.createdAt()).isNotNull();
        assertThat(run.savedAt()).isEqualTo(run.createdAt());
        assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly("a");
        assertThat(store.findRun("nope")).isEmpty();
    }

    @Test
    void theStoredRecordsAreTheInputsOwnValuesInBatchesOfAnySize() throws SQLException {
        // More than one batch of the sync's insert, a large payload and characters outside the BMP: stored as given.
        List<InputRecord> input = new ArrayList<>();
        for (int i = 0; i < 1_234; i++) {
            String text = i == 7 ? "x".repeat(200_000) : "caf\u00e9 \uD83D\uDE00 " + i;
            String json = "{\"id\":\"r" + i + "\",\"text\":\"" + text + "\"}";
            input.add(new InputRecord(i, "r" + i, 3L * i + 2, json, Fixtures.sha256(json)));
        }
        store.syncRun(spec("a"), input.iterator());

        List<InputRecord> stored = new ArrayList<>();
        try (var c = Fixtures.jdbc(file); var rs = c.createStatement().executeQuery(
                "SELECT seq, record_id, line, payload, content_hash FROM records ORDER BY seq")) {
            while (rs.next()) {
                stored.add(new InputRecord(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                        rs.getString(5)));
            }
        }
        assertThat(stored).isEqualTo(input);
    }

    @Test
    void aPredictionCannotBeStoredTwice() {
        long run = newRun("a", recs(2));
        InputRecord r0 = rec(0, "r0", "text 0");

        assertThat(store.savePrediction(run, r0, done("first"))).isTrue();
        assertThat(store.savePrediction(run, r0, done("second"))).isFalse();
        assertThat(store.saveFailure(run, r0, failure("timeout"))).isFalse();

        List<ResultRow> rows = results(run);
        assertThat(rows.get(0).status()).isEqualTo(RecordStatus.DONE);
        assertThat(rows.get(0).prediction()).isEqualTo(done("first"));
        assertThat(rows.get(0).failure()).isNull();
        assertThat(store.findRun("a").orElseThrow().done()).isEqualTo(1);
    }

    @Test
    void aFailureIsReplacedByALaterFailureOrADonePrediction() throws SQLException {
        long run = newRun("a", recs(2));
        InputRecord r1 = rec(1, "r1", "text 1");

        assertThat(store.saveFailure(run, r1, failure("http_500"))).isTrue();
        assertThat(store.findRun("a").orElseThrow().failed()).isEqualTo(1);
        assertThat(store.saveFailure(run, r1, failure("timeout"))).isTrue();
        assertThat(store.findRun("a").orElseThrow().failed()).isEqualTo(1);

        assertThat(store.savePrediction(run, r1, done("ok"))).isTrue();

        RunInfo info = store.findRun("a").orElseThrow();
        assertThat(info.done()).isEqualTo(1);
        assertThat(info.failed()).isZero();
        ResultRow row = results(run).get(1);
        assertThat(row.status()).isEqualTo(RecordStatus.DONE);
        // Replaced whole: the failure's kind, message and latency are gone with it; its requests still count.
        assertThat(row.prediction().answer()).isEqualTo(done("ok").answer());
        assertThat(row.prediction().timing().latencyMs()).isEqualTo(done("ok").timing().latencyMs());
        assertThat(row.failure()).isNull();
        try (var c = Fixtures.jdbc(file); var s = c.createStatement();
             var rs = s.executeQuery("SELECT error_kind, error, attempts FROM predictions WHERE record_id = 'r1'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isNull();
            assertThat(rs.getString(2)).isNull();
            assertThat(rs.getInt(3)).as("each failure's 3 requests and the answer's 1").isEqualTo(3 + 3 + 1);
        }
    }

    /**
     * A write repeated after its acknowledgement was lost (PostgreSQL) finds its own row by it: a done row that
     * replaced a failure holds that failure's attempts too, and is still this outcome's.
     */
    @Test
    void anOutcomeThatReplacedAFailureIsStillFoundAsItsOwnRow() throws SQLException {
        long run = newRun("a", recs(2));
        InputRecord r1 = rec(1, "r1", "text 1");
        assertThat(store.saveFailure(run, r1, failure("http_500"))).isTrue();
        assertThat(store.savePrediction(run, r1, done("ok"))).isTrue();

        OutcomeWriter.Row mine = OutcomeColumns.done(done("ok"), java.time.Clock.systemUTC());
        OutcomeWriter.Row another = OutcomeColumns.done(done("another answer"), java.time.Clock.systemUTC());
        try (var c = Fixtures.jdbc(file); var writer = new OutcomeWriter(c)) {
            assertThat(writer.holds(mine, run, "r1")).isTrue();
            assertThat(writer.holds(another, run, "r1")).isFalse();
        }
    }

    @Test
    void theCursorIsTheLowWatermarkUnderOutOfOrderCompletions() {
        List<InputRecord> input = recs(5);
        long run = newRun("a", input);

        store.savePrediction(run, input.get(2), done("2"));
        store.savePrediction(run, input.get(0), done("0"));
        store.saveFailure(run, input.get(4), failure("timeout"));
        Cursor cursor = store.saveCursor(run, 1500, RunState.RUNNING);
        assertThat(cursor.lowWatermark()).isEqualTo(1);
        assertThat(cursor.done()).isEqualTo(2);
        assertThat(cursor.failed()).isEqualTo(1);
        assertThat(cursor.elapsedMs()).isEqualTo(1500);
        assertThat(cursor.state()).isEqualTo(RunState.RUNNING);

        store.savePrediction(run, input.get(1), done("1"));
        assertThat(store.saveCursor(run, 2000, RunState.RUNNING).lowWatermark()).isEqualTo(3);

        store.savePrediction(run, input.get(3), done("3"));
        Cursor last = store.saveCursor(run, 2500, RunState.DONE_WITH_FAILURES);
        assertThat(last.lowWatermark()).isEqualTo(5); // failures count as settled
        RunInfo info = store.findRun("a").orElseThrow();
        assertThat(info.lowWatermark()).isEqualTo(5);
        assertThat(info.elapsedMs()).isEqualTo(2500);
        assertThat(info.state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(info.savedAt()).isEqualTo(last.savedAt());
    }

    @Test
    void pendingRecordsArePagedInInputOrder() {
        List<InputRecord> input = recs(6);
        long run = newRun("a", input);
        store.savePrediction(run, input.get(1), done("1"));
        store.saveFailure(run, input.get(3), failure("timeout"));

        assertThat(store.pendingRecords(run, -1, 10, false)).extracting(InputRecord::id)
                .containsExactly("r0", "r2", "r4", "r5");
        assertThat(store.pendingRecords(run, -1, 10, true)).extracting(InputRecord::id)
                .containsExactly("r0", "r2", "r3", "r4", "r5");
        assertThat(store.pendingRecords(run, 2, 2, true)).extracting(InputRecord::id)
                .containsExactly("r3", "r4");
        assertThat(store.pendingRecords(run, -1, 1, false).get(0)).isEqualTo(input.get(0));
    }

    @Test
    void twoRunsInOneFileStayIndependent() {
        List<InputRecord> input = recs(3);
        long a = newRun("a", input);
        long b = newRun("b", input); // the same ids in another run are other records
        store.savePrediction(a, input.get(0), done("a0"));
        store.savePrediction(a, input.get(1), done("a1"));
        store.saveFailure(b, input.get(0), failure("timeout"));

        assertThat(store.saveCursor(a, 10, RunState.RUNNING).lowWatermark()).isEqualTo(2);
        assertThat(store.saveCursor(b, 10, RunState.INTERRUPTED).lowWatermark()).isEqualTo(1);
        assertThat(store.findRun("a").orElseThrow()).extracting(RunInfo::done, RunInfo::failed).containsExactly(2L, 0L);
        assertThat(store.findRun("b").orElseThrow()).extracting(RunInfo::done, RunInfo::failed).containsExactly(0L, 1L);

        assertThat(store.clearRun("a")).isTrue();
        assertThat(store.clearRun("a")).isFalse();

        assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly("b");
        RunInfo left = store.findRun("b").orElseThrow();
        assertThat(left.total()).isEqualTo(3);
        assertThat(left.failed()).isEqualTo(1);
        assertThat(results(b)).hasSize(3);
        assertThat(store.clearAll()).isEqualTo(1);
        assertThat(store.listRuns()).isEmpty();
    }

    @Test
    void aSyncThatMayNotDropAnswersIsRefusedWithNothingChanged() throws Exception {
        long run = newRun("a", List.of(rec(0, "a", "x"), rec(1, "b", "x"), rec(2, "c", "x"), rec(3, "d", "x")));
        store.savePrediction(run, rec(0, "a", "x"), done("A"));
        store.saveFailure(run, rec(1, "b", "x"), failure("timeout"));

        // a (answered) is gone, e is new: the sync is refused before anything is written.
        assertThatThrownBy(() -> store.syncRun(spec("a"),
                List.of(rec(0, "b", "x"), rec(1, "c", "x"), rec(2, "d", "x"), rec(3, "e", "x")).iterator(),
                Optional::empty, false))
                .isInstanceOfSatisfying(AnswersWouldBeDroppedException.class, e -> {
                    assertThat(e.report().removed()).isEqualTo(1);
                    assertThat(e.report().removedAnswers()).isEqualTo(1);
                    assertThat(e.report().removedIds()).containsExactly("a");
                    assertThat(e.report().added()).isEqualTo(1);
                });
        assertThat(results(run)).extracting(ResultRow::id, ResultRow::status).containsExactly(
                tuple("a", RecordStatus.DONE), tuple("b", RecordStatus.FAILED), tuple("c", RecordStatus.PENDING),
                tuple("d", RecordStatus.PENDING));
        RunInfo kept = store.findRun("a").orElseThrow();
        assertThat(kept.total()).isEqualTo(4);
        assertThat(kept.done()).isEqualTo(1);

        // Records without an answer (b failed, c pending) go without asking; so do edited ones.
        SyncReport noAnswersLost = store.syncRun(spec("a"),
                List.of(rec(0, "a", "x"), rec(1, "d", "edited")).iterator(), Optional::empty, false);
        assertThat(noAnswersLost.counts()).isEqualTo(new SyncReport(false, 2, 0, 1, 2));
        assertThat(noAnswersLost.droppedAnswers()).isZero();
        assertThat(results(run)).extracting(ResultRow::id).containsExactly("a", "d");

        // Allowed, the answered record goes with its answer.
        SyncReport dropped = store.syncRun(spec("a"), List.of(rec(0, "d", "edited")).iterator(), Optional::empty,
                true);
        assertThat(dropped.removedAnswers()).isEqualTo(1);
        assertThat(results(run)).extracting(ResultRow::id).containsExactly("d");
        assertThat(store.findRun("a").orElseThrow().done()).isZero();
    }

    @Test
    void aSyncThatChangesMostAnsweredRecordsNeedsConsentAndOneThatCorrectsAFewDoesNot() throws Exception {
        List<InputRecord> four = List.of(rec(0, "a", "x"), rec(1, "b", "x"), rec(2, "c", "x"), rec(3, "d", "x"));
        long run = newRun("a", four);
        for (InputRecord r : four) {
            store.savePrediction(run, r, done("answer of " + r.id()));
        }

        // Another file whose ids are the run's: three of the four answered records changed.
        assertThatThrownBy(() -> store.syncRun(spec("a"), List.of(rec(0, "a", "other"), rec(1, "b", "other"),
                rec(2, "c", "other"), rec(3, "d", "x")).iterator(), Optional::empty, false))
                .isInstanceOfSatisfying(AnswersWouldBeDroppedException.class, e -> {
                    assertThat(e.report().editedAnswers()).isEqualTo(3);
                    assertThat(e.report().answersBefore()).isEqualTo(4);
                    assertThat(e.report().removedAnswers()).isZero();
                });
        assertThat(store.findRun("a").orElseThrow().done()).isEqualTo(4);

        // Two of four is not most: a correction, redone without asking.
        SyncReport corrected = store.syncRun(spec("a"), List.of(rec(0, "a", "fixed"), rec(1, "b", "fixed"),
                rec(2, "c", "x"), rec(3, "d", "x")).iterator(), Optional::empty, false);
        assertThat(corrected.editedAnswers()).isEqualTo(2);
        assertThat(corrected.needsConsentToDrop()).isFalse();
        assertThat(results(run)).extracting(ResultRow::status).containsExactly(RecordStatus.PENDING,
                RecordStatus.PENDING, RecordStatus.DONE, RecordStatus.DONE);
    }

    /** A record of the template's text field and a label it does not send, keys in order. */
    private static InputRecord labelled(long seq, String id, String text, String label) {
        String json = "{\"id\":\"" + id + "\",\"label\":\"" + label + "\",\"text\":\"" + text + "\"}";
        return new InputRecord(seq, id, seq + 1, json, Fixtures.sha256(json));
    }

    /** A record carrying its own messages (sent without the template) and a label. */
    private static InputRecord conversation(long seq, String id, String content, String label) {
        String json = "{\"id\":\"" + id + "\",\"label\":\"" + label + "\",\"messages\":[{\"content\":\""
                + content + "\",\"role\":\"user\"}]}";
        return new InputRecord(seq, id, seq + 1, json, Fixtures.sha256(json));
    }

    @Test
    void aRecordEditedOnlyWhereItsRequestDoesNotLookKeepsItsOutcomeAndTakesItsNewContent() throws Exception {
        // The template is "Say {{text}}": label is not sent; a record with messages sends them, not the template.
        List<InputRecord> first = List.of(labelled(0, "a", "x", "A"), labelled(1, "b", "x", "A"),
                labelled(2, "c", "x", "A"), labelled(3, "d", "x", "A"), conversation(4, "m", "hi", "A"),
                conversation(5, "n", "hi", "A"));
        long run = newRun("a", first);
        store.savePrediction(run, first.get(0), done("answer of a"));
        store.saveFailure(run, first.get(1), failure("timeout"));
        store.savePrediction(run, first.get(3), done("answer of d"));
        store.savePrediction(run, first.get(4), done("answer of m"));
        store.savePrediction(run, first.get(5), done("answer of n"));

        // Every label corrected (four of the five answers' records): d's text and n's message changed too.
        SyncReport report = store.syncRun(spec("a"), List.of(labelled(0, "a", "x", "B"), labelled(1, "b", "x", "B"),
                labelled(2, "c", "x", "B"), labelled(3, "d", "y", "B"), conversation(4, "m", "hi", "B"),
                conversation(5, "n", "hello", "B")).iterator(), Optional::empty, false);

        assertThat(report.relabelled()).isEqualTo(4);
        assertThat(report.relabelledIds()).containsExactly("a", "b", "c", "m");
        assertThat(report.edited()).isEqualTo(2);
        assertThat(report.editedIds()).containsExactly("d", "n");
        assertThat(report.editedAnswers()).as("only the redone ones count toward the guard").isEqualTo(2);
        assertThat(report.needsConsentToDrop()).isFalse();
        assertThat(report.changedRecords()).isTrue();
        List<ResultRow> rows = results(run);
        assertThat(rows).extracting(ResultRow::id, ResultRow::status,
                r -> r.prediction() == null ? null : r.prediction().answer().output()).containsExactly(
                tuple("a", RecordStatus.DONE, "answer of a"), tuple("b", RecordStatus.FAILED, null),
                tuple("c", RecordStatus.PENDING, null), tuple("d", RecordStatus.PENDING, null),
                tuple("m", RecordStatus.DONE, "answer of m"), tuple("n", RecordStatus.PENDING, null));
        assertThat(rows).extracting(ResultRow::inputJson).allSatisfy(json -> assertThat(json)
                .contains("\"label\":\"B\""));
        assertThat(store.findRun("a").orElseThrow()).extracting(RunInfo::done, RunInfo::failed)
                .containsExactly(2L, 1L);

        // The same input again: nothing changed now, the new content is the stored one.
        SyncReport again = store.syncRun(spec("a"), List.of(labelled(0, "a", "x", "B"), labelled(1, "b", "x", "B"),
                labelled(2, "c", "x", "B"), labelled(3, "d", "y", "B"), conversation(4, "m", "hi", "B"),
                conversation(5, "n", "hello", "B")).iterator());
        assertThat(again.changedRecords()).isFalse();
    }

    @Test
    void aRecordWithItsKeysInAnotherOrderKeepsItsAnswerAndItsStoredText() throws Exception {
        // Stored as an older stride stored it: the hash of the JSON as written, keys unsorted.
        String written = "{\"text\":\"x\",\"id\":\"a\"}";
        InputRecord old = new InputRecord(0, "a", 1, written, Fixtures.sha256(written));
        long run = newRun("a", List.of(old, rec(1, "b", "x")));
        store.savePrediction(run, old, done("A"));
        store.savePrediction(run, rec(1, "b", "x"), done("B"));

        // The same records read now (keys sorted in the hash), a's keys in the other order, b's in a new order too.
        String reordered = "{\"id\":\"a\",\"text\":\"x\"}";
        String bReordered = "{\"text\":\"x\",\"id\":\"b\"}";
        SyncReport report = store.syncRun(spec("a"), List.of(
                new InputRecord(0, "a", 1, reordered, Fixtures.sha256(reordered)),
                new InputRecord(1, "b", 2, bReordered, Fixtures.sha256("{\"id\":\"b\",\"text\":\"x\"}")),
                rec(2, "c", "x")).iterator());

        assertThat(report.counts()).isEqualTo(new SyncReport(false, 3, 1, 0, 0));
        List<ResultRow> rows = results(run);
        assertThat(rows).extracting(ResultRow::status).containsExactly(RecordStatus.DONE, RecordStatus.DONE,
                RecordStatus.PENDING);
        assertThat(rows).extracting(ResultRow::inputJson).containsExactly(written,
                "{\"id\":\"b\",\"text\":\"x\"}", "{\"id\":\"c\",\"text\":\"x\"}");

        // A value that did change is still an edit.
        String edited = "{\"id\":\"a\",\"text\":\"y\"}";
        SyncReport again = store.syncRun(spec("a"), List.of(new InputRecord(0, "a", 1, edited, Fixtures.sha256(edited)),
                rec(1, "b", "x"), rec(2, "c", "x")).iterator(), Optional::empty, true);
        assertThat(again.counts()).isEqualTo(new SyncReport(false, 3, 0, 1, 0));
    }

    @Test
    void syncOfAnEditedInputAddsReplacesAndRemoves() throws Exception {
        long run = newRun("a", List.of(rec(0, "a", "x"), rec(1, "b", "x"), rec(2, "c", "x"), rec(3, "d", "x")));
        store.savePrediction(run, rec(0, "a", "x"), done("A"));
        store.savePrediction(run, rec(1, "b", "x"), done("B"));
        store.saveFailure(run, rec(2, "c", "x"), failure("timeout"));
        store.savePrediction(run, rec(3, "d", "x"), done("D"));

        // b edited, c removed, e added, and the order changes: d moves to the front.
        SyncReport report = store.syncRun(spec("a"),
                List.of(rec(0, "d", "x"), rec(1, "a", "x"), rec(2, "b", "edited"), rec(3, "e", "x")).iterator());

        assertThat(report.counts()).isEqualTo(new SyncReport(false, 4, 1, 1, 1));
        assertThat(report.changedRecords()).isTrue();
        List<ResultRow> rows = results(run);
        assertThat(rows).extracting(ResultRow::id).containsExactly("d", "a", "b", "e");
        assertThat(rows).extracting(ResultRow::seq).containsExactly(0L, 1L, 2L, 3L);
        assertThat(rows).extracting(ResultRow::status).containsExactly(RecordStatus.DONE, RecordStatus.DONE,
                RecordStatus.PENDING, RecordStatus.PENDING);
        assertThat(rows.get(2).inputJson()).contains("edited");

        RunInfo info = store.findRun("a").orElseThrow();
        assertThat(info.total()).isEqualTo(4);
        assertThat(info.done()).isEqualTo(2);
        assertThat(info.failed()).isZero();
        assertThat(info.lowWatermark()).isEqualTo(2);

        try (var c = Fixtures.jdbc(file); var s = c.createStatement();
             var rs = s.executeQuery("SELECT total, done, failed, pending FROM progress WHERE run = 'a'")) {
            assertThat(rs.next()).isTrue();
            assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
                    .containsExactly(4L, 2L, 0L, 2L);
        }
        try (var c = Fixtures.jdbc(file); var s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM predictions WHERE record_id IN ('b', 'c')")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }

        SyncReport again = store.syncRun(spec("a"),
                List.of(rec(0, "d", "x"), rec(1, "a", "x"), rec(2, "b", "edited"), rec(3, "e", "x")).iterator());
        assertThat(again.counts()).isEqualTo(new SyncReport(false, 4, 0, 0, 0));
        assertThat(again.changedRecords()).isFalse();
    }

    @Test
    void aSyncNamesTheFirstFewIdsOfEachKindAndAPreviewWritesNothing() throws Exception {
        long run = newRun("a", recs(20));
        store.savePrediction(run, rec(0, "r0", "text 0"), done("A"));
        store.saveFailure(run, rec(1, "r1", "text 1"), failure("timeout"));
        List<InputRecord> edited = new ArrayList<>();
        for (int i = 3; i < 20; i++) {
            edited.add(rec(i - 3, "r" + i, i % 2 == 0 ? "edited " + i : "text " + i));
        }
        for (int i = 0; i < 7; i++) {
            edited.add(rec(17 + i, "new" + i, "x"));
        }

        SyncReport preview = store.previewSync(spec("a"), edited.iterator());

        assertThat(preview.counts()).isEqualTo(new SyncReport(false, 24, 7, 8, 3));
        assertThat(preview.removedAnswers()).as("r0's answer; r1 failed, r2 had none").isEqualTo(1);
        assertThat(preview.answersBefore()).isEqualTo(1);
        assertThat(preview.addedIds()).containsExactly("new0", "new1", "new2", "new3", "new4");
        assertThat(preview.editedIds()).containsExactly("r4", "r6", "r8", "r10", "r12");
        assertThat(preview.removedIds()).containsExactly("r0", "r1", "r2");
        assertThat(preview.done()).isZero();
        assertThat(preview.failed()).isZero();
        assertThat(preview.pending()).isEqualTo(24);
        RunInfo untouched = store.findRun("a").orElseThrow();
        assertThat(untouched.total()).isEqualTo(20);
        assertThat(untouched.done()).isEqualTo(1);
        assertThat(results(run)).extracting(ResultRow::id).first().isEqualTo("r0");

        SyncReport applied = store.syncRun(spec("a"), edited.iterator());
        assertThat(applied).isEqualTo(preview);

        SyncReport fresh = store.previewSync(spec("b"), recs(3).iterator());
        assertThat(fresh.created()).isTrue();
        assertThat(fresh.pending()).isEqualTo(3);
        assertThat(store.findRun("b")).isEmpty();
    }

    @Test
    void aReversedInputIsRenumberedWithoutTrippingTheUniqueSeq() {
        List<InputRecord> input = recs(1200);
        long run = newRun("a", input);
        store.savePrediction(run, input.get(0), done("first"));
        List<InputRecord> reversed = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            InputRecord r = input.get(input.size() - 1 - i);
            reversed.add(new InputRecord(i, r.id(), i + 1, r.json(), r.contentHash()));
        }

        assertThat(store.syncRun(spec("a"), reversed.iterator()).counts()).isEqualTo(new SyncReport(false, 1200, 0, 0, 0));

        List<ResultRow> rows = results(run);
        assertThat(rows.get(0).id()).isEqualTo("r1199");
        assertThat(rows.get(1199).id()).isEqualTo("r0");
        assertThat(rows.get(1199).status()).isEqualTo(RecordStatus.DONE);
        assertThat(store.findRun("a").orElseThrow().lowWatermark()).isZero();
    }

    @Test
    void aDuplicateIdIsRefusedNamingBothLinesAndNothingIsWritten() {
        List<InputRecord> input = List.of(rec(0, "a", "x"), rec(1, "b", "x"), rec(2, "c", "x"), rec(3, "b", "y"),
                rec(4, "a", "y"));

        assertThatThrownBy(() -> store.syncRun(spec("a"), input.iterator()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("duplicate id 'b' on lines 2 and 4, and 1 more id repeats");

        assertThat(store.listRuns()).isEmpty();
        // The store is still usable after the rolled-back sync.
        assertThat(store.syncRun(spec("a"), recs(2).iterator()).total()).isEqualTo(2);
    }

    @Test
    void aDuplicateIdInALaterBatchOfANewRunIsRefusedNamingItsEarliestRepeat() {
        List<InputRecord> input = new ArrayList<>(recs(1_200));
        input.set(1_000, rec(1_000, "r5", "again"));
        input.set(900, rec(900, "r3", "again"));

        assertThatThrownBy(() -> store.syncRun(spec("a"), input.iterator()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("duplicate id 'r3' on lines 4 and 901, and 1 more id repeats");
        assertThat(store.listRuns()).isEmpty();
    }

    @Test
    void anInputThatFailsMidWayLeavesNothingWritten() {
        long run = newRun("a", recs(3));
        store.savePrediction(run, rec(0, "r0", "text 0"), done("kept"));
        InvalidInputException bad = new InvalidInputException(
                Phrase.of(Phrase.CORE, "input.line", "in.jsonl", 1500, Phrase.of(Phrase.CORE, "line.notJson", "x")));

        assertThatThrownBy(() -> store.syncRun(spec("a"), failingAfter(1499, bad))).isSameAs(bad);
        assertThatThrownBy(() -> store.syncRun(spec("new"), failingAfter(10, bad))).isSameAs(bad);

        assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly("a");
        RunInfo info = store.findRun("a").orElseThrow();
        assertThat(info.total()).isEqualTo(3);
        assertThat(info.done()).isEqualTo(1);
        assertThat(results(run)).extracting(ResultRow::id).containsExactly("r0", "r1", "r2");
    }

    @Test
    void resultsAreStreamedInInputOrderAcrossPages() {
        List<InputRecord> input = recs(2500);
        long run = newRun("a", input);
        store.savePrediction(run, input.get(1000), done("x"));
        List<ResultRow> rows = results(run);
        assertThat(rows).hasSize(2500);
        assertThat(rows).extracting(ResultRow::seq).isSorted();
        assertThat(rows.get(1000).status()).isEqualTo(RecordStatus.DONE);
        assertThat(rows.get(999).status()).isEqualTo(RecordStatus.PENDING);
        assertThat(rows.get(2499).id()).isEqualTo("r2499");
    }

    @Test
    void baseUrlsAndHeartbeatAreUpdated() throws Exception {
        long run = newRun("a", recs(1));
        store.updateBaseUrls(run, List.of("http://other:9000/v1", "http://b c:9001/v1"));
        store.heartbeat(run);
        assertThat(store.findRun("a").orElseThrow().baseUrls())
                .containsExactly("http://other:9000/v1", "http://b c:9001/v1");
        // A list in the file too (SQL can take it apart with json_each), not one text to split on spaces.
        assertThat(runsColumn("base_urls")).isEqualTo("[\"http://other:9000/v1\",\"http://b c:9001/v1\"]");
        try (var c = Fixtures.jdbc(file); var s = c.createStatement();
             var rs = s.executeQuery("SELECT heartbeat_at FROM runs")) {
            rs.next();
            assertThat(rs.getString(1)).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}");
        }
    }

    @Test
    void anUnchangedSyncOfANewRunIsEmptyAndCreatesNothing() {
        assertThat(store.syncUnchanged(spec("a"), "d1")).isEmpty();
        assertThat(store.listRuns()).isEmpty();
    }

    @Test
    void anUnchangedSyncOfTheRememberedInputReportsWhatASyncWouldWithoutReadingIt() throws Exception {
        List<InputRecord> input = recs(6);
        long run = newRun("a", input);
        store.savePrediction(run, input.get(0), done("0"));
        store.savePrediction(run, input.get(1), done("1"));
        store.saveFailure(run, input.get(2), failure("timeout"));
        store.savePrediction(run, input.get(4), done("4"));
        store.syncRun(spec("a"), input.iterator(), () -> Optional.of("d1"));
        // Counters and watermark skewed by hand (triggers bypassed): the unchanged sync repairs them as a sync does.
        execute("UPDATE runs SET done = 99, failed = 99, low_watermark = 0, heartbeat_at = NULL");

        SyncReport unchanged = store.syncUnchanged(servedFrom("a", "http://other:9000/v1"), "d1").orElseThrow();

        RunInfo info = store.findRun("a").orElseThrow();
        assertThat(info.baseUrls()).containsExactly("http://other:9000/v1");
        assertThat(info).extracting(RunInfo::total, RunInfo::done, RunInfo::failed, RunInfo::lowWatermark)
                .containsExactly(6L, 3L, 1L, 3L);
        assertThat(runsColumn("heartbeat_at")).isNotNull();
        assertThat(runsColumn("input_digest")).as("still remembered").isEqualTo("d1");

        SyncReport again = store.syncRun(spec("a"), input.iterator());
        assertThat(unchanged.counts()).isEqualTo(again.counts()).isEqualTo(new SyncReport(false, 6, 0, 0, 0));
        assertThat(unchanged).isEqualTo(again); // no ids named, the same done and failed
        assertThat(unchanged.done()).isEqualTo(3);
        assertThat(unchanged.failed()).isEqualTo(1);
    }

    @Test
    void anUnchangedSyncWithAnotherDigestOrNoneRememberedWritesNothing() throws Exception {
        long run = newRun("a", recs(3));
        store.savePrediction(run, rec(0, "r0", "text 0"), done("0"));
        execute("UPDATE runs SET done = 99"); // a sync would recount it
        String before = runsRow();

        assertThat(store.syncUnchanged(servedFrom("a", "http://other:9000/v1"), "d1")).as("none remembered").isEmpty();
        assertThat(runsRow()).isEqualTo(before);

        store.syncRun(spec("a"), recs(3).iterator(), () -> Optional.of("d1"));
        execute("UPDATE runs SET done = 99");
        before = runsRow();
        assertThat(store.syncUnchanged(servedFrom("a", "http://other:9000/v1"), "d2")).isEmpty();
        assertThat(store.syncUnchanged(spec("b"), "d1")).as("another run's name").isEmpty();
        assertThat(store.syncUnchanged(spec("a"), null)).isEmpty();
        assertThat(runsRow()).isEqualTo(before).contains("done=99", "input_digest=d1", "localhost:8080");
        assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly("a");
    }

    @Test
    void aSyncRemembersTheDigestItIsGivenOrForgetsAndAPreviewChangesNothing() throws Exception {
        newRun("a", recs(3));
        store.syncRun(spec("a"), recs(3).iterator(), () -> Optional.of("d1"));
        assertThat(runsColumn("input_digest")).isEqualTo("d1");

        SyncReport preview = store.previewSync(spec("a"), recs(4).iterator());
        assertThat(preview.added()).isEqualTo(1);
        assertThat(runsColumn("input_digest")).isEqualTo("d1");
        assertThat(store.syncUnchanged(spec("a"), "d1")).isPresent();

        store.syncRun(spec("a"), recs(3).iterator()); // the same records: the input is forgotten all the same
        assertThat(runsColumn("input_digest")).isNull();
        assertThat(store.syncUnchanged(spec("a"), "d1")).isEmpty();

        store.syncRun(spec("a"), recs(3).iterator(), () -> Optional.of("d2"));
        assertThat(store.syncUnchanged(spec("a"), "d2")).isPresent();
        assertThatThrownBy(() -> store.syncRun(spec("a"), failingAfter(2, new IllegalStateException("boom"))))
                .hasMessage("boom");
        assertThat(runsColumn("input_digest")).as("a failed sync is rolled back, its forgetting too").isEqualTo("d2");
    }

    @Test
    void theDigestIsAskedOnlyOnceTheInputHasBeenReadToItsEnd() throws Exception {
        Iterator<InputRecord> input = recs(5).iterator();
        List<Boolean> exhaustedWhenAsked = new ArrayList<>();
        store.syncRun(spec("a"), input, () -> {
            exhaustedWhenAsked.add(!input.hasNext());
            return Optional.of("d1");
        });
        assertThat(exhaustedWhenAsked).containsExactly(true);
        assertThat(store.syncUnchanged(spec("a"), "d1")).isPresent();
    }

    /** The spec of {@code name} with another base URL. */
    private static RunSpec servedFrom(String name, String baseUrl) {
        RunSpec s = Fixtures.spec(name);
        return new RunSpec(s.name(), s.model(), List.of(baseUrl), s.template(), s.params());
    }

    private void execute(String sql) throws SQLException {
        try (var c = Fixtures.jdbc(file); var s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A column of the only run, as SQLite holds it. */
    private String runsColumn(String column) throws SQLException {
        try (var c = Fixtures.jdbc(file); var s = c.createStatement();
             var rs = s.executeQuery("SELECT " + column + " FROM runs")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    /** Every column of every run, as text. */
    private String runsRow() throws SQLException {
        StringBuilder out = new StringBuilder();
        try (var c = Fixtures.jdbc(file); var s = c.createStatement();
             var rs = s.executeQuery("SELECT * FROM runs ORDER BY run_id")) {
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    out.append(rs.getMetaData().getColumnName(i)).append('=').append(rs.getString(i)).append(' ');
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private List<ResultRow> results(long run) {
        List<ResultRow> rows = new ArrayList<>();
        store.forEachResult(run, rows::add);
        return rows;
    }

    /** Yields records r0, r1, ... and throws {@code failure} instead of record {@code n}. */
    private static Iterator<InputRecord> failingAfter(int n, RuntimeException failure) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public InputRecord next() {
                if (next == n) {
                    throw failure;
                }
                if (next > n) {
                    throw new NoSuchElementException();
                }
                int i = next++;
                return rec(i, "r" + i, "text " + i);
            }
        };
    }
}
