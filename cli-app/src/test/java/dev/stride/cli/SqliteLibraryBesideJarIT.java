package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar keeps SQLite's native library beside itself: the first start writes it, every start loads it from there
 * (as the JVM reports with {@code -Xlog:library}), none writes it again. sqlite-jdbc on its own compared its copy in
 * /tmp with the jar's at every start.
 */
@EnabledOnOs(OS.LINUX)
class SqliteLibraryBesideJarIT {
    private static final Duration GUARD = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    private final List<StrideProcess> children = new ArrayList<>();
    private Simulator sim;

    @AfterEach
    void stopEverything() {
        children.forEach(StrideProcess::close);
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void theFirstStartWritesTheLibraryBesideTheJarAndEveryStartLoadsItFromThere() throws Exception {
        Path install = Files.createDirectories(dir.resolve("install"));
        Path jar = Files.copy(StrideProcess.jar(), install.resolve("stride.jar")); // a fresh folder, as after a clone
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
        Path input = Datasets.questions(dir, "q.jsonl", 5);

        String first = stride(jar, "first", "run", input.toString(), "--db", dir.resolve("a.db").toString(),
                "--model", "m", "--base-url", sim.url(), "--template", "Q: {{question}}");
        Path library = libraryIn(install);
        assertThat(first).contains("Loaded library " + library);
        Files.setLastModifiedTime(library, FileTime.fromMillis(0));

        String second = stride(jar, "second", "status", "--db", dir.resolve("a.db").toString());
        assertThat(second).contains("Loaded library " + library);
        assertThat(Files.getLastModifiedTime(library).toMillis()).as("not written again").isZero();
    }

    private static Path libraryIn(Path install) throws Exception {
        try (Stream<Path> files = Files.walk(install)) {
            List<Path> libraries = files.filter(f -> f.getFileName().toString().equals("libsqlitejdbc.so")).toList();
            assertThat(libraries).hasSize(1);
            return libraries.get(0);
        }
    }

    /** Runs {@code jar} with the JVM's library log on and returns that log (stdout). */
    private String stride(Path jar, String label, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Xlog:library=info:stdout", "-jar", jar.toString()));
        command.addAll(List.of(args));
        StrideProcess p = StrideProcess.startCommand(dir, label, command, Map.of());
        children.add(p);
        assertThat(p.waitForExit(GUARD)).as(p.transcript()).isZero();
        return Files.readString(dir.resolve(label + ".out"));
    }
}
