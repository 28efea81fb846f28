package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.RunSpec;
import dev.stride.db.SqliteCheckpointStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two commands started together on a file that does not exist yet: both see no file, so both take it for their own.
 * The one that then fails (or is refused) stored nothing and removes what it believes it made; the steps are taken
 * here in the order that lost the other's answers.
 */
class FreshDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void aFileInWhichAnotherCommandStoredARunIsKept() throws Exception {
        Path db = dir.resolve("race.db");
        FreshDatabase fresh = FreshDatabase.at(db); // this command: no file yet
        try (SqliteCheckpointStore other = SqliteCheckpointStore.open(db)) { // the other one makes it and fills it
            other.syncRun(spec(), records(20).iterator(), Optional::empty, false);
        }
        fresh.keepIf(false); // this command was refused: it stored nothing

        fresh.close();

        assertThat(db).exists();
        assertThat(count(db, "SELECT total FROM runs WHERE name = 'm'")).isEqualTo(20);
    }

    @Test
    void aFileTheOtherCommandHasOpenIsKept() throws Exception {
        Path db = dir.resolve("race.db");
        FreshDatabase fresh = FreshDatabase.at(db);
        try (SqliteCheckpointStore other = SqliteCheckpointStore.open(db)) { // opened, its run not stored yet
            fresh.keepIf(false);
            fresh.close();

            assertThat(db).exists();
            other.syncRun(spec(), records(20).iterator(), Optional::empty, false);
        }
        assertThat(count(db, "SELECT total FROM runs WHERE name = 'm'")).isEqualTo(20);
    }

    @Test
    void aFileNoOneStoredARunInIsRemoved() {
        Path db = dir.resolve("new.db");
        FreshDatabase fresh = FreshDatabase.at(db);
        SqliteCheckpointStore.open(db).close();
        fresh.keepIf(false);

        fresh.close();

        assertThat(db).doesNotExist();
        assertThat(dir.resolve("new.db-wal")).doesNotExist();
        assertThat(dir.resolve("new.db-shm")).doesNotExist();
    }

    private static RunSpec spec() {
        return new RunSpec("m", "m", List.of("http://localhost:1/v1"), "{{prompt}}", new GenerationParams(null, null));
    }

    private static List<InputRecord> records(int n) {
        List<InputRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String json = "{\"id\":\"q" + i + "\",\"prompt\":\"What is " + i + "?\"}";
            out.add(new InputRecord(i, "q" + i, i + 1, json, Integer.toHexString(json.hashCode())));
        }
        return out;
    }

    private static long count(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
