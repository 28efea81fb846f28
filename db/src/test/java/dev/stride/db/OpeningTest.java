package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.ShellWords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening files: migrations, reopening, refusing what is not ours or too new, read-only use. */
class OpeningTest {
    /**
     * The migrations this build ships (db/migration/V*.sql), counted rather than written down: numbers may leave a
     * gap (V11 was written while V10 was on another branch), and a fixed count would need both branches to agree.
     */
    private static final int MIGRATIONS = shippedMigrations();

    private static int shippedMigrations() {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(Path.of("src/main/resources/db/migration"))) {
            return (int) files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @TempDir
    Path dir;

    @Test
    void aNewFileIsMigratedAndAReopenedOneKeepsItsDataWithoutMigratingAgain() throws Exception {
        Path file = dir.resolve("new.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = store.syncRun(spec("a"), recs(2).iterator()).total();
            assertThat(run).isEqualTo(2);
        }
        assertThat(historyRows(file)).isEqualTo(MIGRATIONS);
        assertThat(journalMode(file)).isEqualTo("wal");

        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            RunInfo run = store.findRun("a").orElseThrow();
            assertThat(run.total()).isEqualTo(2);
            store.savePrediction(run.id(), recs(1).get(0), done("x"));
        }
        assertThat(historyRows(file)).isEqualTo(MIGRATIONS);
    }

