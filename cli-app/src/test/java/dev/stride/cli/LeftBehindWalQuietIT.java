package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar, as a user runs it, on a file whose writer was killed with kill -9 a moment ago: {@code export} and
 * {@code sql} say in one line that the file alone is not whole, and nothing else on standard error. They used to
 * print jOOQ's two-line "INFO: Version : Database version is supported by dialect SQLDialect.SQLITE" above it: the
 * look at the run's workers was the process's first jOOQ query, made before anything had turned jOOQ's logging down
 * (java.util.logging, which a test in one JVM does not see).
 */
class LeftBehindWalQuietIT {
    @TempDir
    Path dir;

    @Test
    void aReaderOfAFileJustLeftByKill9PrintsOnlyItsOneLineOnStandardError() throws Exception {
        Process killed = new ProcessBuilder("true").start();
        killed.waitFor();
        // Its cursor saved "in 10 minutes" (a clock a little ahead): however slowly the jar starts on a loaded
        // machine, the readers find it within the 20 s in which the run's workers decide whether anybody writes the
        // file, and look at them (that look was the first jOOQ query). They find the worker's process gone.
        Path db = LeftBehindWal.image(dir, dir.resolve("killed"), 20, 12, -600, killed.pid());
        String line = db + " alone is not whole: 12 answers are only in " + db + "-wal, left there by a stride stopped"
                + " before it could fold them in";
        for (List<String> args : List.of(
                List.of("export", "--db", db.toString(), "-o", dir.resolve("answers.jsonl").toString()),
                List.of("sql", "--db", db.toString(), "SELECT count(*) FROM results WHERE status = 'done'"))) {
            try (StrideProcess p = StrideProcess.start(dir, args.get(0), args)) {
                assertThat(p.waitForExit(Duration.ofMinutes(2))).as(p.transcript()).isZero();
                assertThat(p.err()).as(args.get(0)).startsWith(line).doesNotContain("INFO")
                        .doesNotContain("JooqLogger");
                // export -o then says what it wrote, as every command that writes a file does: the killed run's
                // pending records, and not that it is going (its worker's process is gone, its cursor still fresh).
                assertThat(p.err().lines().skip(1).toList()).as(p.err()).isEqualTo(args.get(0).equals("export")
                        ? List.of("Wrote " + dir.resolve("answers.jsonl") + ": 20 rows of run 'm', jsonl (8 pending)")
                        : List.of());
            }
        }
    }

    /**
     * An older stride's file, its writer killed: run folds the WAL in and upgrades the schema with nothing on standard
     * error but its own lines. Flyway's "INFO: Environment: default" and "INFO: Database: jdbc:sqlite:..." (with
     * their dates) came first: the look at the older version was Flyway's first use, before any store had turned its
     * logging down (a user walk that upgraded stride between sessions).
     */
    @Test
    void aRunOnAnOlderStridesFileJustLeftByKill9SaysOnlyItsOwnLinesAsItUpgradesIt() throws Exception {
        Process killed = new ProcessBuilder("true").start();
        killed.waitFor();
        Path db = LeftBehindWal.image(dir, dir.resolve("older"), 20, 12, -600, killed.pid(), OlderSchemas::backTo17);
        Path input = dir.resolve("q.jsonl");
        Files.writeString(input, IntStream.range(0, 20)
                .mapToObj(i -> "{\"id\":\"q" + i + "\",\"question\":\"question " + i + "\"}\n")
                .collect(Collectors.joining()));
        // Its worker's lease still holds, its process gone: the run ends that worker (the look at the file's older
        // version was Flyway's first use), upgrades the file, and finds no server at the run's address (exit 1).
        List<String> args = List.of("run", input.toString(), "--db", db.toString(), "--model", "m");
        try (StrideProcess p = StrideProcess.start(dir, "run", args)) {
            assertThat(p.waitForExit(Duration.ofMinutes(2))).as(p.transcript()).isEqualTo(ExitCodes.ERROR);
            assertThat(p.err()).as(p.transcript()).contains("upgraded " + db + " from schema version 17 to ")
                    .doesNotContain("INFO").doesNotContain("flywaydb");
        }
    }
}
