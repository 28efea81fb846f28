package dev.stride.db;

import static dev.stride.db.Fixtures.T0;
import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunState;
import dev.stride.core.Timing;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The board's bounds, at their edges with a few records: a search or a comparison reads one span of the input per
 * page and says how far it got; the exact tallies find a finish reason or error kind the timeline's sample missed;
 * the summary a board keeps of a run follows every change of the run.
 */
class SqlBoardTest {
    @TempDir
    Path dir;

    @Test
    void aSearchReadsOneSpanPerPageAndFindsWhatAWholeSearchFinds() {
        Path file = dir.resolve("s.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), recs(30).iterator());
        }
        try (SqlBoard board = SqlBoard.sqlite(file, 10, SqlBoard.SAMPLE)) {
            List<Board.RecordPage> pages = new ArrayList<>();
            long after = -1;
            do {
                Board.RecordPage page = board.records("a", new Board.RecordQuery(null, "text 2", after, 50))
                        .orElseThrow();
                pages.add(page);
                after = page.next() == null ? -1 : page.next();
            } while (pages.get(pages.size() - 1).next() != null && pages.size() < 10);

            assertThat(pages).hasSize(3);
            assertThat(pages.get(0).rows()).extracting(Board.RecordRow::id).containsExactly("r2");
            assertThat(pages.get(0).searchedThrough()).isEqualTo(9);
            assertThat(pages.get(0).lastSeq()).isEqualTo(29);
            assertThat(pages.get(1).rows()).as("nothing in 10..19, and the page says to look further").isEmpty();
            assertThat(pages.get(1).next()).isEqualTo(19);
            assertThat(pages.get(2).searchedThrough()).isEqualTo(29);
            List<String> found = pages.stream().flatMap(p -> p.rows().stream()).map(Board.RecordRow::id).toList();
            assertThat(found).containsExactly("r2", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28",
                    "r29");

            Board.RecordPage full = board.records("a", new Board.RecordQuery(null, "text 2", 19, 3)).orElseThrow();
            assertThat(full.rows()).extracting(Board.RecordRow::id).containsExactly("r20", "r21", "r22");
            assertThat(full.next()).as("a full page goes on after its last row").isEqualTo(22);
            assertThat(full.searchedThrough()).isEqualTo(22);
        }
    }

