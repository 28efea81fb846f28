package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaVersionTest {
    private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__.*\\.sql");

    @TempDir
    Path dir;

    @Test
    void latestIsTheNewestMigrationShipped() throws IOException {
        int newest;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            newest = files.map(f -> VERSIONED.matcher(f.getFileName().toString()))
                    .filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1)))
                    .max().orElseThrow();
        }
        assertThat(Schema.LATEST).as("Schema.LATEST must name the newest db/migration/V*.sql").isEqualTo(newest);
    }

    @Test
    void aCurrentDatabaseIsRecognisedWithoutFlywayAndAnyOtherIsNot() throws Exception {
        Path file = dir.resolve("v.db");
        SqliteCheckpointStore.open(file).close();
        try (Connection c = Fixtures.jdbc(file)) {
            assertThat(Schema.isCurrent(c)).isTrue();
            try (Statement s = c.createStatement()) {
                s.execute("UPDATE flyway_schema_history SET success = 0 WHERE version = '2'");
            }
            assertThat(Schema.isCurrent(c)).as("a failed migration goes through Flyway").isFalse();
        }
        try (Connection c = Fixtures.jdbc(dir.resolve("empty.db"))) {
            assertThat(Schema.isCurrent(c)).isFalse();
        }
    }
}
