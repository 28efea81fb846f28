package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** stride sql on PostgreSQL reads and never writes, whatever the statement. */
class PostgresSqlQueryTest {
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();
    private static String url;

    @BeforeAll
    static void start() throws Exception {
        url = PG.newDatabase(); // one for the class: its tests only read
        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(PostgresCluster.location(url))) {
            store.syncRun(spec("a"), recs(3).iterator());
        }
    }

    private static List<List<Object>> query(String sql) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        PostgresSqlQuery.run(PostgresCluster.location(url), sql, new SqlQuery.Sink() {
            @Override
            public void columns(List<String> names) {
                rows.add(new ArrayList<>(names));
            }

            @Override
            public void row(List<Object> values) {
                rows.add(values);
            }
        });
        return rows;
    }

    @Test
    void aReadReturnsItsRowsAsSqliteWould() throws Exception {
        assertThat(query("SELECT run, total, percent FROM progress"))
                .containsExactly(List.of("run", "total", "percent"), List.of("a", 3L, 0.0));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "INSERT INTO runs (name, model, base_urls, template, params, created_at, saved_at)"
                + " VALUES ('x', 'm', '[]', 't', '{}', 'now', 'now')",
        "UPDATE runs SET total = 0",
        "DELETE FROM records",
        "TRUNCATE predictions",
        "CREATE TABLE t (x int)",
        "DROP VIEW progress",
        "ALTER TABLE runs ADD COLUMN x int",
        "CREATE INDEX i ON records (payload)",
        "SELECT nextval('runs_run_id_seq')",
        "WITH gone AS (DELETE FROM runs RETURNING name) SELECT * FROM gone",
        "SELECT 1; DELETE FROM runs",
        "SELECT $$'$$; COMMIT; DELETE FROM runs; --'",
        "COMMIT",
        "COPY runs TO '/tmp/stride-copy-test'",
        "SELECT lo_export(1, '/tmp/stride-lo-test')",
        "SET default_transaction_read_only = off",
        "GRANT ALL ON runs TO PUBLIC",
        "VACUUM runs",
    })
    void everyKindOfWriteIsRefusedAndNothingChanges(String sql) throws Exception {
        List<Long> before = shape();
        assertThat(before.subList(0, 2)).as("one run of three records").containsExactly(1L, 3L);

        assertThatThrownBy(() -> query(sql)).isInstanceOf(SqlQuery.BadStatementException.class);

        // The rows, the runs table's columns and the tables and views, as they were.
        assertThat(shape()).isEqualTo(before);
    }

    private List<Long> shape() throws Exception {
        try (Connection c = PostgresCluster.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM records),"
                     + " (SELECT count(*) FROM information_schema.columns WHERE table_name = 'runs'),"
                     + " (SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public')")) {
            rs.next();
            return List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
        }
    }
}
