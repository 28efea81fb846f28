package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.AnswerKey;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Ctrl+C or SIGTERM while {@code export} or {@code snapshot} writes its temporary file, on the real process: the
 * final file is not there, and neither is any temporary one (they used to stay: the JVM ends on these signals without
 * the command's own cleanup). The database is a real run against the simulator, grown to 200,000 answers with SQL so
 * that writing it takes long enough; the signal is sent once the temporary file is seen, not after some time.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class InterruptedOutputIT {
    private static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    private static final int MORE_ANSWERS = 200_000;

    @TempDir
    static Path dir;

    private static Path db;
    private final List<StrideProcess> children = new ArrayList<>();

    @BeforeAll
    static void aBigFinishedRun() throws Exception {
        db = dir.resolve("big.db");
        List<AnswerKey.Question> questions = new ArrayList<>();
        for (String line : Files.readAllLines(MCQ, StandardCharsets.UTF_8)) {
            AnswerKey.fromRecord(line, "question", "answer").ifPresent(questions::add);
        }
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build(),
                new AnswerKey(questions, Map.of("m", 0.9), 1.0, 42)).start(0)) {
            Cli.Result r = new Cli().run("run", MCQ.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                    sim.url(), "--template", "{{question}}", "--log-every", "0", "--quiet");
            assertThat(r.exitCode()).as(r.all()).isZero();
        }
        Datasets.addAnsweredRecords(db, MORE_ANSWERS);
        assertThat(Datasets.count(db, "SELECT done FROM runs")).isGreaterThan(MORE_ANSWERS);
    }

    @AfterEach
    void killChildren() {
        children.forEach(StrideProcess::close);
    }

    @ParameterizedTest(name = "{0} during {1} {2}")
    @CsvSource({
        "INT, export, jsonl", "INT, export, parquet", "INT, snapshot, db",
        "TERM, export, jsonl", "TERM, export, parquet", "TERM, snapshot, db"})
    void anInterruptedOutputLeavesNoFileBehind(String signal, String command, String format) throws Exception {
        Path out = Files.createDirectory(dir.resolve(signal + "-" + command + "-" + format));
        Path target = out.resolve("big." + format);
        List<String> args = command.equals("export")
                ? List.of("export", "--db", db.toString(), "--format", format, "-o", target.toString())
                : List.of("snapshot", "--db", db.toString(), target.toString());
        StrideProcess p = StrideProcess.start(dir, out.getFileName().toString(), args);
        children.add(p);
        p.await("temporary file in " + out, Duration.ofSeconds(120), () -> !names(out).isEmpty());
        p.signal(signal);

        int exit = p.waitForExit(Duration.ofSeconds(120));

        // The JVM's own ending on a signal: 128 + its number (Ctrl+C 130, as a stopped run).
        assertThat(exit).as("interrupted, not finished first: " + p.transcript())
                .isEqualTo(signal.equals("INT") ? 130 : 143);
        assertThat(names(out)).as("left in the folder of " + target).isEmpty();
        assertThat(Datasets.count(db, "SELECT done FROM runs")).isGreaterThan(MORE_ANSWERS);
    }

    private static List<String> names(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
