package dev.stride.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Input files for tests, and a plain-SQL count in a run database, as a user with sqlite3 would take it. */
final class Inputs {
    private Inputs() {
    }

    /** {@code n} records {"id": "q0", "question": "question 0"} … */
    static Path questions(Path dir, String name, int n) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"question\":\"question ").append(i).append("\"}\n");
        }
        return Files.writeString(dir.resolve(name), s, StandardCharsets.UTF_8);
    }

    static long count(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
