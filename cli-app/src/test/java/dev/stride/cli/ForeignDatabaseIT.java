package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar, as a user runs it, on another program's SQLite database: the one-line refusal is all it prints. Flyway
 * logged six lines of its own above it (through java.util.logging, which a test in one JVM does not see) before the
 * files it had looked at were refused without it.
 */
class ForeignDatabaseIT {
    @TempDir
    Path dir;

    @Test
    void theRefusalIsTheOnlyLineOnStandardError() throws Exception {
        Path foreign = Datasets.anotherProgramsDatabase(dir.resolve("notes.db"));
        for (List<String> args : List.of(
                List.of("report", "--db", foreign.toString(), "-o", dir.resolve("r.html").toString()),
                List.of("status", "--db", foreign.toString()))) {
            try (StrideProcess p = StrideProcess.start(dir, args.get(0), args)) {
                assertThat(p.waitForExit(Duration.ofMinutes(2))).as(p.transcript()).isEqualTo(ExitCodes.DATABASE);
                assertThat(p.err()).as(args.get(0))
                        .isEqualTo("stride: " + foreign + " is a SQLite database but not a stride checkpoint file\n");
            }
        }
        assertThat(Files.exists(dir.resolve("r.html"))).isFalse();
    }
}
