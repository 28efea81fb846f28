package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * V13 stores the claims in one B-tree: a database of V12 with a worker and its claims in flight (a run stopped
 * mid-way, copied before it was upgraded) keeps every claim, each still the worker's, and a dead worker's claims
 * still go with it.
 */
class ClaimsMigrationTest {
    @TempDir
    Path dir;

    @Test
    void claimsInFlightSurviveTheMoveToOneTreeAndStillGoWithTheirWorker() throws Exception {
        Path file = dir.resolve("v12.db");
        Flyway.configure().dataSource("jdbc:sqlite:" + file, null, null).locations(Schema.LOCATION).target("12")
                .load().migrate();
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            s.execute("INSERT INTO runs (run_id, name, model, base_urls, template, params, created_at, saved_at)"
                    + " VALUES (1, 'a', 'm', '[\"http://x/v1\"]', '{{prompt}}', '{}', '2026-12-01 00:00:00.000',"
                    + " '2026-12-01 00:00:00.000')");
            for (int i = 0; i < 5; i++) {
                s.execute("INSERT INTO records (run_id, record_id, seq, line, payload, content_hash) VALUES (1, 'r"
                        + i + "', " + i + ", " + (i + 1) + ", '{}', 'h')");
            }
            for (String worker : List.of("w1", "w2")) {
                s.execute("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                        + " lease_until) VALUES (1, '" + worker + "', 1, 'h', 1, '2026-12-01 00:00:00.000',"
                        + " '2026-12-01 00:00:00.000', '2026-12-01 00:00:30.000')");
            }
            s.execute("INSERT INTO claims (run_id, record_id, worker_id) VALUES (1, 'r0', 'w1'), (1, 'r1', 'w1'),"
                    + " (1, 'r3', 'w2')");
        }

        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            assertThat(store.findRun("a")).isPresent();
        }

        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            assertThat(rows(s, "SELECT record_id || ' ' || worker_id FROM claims ORDER BY record_id"))
                    .containsExactly("r0 w1", "r1 w1", "r3 w2");
            assertThatThrownBy(() -> s.executeQuery("SELECT rowid FROM claims")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("rowid");
            assertThat(rows(s, "SELECT name FROM pragma_index_list('claims') WHERE origin <> 'pk'")).isEmpty();

            s.execute("PRAGMA foreign_keys = ON");
            s.execute("DELETE FROM workers WHERE worker_id = 'w1'");
            assertThat(rows(s, "SELECT record_id FROM claims")).containsExactly("r3");
        }
    }

    private static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
