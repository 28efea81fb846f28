package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A signal while {@code stride clear} deletes a big run, on the real process: the clear is one transaction, so the
 * file keeps the run whole; Ctrl+C and SIGTERM end it with exit 130 and one line that says so (the JVM ended it
 * with no word), kill -9 with nothing to say; either way the same command again clears it. The signal is sent once
 * the deletion is seen reaching the disk (the WAL growing), not after some time.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class InterruptedClearIT {
    private static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    private static final int MORE_ANSWERS = 200_000;

    @TempDir
    static Path dir;

    private static Path big;
    private final List<StrideProcess> children = new ArrayList<>();

    @BeforeAll
    static void aBigRun() throws Exception {
        big = dir.resolve("big.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Cli.Result r = new Cli().run("run", MCQ.toString(), "--db", big.toString(), "--model", "m",
                    "--base-url", sim.url(), "--template", "{{question}}", "--log-every", "0", "--quiet");
            assertThat(r.exitCode()).as(r.all()).isZero();
        }
        Datasets.addAnsweredRecords(big, MORE_ANSWERS);
    }

    @AfterEach
    void killChildren() {
        children.forEach(StrideProcess::close);
    }

    @ParameterizedTest(name = "SIG{0} during clear")
    @CsvSource({"INT", "TERM", "KILL"})
    void anInterruptedClearKeepsTheRunWholeAndTheSameCommandClearsIt(String signal) throws Exception {
        Path out = Files.createDirectory(dir.resolve(signal));
        Path db = Files.copy(big, out.resolve("runs.db"));
        long records = Datasets.count(db, "SELECT count(*) FROM records");
        long predictions = Datasets.count(db, "SELECT count(*) FROM predictions");
        StrideProcess p = StrideProcess.start(dir, "clear-" + signal, List.of("clear", "--db", db.toString(), "--run",
                "m", "--yes"));
        children.add(p);
        Path wal = out.resolve("runs.db-wal");
        p.await("a WAL over 1 MB", Duration.ofSeconds(300), () -> size(wal) > 1_000_000);

        int exit;
        if (signal.equals("KILL")) {
            exit = p.killHard(Duration.ofSeconds(60));
        } else {
            p.signal(signal);
            exit = p.waitForExit(Duration.ofSeconds(60));
            assertThat(exit).as("interrupted, not finished first: " + p.transcript()).isEqualTo(130);
            assertThat(p.err().lines().toList()).as(p.transcript()).singleElement().asString()
                    .startsWith("stride: interrupted before the clear was complete: nothing was deleted, " + db);
        }

        assertThat(Datasets.query(db, "PRAGMA integrity_check")).containsExactly(Map.of("integrity_check", "ok"));
        assertThat(Datasets.query(db, "SELECT name FROM runs")).containsExactly(Map.of("name", "m"));
        assertThat(Datasets.count(db, "SELECT count(*) FROM records")).isEqualTo(records);
        assertThat(Datasets.count(db, "SELECT count(*) FROM predictions")).isEqualTo(predictions);
        Cli.Result again = new Cli().run("clear", "--db", db.toString(), "--run", "m", "--yes");
        assertThat(again.exitCode()).as("after exit " + exit + ": " + again.all()).isZero();
        assertThat(Datasets.count(db, "SELECT count(*) FROM runs")).isZero();
        assertThat(Datasets.count(db, "SELECT count(*) FROM records")).isZero();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException notYet) {
            return 0;
        }
    }
}