    @Test
    void aMissingFolderIsNamed() {
        Path file = dir.resolve("no/such/folder/x.db");
        assertThatThrownBy(() -> SqliteCheckpointStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("folder")
                .hasMessageContaining(file.getParent().toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void aFileThatIsNotSqliteIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("notes.db");
        Files.writeString(file, "{\"id\": 1, \"text\": \"this is JSONL, not a database\"}\n".repeat(20));

        assertThatThrownBy(() -> SqliteCheckpointStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith(file + " is not a SQLite database: check the file named");
        assertThatThrownBy(() -> SqliteCheckpointStore.openReadOnly(file))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith(file + " is not a SQLite database: check the file named");
        assertThat(Files.readString(file)).startsWith("{\"id\": 1"); // untouched
    }

    @Test
    void anotherProgramsSqliteDatabaseIsRefused() throws Exception {
        Path file = dir.resolve("other.db");
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        }
        Path before = Files.copy(file, dir.resolve("other-before.db"));
        assertThatThrownBy(() -> SqliteCheckpointStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessage(file + " is a SQLite database but not a stride checkpoint file");
        assertThatThrownBy(() -> ScoreBook.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessage(file + " is a SQLite database but not a stride checkpoint file");
        // Not a byte changed: its journal mode stays its own (a writer's connection would have made it WAL).
        assertThat(Files.mismatch(before, file)).as("the first byte changed").isEqualTo(-1L);
        assertThat(Path.of(file + "-wal")).doesNotExist();
    }

    @Test
    void aDatabaseFromANewerStrideIsRefused() throws Exception {
        Path file = dir.resolve("future.db");
        Fixtures.writtenByANewerStride(file);

        assertThatThrownBy(() -> SqliteCheckpointStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessage(file + " was written by a newer stride (schema version 99; this stride knows up to " + Schema.LATEST + "): "
                        + "use that stride or a newer one");
        assertThatThrownBy(() -> SqliteCheckpointStore.openReadOnly(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("newer stride");
    }

    @Test
    void readOnlyOpeningReadsWithoutWritingAndRefusesWrites() throws Exception {
        Path file = dir.resolve("ro.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = store.syncRun(spec("a"), recs(3).iterator()).total();
            assertThat(run).isEqualTo(3);
            store.saveCursor(store.findRun("a").orElseThrow().id(), 42, RunState.INTERRUPTED);
        }
        long size = Files.size(file);

        try (SqliteCheckpointStore ro = SqliteCheckpointStore.openReadOnly(file)) {
            RunInfo run = ro.findRun("a").orElseThrow();
            assertThat(run.elapsedMs()).isEqualTo(42);
            assertThat(ro.pendingRecords(run.id(), -1, 10, false)).hasSize(3);
            assertThatThrownBy(() -> ro.clearAll())
                    .isInstanceOf(StoreException.class)
                    .hasMessage(file + " was opened read-only");
        }
        assertThat(Files.size(file)).isEqualTo(size);
    }

    @Test
    void readOnlyOpeningOfAMissingFileSaysSo() {
        Path file = dir.resolve("missing.db");
        assertThatThrownBy(() -> SqliteCheckpointStore.openReadOnly(file))
                .isInstanceOf(StoreException.class)
                .hasMessage(file + " does not exist");
        assertThat(file).doesNotExist();
    }

    @Test
    void anOlderSchemaIsReportedReadOnlyAndUpgradedByAWritingOpen() throws Exception {
        Path file = dir.resolve("old.db");
        // A database from a stride that only knew V1: migrated by Flyway itself, stopping at version 1.
        Flyway.configure(getClass().getClassLoader())
                .dataSource("jdbc:sqlite:" + file, null, null)
                .locations("classpath:db/migration")
                .target("1")
                .load()
                .migrate();
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            s.execute("INSERT INTO runs (name, model, base_url, template, params, created_at, saved_at)"
                    + " VALUES ('a', 'llama3', 'http://localhost:8080/v1', '{{text}}', '{}', '2026-01-01 00:00:00.000',"
                    + " '2026-01-01 00:00:00.000')");
        }

        assertThatThrownBy(() -> SqliteCheckpointStore.openReadOnly(file))
                .isInstanceOf(StoreException.class)
                .hasMessage(file + " has an older schema (version 1): stride status --db " + ShellWords.quoted(file)
                        + " upgrades it to this stride's");

        SqliteCheckpointStore.open(file).close();
        assertThat(historyRows(file)).isEqualTo(MIGRATIONS);
        try (SqliteCheckpointStore ro = SqliteCheckpointStore.openReadOnly(file)) {
            assertThat(ro.findRun("a")).isPresent();
        }
    }

    @Test
    void aVersion5DatabaseGainsAnUnknownInputForItsRuns() throws Exception {
        Path file = dir.resolve("v5.db");
        Flyway.configure(getClass().getClassLoader())
                .dataSource("jdbc:sqlite:" + file, null, null)
                .locations("classpath:db/migration")
                .target("5")
                .load()
                .migrate();
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            s.execute("INSERT INTO runs (name, model, base_url, template, params, created_at, saved_at, total)"
                    + " VALUES ('a', 'llama3', 'http://localhost:8080/v1', '{{text}}', '{}', '2026-01-01 00:00:00.000',"
                    + " '2026-01-01 00:00:00.000', 2)");
        }

        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            assertThat(store.findRun("a").orElseThrow().total()).isEqualTo(2);
            assertThat(store.syncUnchanged(spec("a"), "d1")).isEmpty();
        }
        assertThat(historyRows(file)).isEqualTo(MIGRATIONS);
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, input_digest FROM runs")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("a");
            assertThat(rs.getString(2)).isNull();
        }
    }

    @Test
    void aVersion6DatabaseKeepsItsServersAsAList() throws Exception {
        Path file = dir.resolve("v6.db");
        Flyway.configure(getClass().getClassLoader())
                .dataSource("jdbc:sqlite:" + file, null, null)
                .locations("classpath:db/migration")
                .target("6")
                .load()
                .migrate();
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement()) {
            // As version 6 wrote them (joined by one space), and as a hand edit might have left them.
            for (String[] run : new String[][] {{"one", "http://a:1/v1"}, {"two", "http://a:1/v1 http://b:2/v1"},
                {"edited", " http://c:3/v1 \t http://a:1/v1  http://b:2/v1 "}}) {
                s.execute("INSERT INTO runs (name, model, base_url, template, params, created_at, saved_at) VALUES ('"
                        + run[0] + "', 'llama3', '" + run[1] + "', '{{text}}', '{}', '2026-01-01 00:00:00.000',"
                        + " '2026-01-01 00:00:00.000')");
            }
        }

        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            assertThat(store.findRun("one").orElseThrow().baseUrls()).containsExactly("http://a:1/v1");
            assertThat(store.findRun("two").orElseThrow().baseUrls()).containsExactly("http://a:1/v1", "http://b:2/v1");
            assertThat(store.findRun("edited").orElseThrow().baseUrls())
                    .containsExactly("http://c:3/v1", "http://a:1/v1", "http://b:2/v1");
        }
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT base_urls FROM runs WHERE name = 'two'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("[\"http://a:1/v1\",\"http://b:2/v1\"]");
        }
    }

    private static int historyRows(Path file) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success = 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String journalMode(Path file) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
