package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.AnswerKey;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ctrl+C or SIGTERM while {@code stride copy} or {@code merge} writes, on the real process: a --to that did not exist
 * is not there afterwards (it used to be, an empty stride database that nothing told from a finished one), nor is any
 * partial file; one that existed holds what it held, and no WAL of the copy. Exit 130 and one line, as a stopped run.
 * The source is a real run against the simulator grown to 200,000 answers with SQL, and the signal is sent once the
 * copy's rows are seen reaching the disk (a WAL growing), not after some time.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class InterruptedTransferIT {
    private static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    private static final int MORE_ANSWERS = 200_000;

    @TempDir
    static Path dir;

    private static Path big;
    /** A database holding another run, 'other', of the questions alone. */
    private static Path small;
    private final List<StrideProcess> children = new ArrayList<>();

    @BeforeAll
    static void aBigRunAndAShard() throws Exception {
        big = dir.resolve("big.db");
        small = dir.resolve("small.db");
        List<AnswerKey.Question> questions = new ArrayList<>();
        for (String line : Files.readAllLines(MCQ, StandardCharsets.UTF_8)) {
            AnswerKey.fromRecord(line, "question", "answer").ifPresent(questions::add);
        }
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build(),
                new AnswerKey(questions, Map.of("m", 0.9), 1.0, 42)).start(0)) {
            for (Path db : List.of(big, small)) {
                Cli.Result r = new Cli().run("run", MCQ.toString(), "--db", db.toString(), "--model", "m",
                        "--base-url", sim.url(), "--template", "{{question}}", "--log-every", "0", "--quiet",
                        "--shard", "0/1");
                assertThat(r.exitCode()).as(r.all()).isZero();
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + small);
             Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE runs SET name = 'other'");
        }
        Datasets.addAnsweredRecords(big, MORE_ANSWERS);
        assertThat(Datasets.count(big, "SELECT done FROM runs")).isGreaterThan(MORE_ANSWERS);
    }

    @AfterEach
    void killChildren() {
        children.forEach(StrideProcess::close);
    }

    /**
     * {@code into} "new": --to does not exist; "existing": it holds the run 'other'. Merge takes the big run as a
     * shard 0/1 (the whole input), so it writes as much as the copy.
     */
    @ParameterizedTest(name = "SIG{0} during {1} into a {2} file")
    @CsvSource({
        "TERM, copy, new", "INT, copy, new", "TERM, copy, existing",
        "TERM, merge, new", "TERM, merge, existing"})
    void anInterruptedTransferLeavesTheDestinationAsItWas(String signal, String command, String into)
            throws Exception {
        Path out = Files.createDirectory(dir.resolve(signal + "-" + command + "-" + into));
        Path target = out.resolve("to.db");
        if (into.equals("existing")) {
            Files.copy(small, target);
        }
        List<String> args = command.equals("copy")
                ? List.of("copy", "--from", big.toString(), "--to", target.toString())
                : List.of("merge", "--to", target.toString(), big.toString());
        StrideProcess p = StrideProcess.start(dir, out.getFileName().toString(), args);
        children.add(p);
        // The copy's rows spill from SQLite's cache into the WAL of what it writes: past a megabyte, it is midway
        // (the whole is over a hundred).
        p.await("a WAL over 1 MB in " + out, Duration.ofSeconds(300), () -> biggestWal(out) > 1_000_000);
        p.signal(signal);

        int exit = p.waitForExit(Duration.ofSeconds(120));

        assertThat(exit).as("interrupted, not finished first: " + p.transcript()).isEqualTo(130);
        assertThat(p.err()).as(p.transcript()).contains("stride: interrupted before the " + command
                + " was complete: ");
        if (into.equals("new")) {
            assertThat(names(out)).as("left in " + out + "\n" + p.transcript()).isEmpty();
        } else {
            assertThat(names(out)).as("beside " + target + "\n" + p.transcript()).containsExactly("to.db");
            assertThat(Datasets.query(target, "PRAGMA integrity_check"))
                    .containsExactly(Map.of("integrity_check", "ok"));
            assertThat(Datasets.query(target, "SELECT name FROM runs")).containsExactly(Map.of("name", "other"));
            assertThat(Datasets.count(target, "SELECT count(*) FROM records"))
                    .isEqualTo(Datasets.count(small, "SELECT count(*) FROM records"));
        }
    }

    private static long biggestWal(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-wal")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException gone) {
                    return 0;
                }
            }).max().orElse(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
