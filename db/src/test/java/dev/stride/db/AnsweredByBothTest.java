package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.rec;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.AnsweredAlone;
import dev.stride.core.AnsweredPair;
import dev.stride.core.CheckpointStore;
import dev.stride.core.InputRecord;
import dev.stride.core.RecordOutcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code stride compare} reads from a store: the records two runs both answered, paired by id in SQL and read
 * a page at a time in run A's input order, and the records one run answered alone. On SQLite and on PostgreSQL, with
 * more pairs than one page holds, runs whose inputs are in different orders, and records failed, pending or absent
 * in one run.
 */
class AnsweredByBothTest {
    /** More than two pages of pairs. */
    private static final int N = 2_500;

    @TempDir
    Path dir;

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();

    @Test
    void onSqlite() {
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(dir.resolve("runs.db"))) {
            check(store);
        }
    }

    @Test
    void onPostgresql() throws Exception {
        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(pg.location())) {
            check(store);
        }
    }

    /**
     * Run A: r0..r{N-1} in order, every 100th failed and every 250th pending. Run B: the same ids in reverse order
     * with an x after every 200th, r0..r9 absent, every 90th failed. Answers and records name their run.
     */
    private static void check(CheckpointStore store) {
        List<InputRecord> inputA = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            inputA.add(rec(i, "r" + i, "a" + i));
        }
        List<InputRecord> inputB = new ArrayList<>();
        for (int i = N - 1; i >= 10; i--) {
            inputB.add(rec(inputB.size(), "r" + i, "b" + i));
            if (i % 200 == 0) {
                inputB.add(rec(inputB.size(), "x" + i, "b extra"));
            }
        }
        long a = newRun(store, "a", inputA);
        long b = newRun(store, "b", inputB);
        List<RecordOutcome> outcomesA = new ArrayList<>();
        for (InputRecord r : inputA) {
            int i = Integer.parseInt(r.id().substring(1));
            if (i % 250 == 0 && i % 100 != 0) {
                continue; // pending
            }
            outcomesA.add(i % 100 == 0 ? RecordOutcome.failed(r, failure("timeout"))
                    : RecordOutcome.done(r, done("A says " + r.id())));
        }
        store.saveOutcomes(a, outcomesA);
        List<RecordOutcome> outcomesB = new ArrayList<>();
        for (InputRecord r : inputB) {
            boolean fails = r.id().startsWith("r") && Integer.parseInt(r.id().substring(1)) % 90 == 0;
            outcomesB.add(fails ? RecordOutcome.failed(r, failure("http_500"))
                    : RecordOutcome.done(r, done("B says " + r.id())));
        }
        store.saveOutcomes(b, outcomesB);

        List<AnsweredPair> pairs = new ArrayList<>();
        store.forEachAnsweredByBoth(a, b, pairs::add);

        List<String> expected = new ArrayList<>();
        List<String> aloneA = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            if (i % 100 == 0 || i % 250 == 0) {
                continue; // failed or pending in A
            }
            (i < 10 || i % 90 == 0 ? aloneA : expected).add("r" + i);
        }
        assertThat(pairs).extracting(AnsweredPair::id).containsExactlyElementsOf(expected);
        assertThat(pairs.size()).isGreaterThan(2_000);
        for (AnsweredPair p : pairs) {
            InputRecord ra = inputA.get((int) p.seqA());
            InputRecord rb = inputB.get((int) p.seqB());
            assertThat(ra.id()).isEqualTo(p.id());
            assertThat(rb.id()).isEqualTo(p.id());
            assertThat(p.inputA()).isEqualTo(ra.json());
            assertThat(p.inputB()).isEqualTo(rb.json());
            assertThat(p.answerA()).isEqualTo("A says " + p.id());
            assertThat(p.answerB()).isEqualTo("B says " + p.id());
        }

        AnsweredAlone onlyA = store.answeredAlone(a, b, 5);
        assertThat(onlyA.count()).isEqualTo(aloneA.size());
        assertThat(onlyA.firstIds()).containsExactlyElementsOf(aloneA.subList(0, 5));
        AnsweredAlone onlyB = store.answeredAlone(b, a, 5);
        // B's extras, and what A failed or left pending, in B's input order (B's ids run backwards)
        List<String> aloneB = new ArrayList<>();
        for (InputRecord r : inputB) {
            int i = r.id().startsWith("r") ? Integer.parseInt(r.id().substring(1)) : -1;
            if (i == -1 || (i % 100 == 0 || i % 250 == 0) && i % 90 != 0) {
                aloneB.add(r.id());
            }
        }
        assertThat(onlyB.count()).isEqualTo(aloneB.size());
        assertThat(onlyB.firstIds()).containsExactlyElementsOf(aloneB.subList(0, 5));
        assertThat(store.answeredAlone(b, a, 0)).isEqualTo(new AnsweredAlone(aloneB.size(), List.of()));
    }

    private static long newRun(CheckpointStore store, String name, List<InputRecord> input) {
        store.syncRun(spec(name), input.iterator());
        return store.findRun(name).orElseThrow().id();
    }
}