    /** A list's preview of a long answer ends before an emoji it would cut in two, not in the middle of it. */
    @Test
    void aPreviewNeverSplitsACharacterOfTwoHalves() {
        Path file = dir.resolve("p.db");
        List<InputRecord> input = recs(2);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long a = store.findRun("a").orElseThrow().id();
            store.savePrediction(a, input.get(0), done("x".repeat(159) + "\uD83D\uDE00 and more"));
            store.savePrediction(a, input.get(1), done("y".repeat(158) + "\uD83D\uDE00 and more"));
        }
        try (SqlBoard board = SqlBoard.sqlite(file)) {
            List<String> answers = board.records("a", new Board.RecordQuery(null, null, -1, 10)).orElseThrow().rows()
                    .stream().map(Board.RecordRow::answer).toList();
            assertThat(answers).containsExactly("x".repeat(159) + "…", "y".repeat(158) + "\uD83D\uDE00…");
        }
    }

    @Test
    void comparingReadsOneSpanPerPageAndFiltersByRightAndWrong() throws Exception {
        Path file = dir.resolve("c.db");
        List<InputRecord> input = recs(30);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            store.syncRun(spec("b"), input.iterator());
            long a = store.findRun("a").orElseThrow().id();
            long b = store.findRun("b").orElseThrow().id();
            for (InputRecord r : input) {
                store.savePrediction(a, r, done("same"));
                store.savePrediction(b, r, done(r.seq() == 25 ? "other" : "same"));
            }
        }
        try (SqlBoard board = SqlBoard.sqlite(file, 10, SqlBoard.SAMPLE)) {
            Board.ComparePage first = board.differences("a", "b", null, Board.Differing.ANSWERS, -1, 50).orElseThrow();
            assertThat(first.rows()).isEmpty();
            assertThat(first.next()).isEqualTo(9);
            assertThat(first.searchedThrough()).isEqualTo(9);
            Board.ComparePage third = board.differences("a", "b", null, Board.Differing.ANSWERS, 19, 50).orElseThrow();
            assertThat(third.rows()).extracting(Board.Difference::id).containsExactly("r25");
            assertThat(third.next()).isNull();
            // Neither run is scored: no record is right or wrong.
            assertThat(board.differences("a", "b", null, Board.Differing.BOTH_WRONG, 19, 50).orElseThrow().rows())
                    .isEmpty();
        }
    }

    @Test
    void aPageAfterTheLargestPositionEndsTheSearchInsteadOfGoingBackToTheStart() {
        Path file = dir.resolve("m.db");
        List<InputRecord> input = recs(30);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            store.syncRun(spec("b"), input.iterator());
        }
        try (SqlBoard board = SqlBoard.sqlite(file, 10, SqlBoard.SAMPLE)) {
            for (long after : List.of(Long.MAX_VALUE, Long.MAX_VALUE - 5, 25L)) {
                Board.RecordPage page = board.records("a", new Board.RecordQuery(null, "text 2", after, 50))
                        .orElseThrow();
                assertThat(page.next()).as("next after %d", after).isNull();
                assertThat(page.searchedThrough()).isEqualTo(29);
                Board.ComparePage compared = board.differences("a", "b", null, Board.Differing.ANSWERS, after, 50)
                        .orElseThrow();
                assertThat(compared.next()).as("next of a comparison after %d", after).isNull();
                assertThat(compared.searchedThrough()).isEqualTo(29);
            }
            Board.RecordPage least = board.records("a", new Board.RecordQuery(null, "text 2", Long.MIN_VALUE, 50))
                    .orElseThrow();
            assertThat(least.rows()).extracting(Board.RecordRow::id).containsExactly("r2");
            assertThat(least.next()).as("the least position is read as -1 is").isEqualTo(9);
        }
    }

    @Test
    void aReasonOrKindTheSampleMissedIsCountedAll() {
        Path file = dir.resolve("t.db");
        List<InputRecord> input = recs(100);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            long a = store.findRun("a").orElseThrow().id();
            for (InputRecord r : input) {
                if (r.seq() == 3) {
                    store.savePrediction(a, r, new Prediction(Answer.plain("cut", "length", 10, 5), null,
                            new Timing(50, 1, T0)));
                } else if (r.seq() == 4) {
                    store.saveFailure(a, r, new FailedPrediction("http_418", "a teapot", new Timing(5, 1, T0)));
                } else if (r.seq() % 10 == 1) {
                    store.saveFailure(a, r, failure("timeout"));
                } else {
                    store.savePrediction(a, r, done("x"));
                }
            }
        }
        try (SqlBoard board = SqlBoard.sqlite(file, SqlBoard.SEARCH_SPAN, 10)) {
            Board.RunDetail d = board.run("a", Instant.now()).orElseThrow();
            assertThat(d.sampledEvery()).isEqualTo(10);
            // The sample (rowids 10, 20, ..., records 9, 19, ...) saw only "stop": the rest is counted all the same.
            assertThat(d.finishReasons()).containsExactly(new Board.Count("stop", 88), new Board.Count("length", 1));
            assertThat(d.errors()).containsExactly(new Board.ErrorGroup("timeout", 10, "server said no"),
                    new Board.ErrorGroup("http_418", 1, "a teapot"));
            assertThat(d.tokensIn()).isEqualTo(89 * 10);
            assertThat(d.tokensOut()).isEqualTo(89 * 5);
        }
    }

    /** Records read in one go are those read one by one, in the order asked, without the ids the run lacks. */
    @Test
    void recordsReadTogetherAreTheRecordsReadOneByOne() {
        Path file = dir.resolve("d.db");
        List<InputRecord> input = recs(6);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            store.syncRun(spec("b"), input.iterator());
            long a = store.findRun("a").orElseThrow().id();
            store.savePrediction(a, input.get(1), done("one"));
            store.saveFailure(a, input.get(4), failure("timeout"));
        }
        try (SqlBoard board = SqlBoard.sqlite(file)) {
            List<String> ids = List.of("r4", "nope", "r1", "r2");
            List<Board.RecordDetail> together = details(board, "a", ids);
            List<Board.RecordDetail> oneByOne = ids.stream().map(id -> board.record("a", id, null))
                    .flatMap(java.util.Optional::stream).toList();
            assertThat(together).isEqualTo(oneByOne);
            assertThat(together).extracting(Board.RecordDetail::id).containsExactly("r4", "r1", "r2");
            assertThat(together).extracting(Board.RecordDetail::status).containsExactly("failed", "done", "pending");
            assertThat(details(board, "b", List.of("r1"))).extracting(Board.RecordDetail::status)
                    .as("run b's own record").containsExactly("pending");
            assertThat(details(board, "nope", List.of("r1"))).isEmpty();
            assertThat(details(board, "a", List.of())).isEmpty();
        }
    }

    private static List<Board.RecordDetail> details(Board board, String run, List<String> ids) {
        List<Board.RecordDetail> read = new java.util.ArrayList<>();
        board.recordDetails(run, ids, null, read::add);
        return read;
    }

    @Test
    void theSummaryOfARunFollowsEveryOutcomeStored() {
        Path file = dir.resolve("k.db");
        List<InputRecord> input = recs(5);
        long a;
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input.iterator());
            a = store.findRun("a").orElseThrow().id();
            store.savePrediction(a, input.get(0), done("x"));
        }
        try (SqlBoard board = SqlBoard.sqlite(file)) {
            assertThat(board.run("a", Instant.now()).orElseThrow().tokensOut()).isEqualTo(5);
            assertThat(board.run("a", Instant.now()).orElseThrow().tokensOut()).as("read again, unchanged")
                    .isEqualTo(5);
            try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
                store.savePrediction(a, input.get(1), done("y"));
                store.saveFailure(a, input.get(2), failure("timeout"));
            }
            Board.RunDetail d = board.run("a", Instant.now()).orElseThrow();
            assertThat(d.tokensOut()).isEqualTo(10);
            assertThat(d.errors()).extracting(Board.ErrorGroup::count).containsExactly(1L);
        }
    }

    /**
     * The board's runs list judges a run as status does: while its worker is at work it goes, with a pace; once the
     * worker's process of this machine is gone (kill -9), it is interrupted at once, without a pace, though its
     * cursor was saved a moment ago and the worker's lease holds.
     */
    @Test
    void aRunWhoseEveryWorkerIsGoneIsInterruptedAtOnceWithoutAPace() throws Exception {
        Path file = dir.resolve("w.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            List<InputRecord> input = recs(20);
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            store.join(run, Duration.ofMinutes(10));
            for (InputRecord r : input.subList(0, 10)) {
                store.savePrediction(run, r, new Prediction(Answer.plain("out", "stop", 1, 1), null,
                        new Timing(5, 1, Instant.now())));
            }
            store.saveCursor(run, 1000, RunState.RUNNING);
            try (SqlBoard board = SqlBoard.sqlite(file)) {
                Board.RunRow live = board.runs(Instant.now()).get(0);
                assertThat(live.shownState()).isEqualTo("running");
                assertThat(live.workers()).hasSize(1);
                assertThat(live.perSecond()).isPositive();

                Process killed = new ProcessBuilder("true").start();
                killed.waitFor();
                try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement()) {
                    assertThat(st.executeUpdate("UPDATE workers SET pid = " + killed.pid())).isOne();
                }
                for (Board.RunRow gone : List.of(board.runs(Instant.now()).get(0),
                        board.find("a", Instant.now()).orElseThrow())) {
                    assertThat(gone.shownState()).isEqualTo("interrupted");
                    assertThat(gone.workers()).isEmpty();
                    assertThat(gone.perSecond()).isNull();
                    assertThat(gone.secondsLeft()).isNull();
                }
            }
        }
    }
}
