package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.assertj.core.api.ListAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scores' counts (score_counts, V21), which the scoreboard and status read, kept equal to a recount of the current
 * scores by the triggers through everything that stores, replaces or drops scores, answers or records: a live-scored
 * run, a second metric, a rescoring with --again, a rerun whose input edits and removes answered records
 * (--drop-answers), the answers asked again, a copy, a merge, a clear. On SQLite and on PostgreSQL.
 */
class ScoreCountsTest {
    /** What the counts say, per run, metric and label field: the slots summed, rows left at 0 left out. */
    private static final String COUNTED = "SELECT run_id || ' ' || metric || ' ' || label_field || ' ' || sum(scored)"
            + " || ' ' || sum(correct) || ' ' || sum(unparsed) FROM score_counts GROUP BY run_id, metric, label_field"
            + " HAVING sum(scored) <> 0 OR sum(correct) <> 0 OR sum(unparsed) <> 0 ORDER BY 1";
    /** The same counted anew from the scores, as the scoreboard counted before V21. */
    private static final String RECOUNTED = "SELECT run_id || ' ' || metric || ' ' || label_field || ' ' || count(*)"
            + " || ' ' || sum(correct) || ' ' || (count(*) - sum(parsed)) FROM current_scores"
            + " GROUP BY run_id, metric, label_field ORDER BY 1";

    @TempDir
    Path dir;

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();

    private final Cli cli = new Cli();

    @Test
    void theCountsFollowEveryChangeOfScoresAnswersAndRecordsOnSqlite() throws Exception {
        int[] n = {0};
        scenario(() -> dir.resolve("db" + n[0]++ + ".db").toString(), true);
    }

    @Test
    void theCountsFollowEveryChangeOfScoresAnswersAndRecordsOnPostgres() throws Exception {
        scenario(pg::newDatabase, false);
    }

    /** An older database's scores counted by the upgrade: the same scoreboard before and after. */
    @Test
    void anUpgradedSqliteDatabaseShowsTheSameAccuracy() throws Exception {
        String db = dir.resolve("old.db").toString();
        try (Simulator sim = sim()) {
            run(sim, db, "r", input(30, i -> "ABCD".charAt(i / 3 % 4) + ""), "contains");
            ok(cli.run("score", "--db", db, "--run", "r", "--label-field", "answer", "--metric", "exact"));
        }
        List<String> before = rows(db, "SELECT * FROM scoreboard");
        String status = ok(cli.run("status", "--db", db)).out();
        try (Connection c = connect(db); Statement st = c.createStatement()) {
            OlderSchemas.backTo17(st);
        }

        Cli.Result upgraded = ok(cli.run("status", "--db", db));

        assertThat(upgraded.err()).startsWith("upgraded ");
        assertThat(upgraded.out()).isEqualTo(status);
        assertThat(rows(db, "SELECT * FROM scoreboard")).hasSize(2).isEqualTo(before);
        assertCounted(db);
    }

    /** Counts skewed by a hand edit with the triggers off: the next run's sync counts its run anew. */
    @Test
    void theNextRunRecountsCountsSkewedByHand() throws Exception {
        String db = dir.resolve("skewed.db").toString();
        List<String> right;
        try (Simulator sim = sim()) {
            Path in = input(20, i -> "A");
            run(sim, db, "r", in, "contains");
            right = rows(db, COUNTED);
            try (Connection c = connect(db); Statement st = c.createStatement()) {
                st.execute("UPDATE score_counts SET scored = scored + 5, correct = 0, scored_at = NULL");
            }
            assertThat(rows(db, COUNTED)).isNotEqualTo(right);

            run(sim, db, "r", in, "contains");
        }
        assertCounted(db).isEqualTo(right);
        assertThat(rows(db, "SELECT count(*) FROM scoreboard WHERE scored_at IS NULL")).containsExactly("0");
    }

