package dev.stride.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Input files for tests, and plain-SQL looks into a run database, as a user with sqlite3 would take them. */
final class Datasets {
    private Datasets() {
    }

    /** {@code n} records {"id": "q0", "question": "question 0"} … */
    /** Another program's SQLite database (a table of its own, one row), as a user might give stride by mistake. */
    static Path anotherProgramsDatabase(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
            s.execute("INSERT INTO notes (text) VALUES ('keep me')");
        }
        return file;
    }

    static Path questions(Path dir, String name, int n) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"question\":\"question ").append(i).append("\"}\n");
        }
        Path file = dir.resolve(name);
        Files.writeString(file, s, StandardCharsets.UTF_8);
        return file;
    }

    static List<Map<String, Object>> query(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    /**
     * Adds {@code more} records to the one run in {@code db}, each with a done answer of 300 bytes, in one
     * transaction: a run big enough that a copy, an export or a snapshot of it takes seconds, without asking them.
     */
    static void addAnsweredRecords(Path db, int more) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.setAutoCommit(false);
            try (PreparedStatement records = c.prepareStatement("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                    + " SELECT i + 1 FROM n WHERE i < ?) INSERT INTO records (run_id, record_id, seq, line, payload,"
                    + " content_hash) SELECT r.run_id, 'more' || i, (SELECT MAX(seq) FROM records) + i,"
                    + " (SELECT MAX(line) FROM records) + i, '{\"question\":\"' || hex(randomblob(200)) || '\"}',"
                    + " hex(randomblob(32)) FROM n, runs r");
                 Statement s = c.createStatement()) {
                records.setInt(1, more);
                records.executeUpdate();
                s.executeUpdate("INSERT INTO predictions (run_id, record_id, status, output, finish_reason,"
                        + " prompt_tokens, completion_tokens, latency_ms, attempts, finished_at) SELECT run_id,"
                        + " record_id, 'done', hex(randomblob(300)), 'stop', 10, 10, 5, 1, '2026-01-01 00:00:00.000'"
                        + " FROM records WHERE record_id LIKE 'more%'");
                s.executeUpdate("UPDATE runs SET total = total + " + more + ", low_watermark = low_watermark + "
                        + more);
            }
            c.commit();
        }
    }

    /**
     * A sweep's worth of runs in {@code db}: 300 copies of run {@code like}'s row (no records), named
     * lora-step100-t0 ... lora-step10000-t2, as a sweep of checkpoints and templates leaves in one file.
     */
    static List<String> addSweepRunsLike(Path db, String like) throws SQLException {
        List<String> names = new ArrayList<>();
        for (int step = 100; step <= 10_000; step += 100) {
            for (int t = 0; t < 3; t++) {
                names.add("lora-step" + step + "-t" + t);
            }
        }
        List<String> columns = new ArrayList<>();
        for (Map<String, Object> column : query(db, "PRAGMA table_info(runs)")) {
            String name = (String) column.get("name");
            if (!name.equals("run_id") && !name.equals("name")) {
                columns.add(name);
            }
        }
        String copied = String.join(", ", columns);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement insert = c.prepareStatement("INSERT INTO runs (name, " + copied + ") SELECT ?, "
                     + copied + " FROM runs WHERE name = ?")) {
            c.setAutoCommit(false);
            for (String name : names) {
                insert.setString(1, name);
                insert.setString(2, like);
                insert.addBatch();
            }
            insert.executeBatch();
            c.commit();
        }
        return names;
    }

    static long count(Path db, String sql) throws SQLException {
        Object v = query(db, sql).get(0).values().iterator().next();
        return ((Number) v).longValue();
    }
}
