package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migrations named for Flyway (so that it need not scan the jar for them) are the ones shipped, and a database
 * made from the list is the one Flyway's own scan makes: the same history rows, checksums included, so files made
 * either way open and upgrade alike.
 */
class ShippedMigrationsTest {
    @TempDir
    Path dir;

    @Test
    void theListNamesEveryMigrationInDbMigrationInOrder() throws IOException {
        List<String> files;
        try (Stream<Path> all = Files.list(Path.of("src/main/resources/db/migration"))) {
            files = all.map(f -> f.getFileName().toString())
                    .sorted((a, b) -> Integer.compare(version(a), version(b)))
                    .toList();
        }
        assertThat(ShippedMigrations.NAMES).as("ShippedMigrations.NAMES must list db/migration's files")
                .containsExactlyElementsOf(files);
        assertThat(ShippedMigrations.ifComplete()).isNotNull();
    }

    @Test
    void aNewFileHasTheHistoryFlywaysOwnScanWrites() throws Exception {
        Path listed = dir.resolve("listed.db");
        SqliteCheckpointStore.open(listed).close();
        Path scanned = dir.resolve("scanned.db");
        Flyway.configure(Schema.class.getClassLoader())
                .dataSource("jdbc:sqlite:" + scanned, null, null)
                .locations(Schema.LOCATION)
                .load()
                .migrate();

        List<String> history = history(listed);
        assertThat(history).hasSize(ShippedMigrations.NAMES.size());
        assertThat(history).isEqualTo(history(scanned));
        // and the file made from the list is current by Flyway's own reckoning
        assertThat(Flyway.configure(Schema.class.getClassLoader())
                .dataSource("jdbc:sqlite:" + listed, null, null)
                .locations(Schema.LOCATION)
                .load().info().pending()).isEmpty();
    }

    private static List<String> history(Path file) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = Fixtures.jdbc(file);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, description, type, script, checksum, success"
                     + " FROM flyway_schema_history ORDER BY installed_rank")) {
            while (rs.next()) {
                rows.add(String.join("|", rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6)));
            }
        }
        return rows;
    }

    private static int version(String name) {
        return Integer.parseInt(name.substring(1, name.indexOf("__")));
    }
}