    private void scenario(Supplier<String> newDatabase, boolean sqlite) throws Exception {
        String db = newDatabase.get();
        try (Simulator sim = sim()) {
            // Live scoring as answers arrive: the simulator echoes the guess, right for 2 records in 4 or so.
            Path first = input(40, i -> "ABCD".charAt(i / 3 % 4) + "");
            run(sim, db, "r", first, "contains");
            assertCounted(db).hasSize(1);

            ok(cli.run("score", "--db", db, "--run", "r", "--label-field", "answer", "--metric", "exact"));
            assertCounted(db).hasSize(2);
            ok(cli.run("score", "--db", db, "--run", "r", "--label-field", "answer", "--metric", "contains",
                    "--again"));
            assertCounted(db).hasSize(2);

            // Records 0-19 edited (another label), 35-39 removed: their answers go, and with them their scores.
            Path edited = input(35, i -> i < 20 ? "B" : "ABCD".charAt(i / 3 % 4) + "");
            List<String> beforeDrop = rows(db, COUNTED);
            ok(cli.run("run", edited.toString(), "--db", db, "--model", "m", "--run", "r", "--base-url", sim.url(),
                    "--template", "{{guess}}", "--log-every", "0", "--label-field", "answer", "--metric", "contains",
                    "--drop-answers"));
            assertCounted(db).isNotEqualTo(beforeDrop);
            // Back to the first input: the records edited and removed are asked and scored again.
            run(sim, db, "r", first, "contains");
            assertCounted(db).hasSize(2);

            run(sim, db, "other", input(12, i -> "A"), "contains");
            assertCounted(db).hasSize(3);

            String to = newDatabase.get();
            ok(cli.run("copy", "--from", db, "--to", to, "--run", "r"));
            assertCounted(to).hasSize(2);
            assertThat(rows(to, "SELECT scored, correct, unparsed FROM scoreboard"))
                    .isEqualTo(rows(db, "SELECT scored, correct, unparsed FROM scoreboard WHERE run = 'r'"));

            if (sqlite) {
                List<String> shards = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    String shard = dir.resolve("shard" + i + ".db").toString();
                    ok(cli.run("run", first.toString(), "--db", shard, "--model", "m", "--run", "s", "--shard",
                            i + "/2", "--base-url", sim.url(), "--template", "{{guess}}", "--log-every", "0",
                            "--label-field", "answer", "--metric", "contains"));
                    shards.add(shard);
                }
                String merged = dir.resolve("merged.db").toString();
                ok(cli.run("merge", "--to", merged, shards.get(0), shards.get(1)));
                assertCounted(merged).hasSize(1);
                assertThat(rows(merged, "SELECT scored, correct FROM scoreboard"))
                        .isEqualTo(rows(db, "SELECT scored, correct FROM scoreboard WHERE run = 'r'"
                                + " AND metric = 'contains'"));
            } else {
                // A SQLite file's run copied into the server: its scores are stored before or after their answers.
                String file = dir.resolve("from-file.db").toString();
                run(sim, file, "f", first, "contains");
                ok(cli.run("copy", "--from", file, "--to", to, "--run", "f"));
                assertCounted(to).hasSize(3);
            }
        }

        handEdits(db, sqlite);
        if (!sqlite) {
            // Back to version 20 (V21 is written to be applied again over itself; V22's and V23's columns go with it), its
            // counts lost: the upgrade counts the scores it finds.
            List<String> board = rows(db, "SELECT * FROM scoreboard");
            try (Connection c = connect(db); Statement st = c.createStatement()) {
                st.execute("UPDATE score_counts SET scored = 0, correct = 0, unparsed = 0");
                st.execute("DROP VIEW progress"); // V25's, which reads waiting_since: V25 makes it again
                st.execute("ALTER TABLE workers DROP COLUMN waiting_since");
                st.execute("ALTER TABLE workers DROP COLUMN waiting_for_rate_limit");
                st.execute("ALTER TABLE workers DROP COLUMN waiting_to_send_again");
                st.execute("DELETE FROM flyway_schema_history WHERE version IN ('21', '22', '23', '24', '25', '26')");
            }
            assertThat(ok(cli.run("status", "--db", db)).err()).startsWith("upgraded ");
            assertThat(rows(db, "SELECT * FROM scoreboard")).hasSize(3).isEqualTo(board);
            assertCounted(db);
        }

