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
 * Ctrl+C, SIGTERM or SIGHUP while {@code export} or {@code snapshot} writes, on the real process: exit 130 and one
 * line that says so, as a stopped run, a copy or a merge (they used to end with the JVM's 143 or 129 and no word); the
 * final file is not there, nor any temporary one; a file that was there is as it was; standard output has whole
 * records only. The database is a real run against the simulator, grown to 200,000 answers with SQL so that writing
 * it takes long enough; the signal is sent once the temporary file (or the first output) is seen, not after some
 * time.
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
        "INT, export, jsonl", "TERM, export, csv", "TERM, export, parquet", "HUP, export, jsonl",
        "INT, snapshot, db", "TERM, snapshot, db", "HUP, snapshot, db"})
    void anInterruptedOutputLeavesNoFileBehindAndSaysSo(String signal, String command, String format)
            throws Exception {
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

        assertThat(exit).as("interrupted, not finished first: " + p.transcript()).isEqualTo(130);
        assertThat(p.err().strip().lines()).as(p.transcript()).containsExactly("stride: interrupted before the "
                + command + " was complete: " + target + " was not created (nothing is half-written); run the same"
                + " command again to " + (command.equals("export") ? "export" : "take it"));
        assertThat(names(out)).as("left in the folder of " + target).isEmpty();
        assertThat(Datasets.count(db, "SELECT done FROM runs")).isGreaterThan(MORE_ANSWERS);
    }

    /** An export replaces the file -o names only when whole: a stopped one leaves it byte for byte as it was. */
    @ParameterizedTest(name = "{0} during an export over an existing file")
    @CsvSource({"TERM", "INT"})
    void anInterruptedExportKeepsTheFileThatWasThere(String signal) throws Exception {
        Path out = Files.createDirectory(dir.resolve(signal + "-export-over"));
        Path target = Files.writeString(out.resolve("answers.jsonl"), "{\"id\":\"earlier\"}\n");
        StrideProcess p = StrideProcess.start(dir, out.getFileName().toString(),
                List.of("export", "--db", db.toString(), "-o", target.toString()));
        children.add(p);
        p.await("temporary file in " + out, Duration.ofSeconds(120), () -> names(out).size() > 1);
        p.signal(signal);

        int exit = p.waitForExit(Duration.ofSeconds(120));

        assertThat(exit).as("interrupted, not finished first: " + p.transcript()).isEqualTo(130);
        assertThat(p.err().strip().lines()).as(p.transcript()).containsExactly("stride: interrupted before the"
                + " export was complete: " + target + " is as it was (nothing of this export was written to it); run"
                + " the same command again to export");
        assertThat(names(out)).containsExactly("answers.jsonl");
        assertThat(Files.readString(target)).isEqualTo("{\"id\":\"earlier\"}\n");
    }

    /** Standard output cannot be taken back: what went there is whole records, and the line says it is not all. */
    @ParameterizedTest(name = "{0} during an export to standard output")
    @CsvSource({"TERM", "INT"})
    void anInterruptedExportToStandardOutputSaysItIsIncomplete(String signal) throws Exception {
        StrideProcess p = StrideProcess.start(dir, signal + "-export-stdout",
                List.of("export", "--db", db.toString()));
        children.add(p);
        Path written = dir.resolve(signal + "-export-stdout.out");
        p.await("the first records on standard output", Duration.ofSeconds(120), () -> size(written) > 0);
        p.signal(signal);

        int exit = p.waitForExit(Duration.ofSeconds(120));

        assertThat(exit).as("interrupted, not finished first: " + p.transcript()).isEqualTo(130);
        assertThat(p.err().strip().lines()).as(p.transcript()).containsExactly("stride: interrupted before the"
                + " export was complete: standard output got only its first records; run the same command again to"
                + " export them all");
        List<String> lines = Files.readAllLines(written, StandardCharsets.UTF_8);
        assertThat(Files.readString(written, StandardCharsets.UTF_8)).endsWith("\n");
        assertThat(lines.size()).as("cut short").isLessThan(MORE_ANSWERS);
        assertThat(lines).allSatisfy(line -> assertThat(line).startsWith("{\"id\":").endsWith("}"));
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> names(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
