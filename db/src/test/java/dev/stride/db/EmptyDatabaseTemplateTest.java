package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * A new database is a copy of the one Flyway migrated at build time: it must be the database Flyway would make now,
 * dated now, and never land on a file that is already there.
 */
class EmptyDatabaseTemplateTest {
    private static final DateTimeFormatter FLYWAY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    @TempDir
    Path dir;

    @Test
    void aNewDatabaseHasTheSchemaAndHistoryFlywayMakes() throws Exception {
        Path copied = dir.resolve("copied.db");
        Path migrated = dir.resolve("migrated.db");
        Files.createFile(migrated); // an empty file is not replaced by the template: Flyway migrates it
        SqliteCheckpointStore.open(copied).close();
        SqliteCheckpointStore.open(migrated).close();

        assertThat(rows(copied, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"))
                .isNotEmpty()
                .isEqualTo(rows(migrated, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"));
        String history = "SELECT installed_rank, version, description, type, script, checksum, installed_by, success"
                + " FROM flyway_schema_history ORDER BY installed_rank";
        assertThat(rows(copied, history)).hasSize(Schema.LATEST).isEqualTo(rows(migrated, history));
    }

    @Test
    void aNewDatabaseIsDatedWhenItIsOpenedNotWhenTheJarWasBuilt() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        Path file = dir.resolve("new.db");
        SqliteCheckpointStore.open(file).close();
        Instant after = Instant.now().plusSeconds(1);

        List<List<String>> dates = rows(file, "SELECT DISTINCT installed_on, execution_time FROM flyway_schema_history");
        assertThat(dates).as("every migration stamped by one statement: the file came from the template").hasSize(1);
        Instant installed = LocalDateTime.parse(dates.get(0).get(0), FLYWAY_TIME).toInstant(ZoneOffset.UTC);
        assertThat(installed).isBetween(before, after);
        assertThat(dates.get(0).get(1)).isEqualTo("0");
    }

    @Test
    void flywayValidatesTheNewDatabaseAgainstTheShippedMigrations() {
        Path file = dir.resolve("valid.db");
        SqliteCheckpointStore.open(file).close();
        SQLiteDataSource source = new SQLiteDataSource();
        source.setUrl("jdbc:sqlite:" + file);
        var result = Flyway.configure().dataSource(source).locations(Schema.LOCATION).load().validateWithResult();
        assertThat(result.validationSuccessful).as("%s", result.invalidMigrations).isTrue();
    }

    @Test
    void theTemplateHasThisBuildsSchema() throws Exception {
        Path file = dir.resolve("template.db");
        assertThat(EmptyDatabaseTemplate.placeIfAbsent(file)).isTrue();
        try (Connection c = Fixtures.jdbc(file)) {
            assertThat(Schema.isCurrent(c)).as("the template's newest migration is V%d", Schema.LATEST).isTrue();
        }
    }

    @Test
    void aFileThatIsThereIsNeverReplaced() throws Exception {
        Path file = dir.resolve("notes.db");
        Files.writeString(file, "my notes");
        assertThat(EmptyDatabaseTemplate.placeIfAbsent(file)).isFalse();
        assertThat(Files.readString(file)).isEqualTo("my notes");

        Path walOnly = dir.resolve("wal-only.db");
        Files.writeString(WalFile.of(walOnly), "commits of a file that was moved away");
        assertThat(EmptyDatabaseTemplate.placeIfAbsent(walOnly)).as("a WAL without its file is not a new database")
                .isFalse();
        assertThat(walOnly).doesNotExist();
        assertThat(dir.toFile().list()).noneMatch(name -> name.contains(".new-"));
    }

    @Test
    void aFileAlreadyUnderTheCopysNameIsLeftAloneAndFlywayMakesTheDatabase() throws Exception {
        Path file = dir.resolve("shared.db");
        Path taken = dir.resolve("shared.db.new-" + ProcessHandle.current().pid());
        Files.writeString(taken, "another process's copy, being written");
        assertThat(EmptyDatabaseTemplate.placeIfAbsent(file)).isFalse();
        assertThat(Files.readString(taken)).isEqualTo("another process's copy, being written");

        SqliteCheckpointStore.open(file).close();
        try (Connection c = Fixtures.jdbc(file)) {
            assertThat(Schema.isCurrent(c)).isTrue();
        }
        assertThat(Files.readString(taken)).isEqualTo("another process's copy, being written");
    }

    @Test
    void onlyTheDatabaseIsLeftInTheFolderAndItIsInWalMode() throws Exception {
        Path file = dir.resolve("runs.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .allMatch(name -> name.startsWith("runs.db"))
                        .noneMatch(name -> name.contains(".new-"));
            }
            assertThat(rows(file, "PRAGMA journal_mode")).containsExactly(List.of("wal"));
        }
        byte[] header = Files.readAllBytes(file);
        assertThat(new String(header, 0, 15, StandardCharsets.US_ASCII)).isEqualTo("SQLite format 3");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("runs.db");
        }
    }

    private static List<List<String>> rows(Path file, String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
