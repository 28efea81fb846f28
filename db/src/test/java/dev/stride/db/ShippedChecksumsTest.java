package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.flywaydb.core.api.resource.LoadableResource;
import org.flywaydb.core.internal.resolver.ChecksumCalculator;
import org.junit.jupiter.api.Test;

/**
 * A migration that has shipped is never edited: Flyway keeps each applied file's checksum in the database's history
 * and refuses to migrate a database whose file has changed since, so an edit locks out every database made before it
 * (PostgreSQL's V18 and V21 did, until {@link EarlierChecksums}). shipped-checksums.txt holds Flyway's checksum of
 * each file of both vendors; a new migration adds its line.
 */
class ShippedChecksumsTest {
    private static final Path MAIN = Path.of("src/main/resources/db");
    private static final Path LIST = Path.of("src/test/resources/shipped-checksums.txt");
    /** Earlier shipped files, by the commit that shipped them: shipped/postgresql/COMMIT/V*.sql. */
    private static final Path EARLIER = Path.of("src/test/resources/shipped/postgresql");

    @Test
    void noShippedMigrationWasEditedAndEachNewOneIsListed() throws IOException {
        Map<String, Integer> listed = new LinkedHashMap<>();
        for (String line : Files.readAllLines(LIST, StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] parts = line.strip().split(" ");
                listed.put(parts[0], Integer.valueOf(parts[1]));
            }
        }
        List<String> wrong = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (String vendor : List.of("migration", "postgresql")) {
            for (Path file : sqlFiles(MAIN.resolve(vendor))) {
                String name = vendor + "/" + file.getFileName();
                present.add(name);
                int now = checksum(file);
                Integer shipped = listed.get(name);
                if (shipped == null) {
                    wrong.add("a new migration: add its line to " + LIST + ": " + name + " " + now);
                } else if (shipped != now) {
                    wrong.add("a shipped migration was edited: add a new migration instead (" + name
                            + ": shipped with checksum " + shipped + ", now " + now + ")");
                }
            }
        }
        listed.keySet().stream().filter(name -> !present.contains(name))
                .forEach(name -> wrong.add("a shipped migration was removed or renamed: " + name
                        + " (databases made with it would no longer open)"));
        assertThat(wrong).as(String.join("\n", wrong)).isEmpty();
    }

    /** The numbers kept in EarlierChecksums are Flyway's for the files as they shipped, none of them today's. */
    @Test
    void theEarlierChecksumsAreThoseOfTheFilesAsTheyShipped() throws IOException {
        Map<String, Set<Integer>> computed = new HashMap<>();
        try (Stream<Path> commits = Files.list(EARLIER)) {
            for (Path commit : commits.toList()) {
                for (Path file : sqlFiles(commit)) {
                    String name = file.getFileName().toString();
                    computed.computeIfAbsent(name.substring(1, name.indexOf("__")), v -> new HashSet<>())
                            .add(checksum(file));
                    assertThat(checksum(file)).as(commit.getFileName() + "'s " + name + " differs from today's")
                            .isNotEqualTo(checksum(MAIN.resolve("postgresql").resolve(name)));
                }
            }
        }
        assertThat(EarlierChecksums.POSTGRES).isEqualTo(computed);
    }

    private static List<Path> sqlFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".sql")).sorted().toList();
        }
    }

    /** Flyway's own checksum of a file, as it writes it into flyway_schema_history. */
    static int checksum(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return ChecksumCalculator.calculate(new LoadableResource() {
            @Override
            public Reader read() {
                return new StringReader(text);
            }

            @Override
            public String getAbsolutePath() {
                return file.toString();
            }

            @Override
            public String getAbsolutePathOnDisk() {
                return file.toString();
            }

            @Override
            public String getFilename() {
                return file.getFileName().toString();
            }

            @Override
            public String getRelativePath() {
                return file.getFileName().toString();
            }
        });
    }
}
