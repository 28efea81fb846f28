package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InputRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A PostgreSQL database made by an earlier stride, from the migrations as they shipped (V18 before 4da94093's edit,
 * V21 as 2a483cc4 or 1381107f wrote it), opens with this stride: Flyway's validation accepts the history once
 * {@link EarlierChecksums} brought those rows to today's files, V26 gives it a new database's triggers and functions,
 * and the runs, answers and scores it held count as a new database counts them, then and after more are stored.
 */
class PostgresShippedUpgradeTest {
    private static final ScoreBook.Key KEY = new ScoreBook.Key("choice", "answer", null);
    private static final Path MAIN = Path.of("src/main/resources/db/postgresql");
    private static final Path SHIPPED = Path.of("src/test/resources/shipped/postgresql");
    private static final String V18_AS_SHIPPED = "e9725d32";

    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"2a483cc4", "1381107f"})
    void aDatabaseOfTheMigrationsAsShippedUpgradesToTheSchemaAndCountsOfANewOne(String v21) throws Exception {
        List<InputRecord> input = recs(5);
        String fresh = PG.newDatabase();
        long run = answerAndScore(fresh, input);
        String old = PG.newDatabase();
        migrateAsShipped(old, V18_AS_SHIPPED, v21);
        // The same rows as an older stride stored them: its triggers count the answers, tokens and scores.
        copyRows(fresh, old, "runs", "records", "predictions", "scores");
        assertThat(rows(old, "SELECT * FROM scoreboard")).as("the older stride's counts")
                .isEqualTo(rows(fresh, "SELECT * FROM scoreboard")).hasSize(1);

        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(PostgresCluster.location(old))) {
            assertThat(store.schemaUpgrade()).map(SchemaUpgrade::from).contains(25);
        }

        assertThat(schema(old)).isEqualTo(schema(fresh));
        assertThat(rows(old, HISTORY)).isEqualTo(rows(fresh, HISTORY));
        assertThat(counts(old)).isEqualTo(counts(fresh));
        // Stored by this stride on both: each counted once, by the same triggers.
        for (String db : List.of(old, fresh)) {
            try (PostgresCheckpointStore store = PostgresCheckpointStore.open(PostgresCluster.location(db))) {
                store.savePrediction(run, input.get(4), done("C"));
            }
            try (ScoreBook book = ScoreBook.open(PostgresCluster.location(db))) {
                List<ScoreBook.Unscored> todo = book.unscored(run, KEY, -1, 10);
                assertThat(todo).extracting(ScoreBook.Unscored::recordId).containsExactly("r4");
                book.save(run, KEY, List.of(new ScoreBook.Score(todo.get(0), "C", true, true, "C")));
                assertThat(book.tally(run, KEY)).isEqualTo(new ScoreBook.Tally(4, 2, 1));
            }
        }
        assertThat(counts(old)).isEqualTo(counts(fresh));
        assertThat(rows(old, "SELECT scored, correct, unparsed FROM scoreboard")).containsExactly("4|2|1");
    }

    /** Only the checksums a stride shipped are taken: any other edit of the history is still Flyway's refusal. */
    @Test
    void aChecksumNoStrideShippedIsStillRefusedAndLeftAsItIs() throws Exception {
        String old = PG.newDatabase();
        migrateAsShipped(old, V18_AS_SHIPPED, "1381107f");
        try (Connection c = PostgresCluster.connect(old); Statement st = c.createStatement()) {
            st.execute("UPDATE flyway_schema_history SET checksum = 12345 WHERE version = '21'");
        }

        assertThatThrownBy(() -> PostgresCheckpointStore.open(PostgresCluster.location(old)).close())
                .isInstanceOf(StoreException.class).hasMessageContaining("Validate failed");
        assertThat(rows(old, "SELECT version, checksum FROM flyway_schema_history WHERE version IN ('18', '21')"
                + " ORDER BY installed_rank")).containsExactly("18|-2120704404",
                "21|12345");
    }

    private static final String HISTORY = "SELECT version, description, type, script, checksum, success"
            + " FROM flyway_schema_history ORDER BY installed_rank";

    /** Today's store and score book on a new database: r0 right, r1 wrong, r2 unparsed, r3 failed, r4 pending. */
    private static long answerAndScore(String db, List<InputRecord> input) {
        long run;
        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(PostgresCluster.location(db))) {
            store.syncRun(spec("a"), input.iterator());
            run = store.findRun("a").orElseThrow().id();
            for (int i = 0; i < 3; i++) {
                store.savePrediction(run, input.get(i), done("answer " + i));
            }
            store.saveFailure(run, input.get(3), failure("http_500"));
        }
        try (ScoreBook book = ScoreBook.open(PostgresCluster.location(db))) {
            List<ScoreBook.Unscored> todo = book.unscored(run, KEY, -1, 10);
            book.save(run, KEY, List.of(new ScoreBook.Score(todo.get(0), "C", true, true, "C"),
                    new ScoreBook.Score(todo.get(1), "C", false, true, "B"),
                    new ScoreBook.Score(todo.get(2), "C", false, false, null)));
        }
        return run;
    }

    /** Flyway from today's files up to V25, with V18's and V21's as the given commits shipped them. */
    private void migrateAsShipped(String db, String v18, String v21) throws IOException {
        Path files = Files.createDirectories(dir.resolve(db.substring(db.lastIndexOf('/') + 1)));
        try (Stream<Path> all = Files.list(MAIN)) {
            for (Path f : all.toList()) {
                String name = f.getFileName().toString();
                int version = Integer.parseInt(name.substring(1, name.indexOf("__")));
                if (version <= 25 && version != 18 && version != 21) {
                    Files.copy(f, files.resolve(name));
                }
            }
        }
        Files.copy(SHIPPED.resolve(v18).resolve("V18__tokens_of_a_run.sql"), files.resolve("V18__tokens_of_a_run.sql"));
        Files.copy(SHIPPED.resolve(v21).resolve("V21__score_counts.sql"), files.resolve("V21__score_counts.sql"));
        PostgresLocation location = PostgresCluster.location(db);
        Flyway.configure(getClass().getClassLoader())
                .dataSource(location.jdbcUrl(), location.connectionProperties().getProperty("user"), null)
                .locations("filesystem:" + files)
                .load()
                .migrate();
    }

    /** Copies the rows of {@code tables} as they are, column by column, firing the target's triggers. */
    private static void copyRows(String from, String to, String... tables) throws SQLException {
        try (Connection source = PostgresCluster.connect(from); Connection target = PostgresCluster.connect(to)) {
            for (String table : tables) {
                try (Statement st = source.createStatement();
                     ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
                    ResultSetMetaData meta = rs.getMetaData();
                    List<String> columns = new ArrayList<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        columns.add(meta.getColumnName(i));
                    }
                    try (PreparedStatement insert = target.prepareStatement("INSERT INTO " + table + " ("
                            + String.join(", ", columns) + ") VALUES ("
                            + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")")) {
                        while (rs.next()) {
                            for (int i = 1; i <= columns.size(); i++) {
                                insert.setObject(i, rs.getObject(i));
                            }
                            insert.executeUpdate();
                        }
                    }
                }
            }
        }
    }

    /**
     * What stride reads: the scoreboard, each run's totals (answers, failures, tokens), and the counts' rows; not when
     * each database's last score was stored.
     */
    private static List<String> counts(String db) throws SQLException {
        List<String> all = new ArrayList<>(rows(db, "SELECT run, metric, label_field, scored, correct, accuracy,"
                + " ci_low, ci_high, unparsed FROM scoreboard"));
        all.addAll(rows(db, "SELECT * FROM run_totals ORDER BY run_id"));
        all.addAll(rows(db, "SELECT run_id, metric, label_field, sum(scored), sum(correct), sum(unparsed)"
                + " FROM score_counts GROUP BY run_id, metric, label_field ORDER BY 1, 2, 3"));
        return all;
    }

    /** The schema's triggers, functions, views and columns, as PostgreSQL prints their definitions. */
    private static List<String> schema(String db) throws SQLException {
        List<String> all = new ArrayList<>(rows(db, "SELECT tgrelid::regclass, tgname, pg_get_triggerdef(t.oid)"
                + " FROM pg_trigger t WHERE NOT tgisinternal ORDER BY 1, 2"));
        all.addAll(rows(db, "SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)"
                + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                + " WHERE n.nspname = current_schema() ORDER BY 1, 2"));
        all.addAll(rows(db, "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()"
                + " ORDER BY 1"));
        all.addAll(rows(db, "SELECT table_name, column_name, data_type, column_default, is_nullable"
                + " FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2"));
        return all;
    }

    private static List<String> rows(String db, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = PostgresCluster.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(String.join("|", row));
            }
        }
        return rows;
    }
}
