package dev.stride.db;

import static dev.stride.db.Fixtures.T0;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.rec;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunSpec;
import dev.stride.core.Shard;
import dev.stride.core.Timing;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's tokens as status reads them: kept with the run's counters (V18) as outcomes are stored, replaced and
 * removed, repaired by a sync, carried by copy and merge; always the sums over the outcomes the run holds, which is
 * what status read before, at the price of a pass over every outcome.
 */
class RunTokensTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    static Prediction answered(String output, Integer in, Integer out) {
        return new Prediction(Answer.plain(output, "stop", in, out), null, new Timing(120, 1, T0));
    }

    static List<InputRecord> input(int n) {
        List<InputRecord> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(rec(i, "r" + i, "text " + i));
        }
        return records;
    }

    /**
     * r0 and r1 answered with usage, r2 without, r3 failed with what its answer cost and then answered (the row
     * replaced), r4 failed with none; r5 left pending.
     */
    static void answer(CheckpointStoreFacade store, long run) {
        store.done(run, rec(0, "r0", "text 0"), answered("a", 10, 5));
        store.done(run, rec(1, "r1", "text 1"), answered("b", 11, 6));
        store.done(run, rec(2, "r2", "text 2"), answered("c", null, null));
        store.failed(run, rec(3, "r3", "text 3"), new FailedPrediction("not_json", "no JSON", new Timing(5, 1, T0),
                40, 30, null));
        store.done(run, rec(3, "r3", "text 3"), answered("d", 7, 3));
        store.failed(run, rec(4, "r4", "text 4"), failure("timeout"));
    }

    /** What a store of either vendor must do here. */
    interface CheckpointStoreFacade {
        void done(long run, InputRecord r, Prediction p);

        void failed(long run, InputRecord r, FailedPrediction f);
    }

    /** Tokens in, out and outcomes with usage, summed over the predictions themselves. */
    static List<Long> summed(Connection c, String run) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT"
                + " coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),"
                + " count(CASE WHEN prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL THEN 1 END)"
                + " FROM predictions p JOIN runs ru ON ru.run_id = p.run_id WHERE ru.name = '" + run + "'")) {
            rs.next();
            return List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }

    static List<Long> shown(RunTotals t) {
        return List.of(t.tokensIn(), t.tokensOut(), t.usageReported() ? 1L : 0L);
    }

    private static List<Long> kept(Path file, String run) throws SQLException {
        try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT tokens_in, tokens_out, usage_reported FROM runs WHERE name = '" + run + "'")) {
            rs.next();
            return List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }

    private static List<Long> summed(Path file, String run) throws SQLException {
        try (Connection c = Fixtures.jdbc(file)) {
            return summed(c, run);
        }
    }

    private static RunTotals totals(Path file, String run) {
        return RunTotals.of(file, Instant.now(), MINUTE).get(run);
    }

    private static CheckpointStoreFacade facade(SqliteCheckpointStore store) {
        return new CheckpointStoreFacade() {
            @Override
            public void done(long run, InputRecord r, Prediction p) {
                assertThat(store.savePrediction(run, r, p)).isTrue();
            }

            @Override
            public void failed(long run, InputRecord r, FailedPrediction f) {
                assertThat(store.saveFailure(run, r, f)).isTrue();
            }
        };
    }

    @Test
    void theTokensKeptAreTheSumsOverTheOutcomesAsTheyAreStoredReplacedAndRemoved() throws Exception {
        Path file = dir.resolve("runs.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input(6).iterator());
            store.syncRun(spec("none"), input(2).iterator());
            long a = store.findRun("a").orElseThrow().id();
            answer(facade(store), a);
            store.savePrediction(store.findRun("none").orElseThrow().id(), rec(0, "r0", "text 0"),
                    answered("x", null, null));

            // 10 + 11 + 7 in, 5 + 6 + 3 out: r3's failure and what it cost went when its answer replaced it.
            assertThat(summed(file, "a")).containsExactly(28L, 14L, 3L);
            assertThat(kept(file, "a")).isEqualTo(summed(file, "a"));
            assertThat(shown(totals(file, "a"))).containsExactly(28L, 14L, 1L);
            assertThat(totals(file, "none").usageReported()).as("no server reported any: unknown, not 0").isFalse();

            // r1 edited (its answer dropped), r0 removed: a sync takes their tokens away.
            List<InputRecord> edited = new ArrayList<>(input(6).subList(1, 6));
            edited.set(0, rec(1, "r1", "text 1, edited"));
            store.syncRun(spec("a"), edited.iterator());
            assertThat(summed(file, "a")).containsExactly(7L, 3L, 1L);
            assertThat(kept(file, "a")).isEqualTo(summed(file, "a"));

            // A hand edit in the shell skews the counters; the next sync counts them again.
            try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement()) {
                st.execute("UPDATE runs SET tokens_in = 999, usage_reported = 0 WHERE name = 'a'");
            }
            store.syncRun(spec("a"), edited.iterator());
            assertThat(kept(file, "a")).containsExactly(7L, 3L, 1L);
        }
    }

    /**
     * A run resumed after a pause: its pace is that of its live workers since they started, not the last minute's
     * outcomes spread over the pause between the sessions (status showed 14.7/s, and an ETA of 1m36s, for a run then
     * going at 22/s that ended 8 s later).
     */
    @Test
    void thePaceOfARunResumedAfterAPauseIsTakenSinceItsLiveWorkersStarted() throws Exception {
        Path file = dir.resolve("pace.db");
        Instant now = T0.plusSeconds(100);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input(20).iterator());
            long a = store.findRun("a").orElseThrow().id();
            // The last session: 10 answers from 58 s to 49 s ago; then a pause; this one: 10 from 9 s ago to now.
            for (int i = 0; i < 10; i++) {
                store.savePrediction(a, rec(i, "r" + i, "text " + i), new Prediction(Answer.plain("x", "stop", 1, 1),
                        null, new Timing(100, 1, now.minusSeconds(58 - i))));
                store.savePrediction(a, rec(10 + i, "r" + (10 + i), "text " + (10 + i)), new Prediction(
                        Answer.plain("y", "stop", 1, 1), null, new Timing(100, 1, now.minusSeconds(9 - i))));
            }
        }
        RunTotals noWorker = RunTotals.of(file, now, MINUTE).get("a");
        assertThat(noWorker.ratePerSecond(now)).as("no live worker: the last minute, as before")
                .isCloseTo(20 / 58.0, org.assertj.core.data.Offset.offset(0.001));

        try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement()) {
            st.execute("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                    + " lease_until) SELECT run_id, 'w1', 1, 'h', 1, '" + UtcText.format(now.minusSeconds(10))
                    + "', '" + UtcText.format(now) + "', '" + UtcText.format(now.plusSeconds(30))
                    + "' FROM runs WHERE name = 'a'");
        }
        RunTotals resumed = RunTotals.of(file, now, MINUTE).get("a");
        assertThat(resumed.recentOutcomes()).isEqualTo(10);
        assertThat(resumed.ratePerSecond(now)).isCloseTo(10 / 9.0, org.assertj.core.data.Offset.offset(0.001));
    }

    /**
     * Three workers at 4/s each until one was killed 10 s ago, the two left at 4/s each since: status said 242/s and
     * 11 s left for a run going at 160/s (22 s left). The pace is the live workers' since the last one left.
     */
    @Test
    void thePaceAfterAWorkerLeftIsThatOfTheWorkersLeft() throws Exception {
        Path file = dir.resolve("pace.db");
        Instant now = T0.plusSeconds(100);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), input(440).iterator());
        }
        try (Connection c = Fixtures.jdbc(file)) {
            c.setAutoCommit(false);
            try (java.sql.PreparedStatement st = c.prepareStatement("INSERT INTO predictions (run_id, record_id,"
                    + " status, output, latency_ms, attempts, finished_at) SELECT run_id, ?, 'done', 'x', 100, 1, ?"
                    + " FROM runs WHERE name = ?")) {
                int n = 0;
                // 12/s from 40 s to 10 s ago (three workers), then 8/s (two) to now.
                for (long ms = 40_000; ms > 10_000; ms -= 250) {
                    for (int k = 0; k < 3; k++) {
                        add(st, "r" + n++, now.minusMillis(ms - k), "a");
                    }
                }
                for (long ms = 10_000 - 250; ms >= 0; ms -= 250) {
                    for (int k = 0; k < 2; k++) {
                        add(st, "r" + n++, now.minusMillis(ms + k), "a");
                    }
                }
                st.executeBatch();
            }
            c.commit();
        }
        RunTotals three = RunTotals.of(file, now, MINUTE).get("a");
        assertThat(three.ratePerSecond(now)).as("no worker known: the minute's outcomes")
                .isCloseTo(440 / 40.0, org.assertj.core.data.Offset.offset(0.2));

        try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement()) {
            for (int w = 1; w <= 3; w++) {
                // Worker 2 left 10 s ago: its last figures then, its lease run out since. The others go on.
                boolean left = w == 2;
                st.execute("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                        + " in_flight_at, lease_until) SELECT run_id, 'w" + w + "', " + w + ", 'h', " + w + ", '"
                        + UtcText.format(now.minusSeconds(45)) + "', '"
                        + UtcText.format(left ? now.minusSeconds(14) : now.minusSeconds(2)) + "', '"
                        + UtcText.format(left ? now.minusSeconds(10) : now.minusSeconds(1)) + "', '"
                        + UtcText.format(left ? now.minusSeconds(1) : now.plusSeconds(30)) + "' FROM runs"
                        + " WHERE name = 'a'");
            }
        }
        RunTotals two = RunTotals.of(file, now, MINUTE).get("a");
        assertThat(two.ratePerSecond(now)).as("the two workers left, since the third's last figures")
                .isCloseTo(8, org.assertj.core.data.Offset.offset(0.3));

        // Killed (kill -9) on this machine a moment ago: its lease runs on, but its process is gone, as status shows.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement()) {
            st.execute("UPDATE workers SET host = '" + Workforce.HOST.replace("'", "''") + "', pid = " + gone.pid()
                    + ", lease_until = '" + UtcText.format(now.plusSeconds(20)) + "' WHERE worker_id = 'w2'");
        }
        RunTotals killed = RunTotals.of(file, now, MINUTE).get("a");
        assertThat(killed.ratePerSecond(now)).as("a worker of this machine whose process is gone has left")
                .isCloseTo(8, org.assertj.core.data.Offset.offset(0.3));
    }

    /**
     * 300 answers from 55 s to 40 s ago (20/s), a server away for 25 s, then 600 from 15 s ago to now (40/s): the
     * minute's 900 said 16.4/s; the latest 500 say the 40/s the run goes at. A run of 1,000/s is taken over its last
     * 10 s, not over the sixth of a second its latest 500 took.
     */
    @Test
    void aPaceThatChangedIsTakenOverTheLatestOutcomesOnce500CameAtIt() throws Exception {
        Path file = dir.resolve("pace.db");
        Instant now = T0.plusSeconds(100);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("back"), input(900).iterator());
            store.syncRun(spec("fast"), input(3000).iterator());
        }
        try (Connection c = Fixtures.jdbc(file)) {
            c.setAutoCommit(false);
            try (java.sql.PreparedStatement st = c.prepareStatement("INSERT INTO predictions (run_id, record_id,"
                    + " status, output, latency_ms, attempts, finished_at) SELECT run_id, ?, 'done', 'x', 100, 1, ?"
                    + " FROM runs WHERE name = ?")) {
                for (int i = 0; i < 900; i++) {
                    long ms = i < 300 ? 55_000 - i * 50L : 15_000 - (i - 300) * 25L;
                    add(st, "r" + i, now.minusMillis(ms), "back");
                }
                for (int i = 0; i < 3000; i++) {
                    add(st, "r" + i, now.minusMillis(3_000 - i), "fast");
                }
                st.executeBatch();
            }
            c.commit();
        }

        RunTotals back = RunTotals.of(file, now, MINUTE).get("back");
        assertThat(back.recentOutcomes()).isEqualTo(RunTotals.LATEST);
        assertThat(back.ratePerSecond(now)).isCloseTo(40, org.assertj.core.data.Offset.offset(0.5));
        RunTotals fast = RunTotals.of(file, now, MINUTE).get("fast");
        assertThat(fast.recentOutcomes()).isEqualTo(3000);
        assertThat(fast.ratePerSecond(now)).isCloseTo(1000, org.assertj.core.data.Offset.offset(1.0));
    }

    private static void add(java.sql.PreparedStatement st, String id, Instant at, String run) throws SQLException {
        st.setString(1, id);
        st.setString(2, UtcText.format(at));
        st.setString(3, run);
        st.addBatch();
    }

    @Test
    void aCopyAndAMergeKeepTheSumsOfTheOutcomesTheyHoldNotTwice() throws Exception {
        Path from = dir.resolve("from.db");
        Path to = dir.resolve("to.db");
        try (SqliteCheckpointStore source = SqliteCheckpointStore.open(from);
             SqliteCheckpointStore target = SqliteCheckpointStore.open(to)) {
            source.syncRun(spec("a"), input(6).iterator());
            answer(facade(source), source.findRun("a").orElseThrow().id());
            target.syncRun(spec("other"), input(2).iterator());

            RunTransfer.copy(source, target, "a");

            assertThat(kept(to, "a")).containsExactly(28L, 14L, 3L).isEqualTo(summed(to, "a"));
            assertThat(shown(totals(to, "a"))).containsExactly(28L, 14L, 1L);
        }
        List<SqliteCheckpointStore> shards = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Shard shard = new Shard(i, 2);
                SqliteCheckpointStore store = SqliteCheckpointStore.open(dir.resolve("shard-" + i + ".db"));
                shards.add(store);
                RunSpec base = spec("a");
                store.syncRun(new RunSpec(base.name(), base.model(), base.baseUrls(), base.template(),
                        base.params(), shard), input(6).stream().filter(r -> shard.holds(r.id())).iterator());
                long run = store.findRun("a").orElseThrow().id();
                CheckpointStoreFacade f = facade(store);
                // Each shard answers its own records of answer(...)'s, so the merged run holds them all once.
                answer(new CheckpointStoreFacade() {
                    @Override
                    public void done(long r, InputRecord rec, Prediction p) {
                        if (shard.holds(rec.id())) {
                            f.done(run, rec, p);
                        }
                    }

                    @Override
                    public void failed(long r, InputRecord rec, FailedPrediction p) {
                        if (shard.holds(rec.id())) {
                            f.failed(run, rec, p);
                        }
                    }
                }, run);
            }
            Path merged = dir.resolve("merged.db");
            try (SqliteCheckpointStore out = SqliteCheckpointStore.open(merged)) {
                RunTransfer.merge(shards, out, null);
            }
            assertThat(kept(merged, "a")).containsExactly(28L, 14L, 3L).isEqualTo(summed(merged, "a"));
        } finally {
            shards.forEach(SqliteCheckpointStore::close);
        }
    }
}
