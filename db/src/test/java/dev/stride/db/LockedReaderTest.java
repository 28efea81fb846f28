package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The connection {@code stride sql} runs statements on, without the check that refuses them first: SQLite itself must
 * refuse every write and every new file on it, whatever the check lets through. Each statement runs as SqlQuery
 * runs them (as a prepared statement), on a database whose last commit is still in its -wal.
 */
class LockedReaderTest {
    @TempDir
    Path root;

    private Path folder;
    private Path file;
    private Path elsewhere;
    private Connection writer;

    @BeforeEach
    void aRunIsGoing() throws Exception {
        folder = Files.createDirectory(root.resolve("data"));
        elsewhere = Files.createDirectory(root.resolve("elsewhere"));
        file = folder.resolve("runs.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), recs(3).iterator());
        }
        writer = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = writer.createStatement()) {
            s.execute("UPDATE runs SET heartbeat_at = '2030-01-01 00:00:00.000'");
        }
        assertThat(Files.size(folder.resolve("runs.db-wal"))).isPositive();
    }

    @AfterEach
    void theRunEnds() throws SQLException {
        writer.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "INSERT INTO runs (name, model, base_urls, template, params, created_at, saved_at)"
                + " VALUES ('x', 'm', 'u', 't', '{}', 'now', 'now')",
        "UPDATE runs SET total = 0",
        "DELETE FROM records",
        "CREATE TABLE notes (a)",
        "DROP VIEW progress",
        "PRAGMA user_version = 7",
        "BEGIN IMMEDIATE",
        "VACUUM",
        // query_only: a temporary table is written nowhere near the database, and is refused all the same.
        "CREATE TEMP TABLE t (a)",
        "CREATE TEMP VIEW v AS SELECT 1",
        // The -wal and the database file are never written by a checkpoint or a change of journal mode.
        "PRAGMA wal_checkpoint(TRUNCATE)",
        "PRAGMA journal_mode = DELETE",
        // No database may be attached (SQLITE_LIMIT_ATTACHED 0): not a new file, not this one, not one in memory,
        // and not the target that VACUUM INTO attaches to write.
        "ATTACH DATABASE 'ELSEWHERE/new.db' AS x",
        "ATTACH DATABASE 'file:ELSEWHERE/uri.db?mode=rwc' AS x",
        "ATTACH DATABASE 'FILE' AS again",
        "ATTACH DATABASE ':memory:' AS scratch",
        "VACUUM INTO 'ELSEWHERE/copy.db'",
        "SELECT load_extension('ELSEWHERE/lib.so')",
        // sqlite-jdbc's own command, which Statement.execute would run; a prepared statement is SQL only.
        "backup to ELSEWHERE/backup.db",
    })
    void sqliteRefusesItAndNoFileChanges(String statement) throws Exception {
        String sql = statement.replace("ELSEWHERE", elsewhere.toString()).replace("'FILE'", "'" + file + "'");
        Map<String, String> before = files();

        try (Connection c = SqlQuery.open(file)) {
            SQLException refused = catchThrowableOfType(SQLException.class, () -> {
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    s.execute();
                }
            });
            assertThat((Throwable) refused).as(sql).isNotNull();
        }

        assertThat(files()).as(sql).isEqualTo(before);
    }

    @Test
    void noExtensionCanBeLoaded() throws Exception {
        try (Connection c = SqlQuery.open(file);
             PreparedStatement s = c.prepareStatement("SELECT load_extension(?)")) {
            s.setString(1, elsewhere.resolve("lib.so").toString());

            // Refused before the file is looked for: with extensions on, it would say it cannot open lib.so.
            assertThat((Throwable) catchThrowableOfType(SQLException.class, s::execute))
                    .hasMessageContaining("not authorized");
        }
    }

    @Test
    void everythingTemporaryStaysInMemory() throws Exception {
        try (Connection c = SqlQuery.open(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA temp_store")) {
            rs.next();
            assertThat(rs.getInt(1)).as("2 is MEMORY").isEqualTo(2);
        }
    }

    @Test
    void aReadSeesTheCommitInTheWalAndChangesNoFile() throws Exception {
        Map<String, String> before = files();

        try (Connection c = SqlQuery.open(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT heartbeat_at FROM runs")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("2030-01-01 00:00:00.000");
        }

        assertThat(files()).isEqualTo(before);
    }

    /** Size, modification time and digest of every file; of the -shm, that it exists (every reader writes there). */
    private Map<String, String> files() throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (Path dir : List.of(folder, elsewhere)) {
            try (Stream<Path> list = Files.list(dir)) {
                for (Path f : list.toList()) {
                    files.put(dir.getFileName() + "/" + f.getFileName(), f.toString().endsWith("-shm") ? "index"
                            : Files.size(f) + " " + Files.getLastModifiedTime(f).toInstant() + " " + digest(f));
                }
            }
        }
        return files;
    }

    private static String digest(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