        ok(cli.run("clear", "--db", db, "--run", "r", "--yes"));
        assertCounted(db).hasSize(1);
        assertThat(rows(db, "SELECT count(*) FROM score_counts c WHERE NOT EXISTS"
                + " (SELECT 1 FROM runs r WHERE r.run_id = c.run_id)")).containsExactly("0");
    }

    /**
     * Edits in the sqlite3 shell or psql, each counted by the triggers alone (a sync recounts the run, which would
     * hide a trigger's miss): a score deleted and changed, an answer deleted, put back and failed; on SQLite also a
     * record's text changed and changed back, and a record deleted (PostgreSQL leaves records to the sync's recount:
     * only a sync changes them).
     */
    private static void handEdits(String db, boolean sqlite) throws SQLException {
        String r = "run_id = (SELECT run_id FROM runs WHERE name = 'r')";
        List<String> edits = List.of(
                "DELETE FROM scores WHERE " + r + " AND record_id = 'q1' AND metric = 'exact'",
                "UPDATE scores SET correct = 1 - correct, parsed = 0 WHERE " + r + " AND record_id = 'q2'",
                "CREATE TEMP TABLE kept AS SELECT * FROM predictions WHERE " + r + " AND record_id = 'q3'",
                "DELETE FROM predictions WHERE " + r + " AND record_id = 'q3'",
                "INSERT INTO predictions SELECT * FROM kept",
                "UPDATE predictions SET status = 'failed' WHERE " + r + " AND record_id = 'q4'",
                "UPDATE scores SET scored_at = scored_at WHERE " + r,
                "UPDATE predictions SET finished_at = finished_at WHERE " + r);
        List<String> recordEdits = List.of(
                "UPDATE records SET content_hash = 'edited' WHERE " + r + " AND record_id IN ('q5', 'q6')",
                "UPDATE records SET content_hash = (SELECT min(s.record_hash) FROM scores s WHERE s.run_id ="
                        + " records.run_id AND s.record_id = records.record_id) WHERE " + r
                        + " AND record_id = 'q5'",
                "DELETE FROM records WHERE " + r + " AND record_id IN ('q7', 'q8')");
        List<String> before = rows(db, COUNTED);
        try (Connection c = connect(db); Statement st = c.createStatement()) {
            for (String edit : sqlite ? concat(edits, recordEdits) : edits) {
                st.execute(edit);
                try {
                    assertCounted(db);
                } catch (AssertionError e) {
                    throw new AssertionError("after " + edit + ": " + e.getMessage(), e);
                }
            }
        }
        assertThat(rows(db, COUNTED)).isNotEqualTo(before);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static ListAssert<String> assertCounted(String db) throws SQLException {
        List<String> counted = rows(db, COUNTED);
        assertThat(counted).as("score_counts against a recount of current_scores").isEqualTo(rows(db, RECOUNTED));
        return assertThat(counted);
    }

    private static Simulator sim() throws Exception {
        return new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
    }

    private void run(Simulator sim, String db, String name, Path input, String metric) {
        ok(cli.run("run", input.toString(), "--db", db, "--model", "m", "--run", name, "--base-url", sim.url(),
                "--template", "{{guess}}", "--log-every", "0", "--label-field", "answer", "--metric", metric));
    }

    private static Cli.Result ok(Cli.Result r) {
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r;
    }

    /** n records whose guess cycles A, B, C, D and whose label is {@code label}'s. */
    private Path input(int n, IntFunction<String> label) throws Exception {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"guess\":\"").append("ABCD".charAt(i % 4))
                    .append("\",\"answer\":\"").append(label.apply(i)).append("\"}\n");
        }
        Path file = Files.createTempFile(dir, "in", ".jsonl");
        Files.writeString(file, s, StandardCharsets.UTF_8);
        return file;
    }

    private static Connection connect(String db) throws SQLException {
        return db.startsWith("postgresql:") ? PostgresCluster.connect(db)
                : DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    private static List<String> rows(String db, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }
}
