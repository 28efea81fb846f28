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

    /**
     * report and compare -o as export: exit 130 and one line, no file and no temporary one left, or the file that was
     * there as it was (they used to end with 143 and no word). A report is read whole before its file is written: the
     * signal goes once the process has the database open, which it does only after it listens for a stop. compare
     * writes its differences as it finds them (two runs that differ on every record): the signal goes once its
     * temporary file is seen.
     */
    @ParameterizedTest(name = "{0} during {1} into {2} file")
    @CsvSource({"INT, report, a new", "TERM, report, an existing", "HUP, report, a new", "INT, compare, a new",
        "TERM, compare, an existing"})
    void anInterruptedReportOrCompareLeavesNoFileBehindAndSaysSo(String signal, String command, String file)
            throws Exception {
        Path out = Files.createDirectory(dir.resolve(signal + "-" + command + "-" + file.replace(' ', '-')));
        boolean existing = file.equals("an existing");
        Path target = out.resolve(command.equals("report") ? "report.html" : "differences.jsonl");
        if (existing) {
            Files.writeString(target, "earlier\n");
        }
        List<String> args = command.equals("report") ? List.of("report", "--db", db.toString(), "-o", target.toString())
                : List.of("compare", "--db", pair().toString(), "a", "b", "--label-field", "answer", "--metric",
                        "choice", "-o", target.toString());
        StrideProcess p = StrideProcess.start(dir, out.getFileName().toString(), args);
        children.add(p);
        if (command.equals("report")) {
            p.await(db + " open", Duration.ofSeconds(120), () -> holds(p.pid(), db));
        } else {
            p.await("temporary file in " + out, Duration.ofSeconds(120), () -> names(out).size() > (existing ? 1 : 0));
        }
        p.signal(signal);

        int exit = p.waitForExit(Duration.ofSeconds(120));

        assertThat(exit).as("interrupted, not finished first: " + p.transcript()).isEqualTo(130);
        String what = command.equals("report") ? "report" : "comparison";
        String again = command.equals("report") ? "write it" : "compare";
        assertThat(p.err().strip().lines()).as(p.transcript()).containsExactly("stride: interrupted before the " + what
                + " was complete: " + target + (existing ? " is as it was (nothing of this " + what
                + " was written to it)" : " was not created (nothing is half-written)") + "; run the same command"
                + " again to " + again);
        assertThat(names(out)).as("left in the folder of " + target)
                .isEqualTo(existing ? List.of(target.getFileName().toString()) : List.of());
        if (existing) {
            assertThat(Files.readString(target)).isEqualTo("earlier\n");
        }
    }

    private static Path pair;

    /** Runs 'a' and 'b' over the same questions, grown with SQL to records that a answers right and b wrong. */
    private static synchronized Path pair() throws Exception {
        if (pair != null) {
            return pair;
        }
        Path db = dir.resolve("pair.db");
        List<AnswerKey.Question> questions = new ArrayList<>();
        for (String line : Files.readAllLines(MCQ, StandardCharsets.UTF_8)) {
            AnswerKey.fromRecord(line, "question", "answer").ifPresent(questions::add);
        }
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build(),
                new AnswerKey(questions, Map.of("a", 0.9, "b", 0.5), 1.0, 42)).start(0)) {
            for (String model : List.of("a", "b")) {
                Cli.Result r = new Cli().run("run", MCQ.toString(), "--db", db.toString(), "--model", model,
                        "--base-url", sim.url(), "--template", "{{question}}", "--log-every", "0", "--quiet");
                assertThat(r.exitCode()).as(r.all()).isZero();
            }
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                    + MORE_ANSWERS + ") INSERT INTO records (run_id, record_id, seq, line, payload, content_hash)"
                    + " SELECT r.run_id, 'more' || i, 1000 + i, 1000 + i, '{\"question\":\"' || i"
                    + " || '\",\"answer\":\"A\"}', hex(randomblob(32)) FROM n, runs r");
            s.executeUpdate("INSERT INTO predictions (run_id, record_id, status, output, finish_reason,"
                    + " prompt_tokens, completion_tokens, latency_ms, attempts, finished_at) SELECT r.run_id,"
                    + " r.record_id, 'done', CASE WHEN u.model = 'a' THEN 'A' ELSE 'B' END, 'stop', 10, 10, 5, 1,"
                    + " '2026-01-01 00:00:00.000' FROM records r JOIN runs u USING (run_id)"
                    + " WHERE r.record_id LIKE 'more%'");
            s.executeUpdate("UPDATE runs SET total = total + " + MORE_ANSWERS + ", low_watermark = low_watermark + "
                    + MORE_ANSWERS);
            c.commit();
        }
        pair = db;
        return pair;
    }

    /** Whether process {@code pid} has {@code file} open, as its descriptors in /proc say. */
    private static boolean holds(long pid, Path file) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file.toAbsolutePath());
                } catch (java.io.IOException gone) {
                    return false;
                }
            });
        } catch (java.io.IOException | java.io.UncheckedIOException gone) {
            return false;
        }
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
