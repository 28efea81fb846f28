package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.AnswerKey;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output path that reaches the database a command reads (or its -wal, -shm, -journal), however it is spelled, is
 * refused before anything is written: export -o runs.db used to replace the database with exit 0. So is one in a
 * folder that is not there (report made the folder). The database is a
 * real one, two finished runs against the simulator, and is checked byte for byte and read back afterwards.
 */
class OutputIsTheDatabaseTest {
    private static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    private static final String TEMPLATE = "Answer with the letter of the correct choice. {{question}} "
            + "A) {{choices.A}} B) {{choices.B}} C) {{choices.C}} D) {{choices.D}}";

    @TempDir
    Path dir;

    private Simulator sim;
    private Path db;
    private byte[] before;
    private final Cli cli = new Cli();

    @BeforeEach
    void twoFinishedRuns() throws Exception {
        List<AnswerKey.Question> questions = new ArrayList<>();
        for (String line : Files.readAllLines(MCQ, StandardCharsets.UTF_8)) {
            AnswerKey.fromRecord(line, "question", "answer").ifPresent(questions::add);
        }
        sim = new Simulator(SimulatorSettings.builder().build(),
                new AnswerKey(questions, Map.of("tuned", 0.9, "base", 0.5), 1.0, 42)).start(0);
        db = dir.resolve("runs.db");
        for (String model : List.of("tuned", "base")) {
            Cli.Result r = cli.run("run", MCQ.toString(), "--db", db.toString(), "--model", model, "--base-url",
                    sim.url(), "--template", TEMPLATE, "--log-every", "0", "--quiet");
            assertThat(r.exitCode()).as(r.all()).isZero();
        }
        before = Files.readAllBytes(db);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** Every way of writing over the database that the commands below are tried with. */
    private List<Path> theDatabaseSpelledOtherwise() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link.db"), db.getFileName());
        Files.createDirectories(dir.resolve("sub"));
        return List.of(db, dir.resolve(".").resolve("runs.db"), dir.resolve("sub").resolve("..").resolve("runs.db"),
                link);
    }

    private void assertRefused(Cli.Result r, Path output, String what) throws Exception {
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("stride: cannot write " + output + ": " + what
                + "; choose another output path\n");
        assertThat(Files.readAllBytes(db)).as("the database, byte for byte").isEqualTo(before);
        assertThat(Datasets.count(db, "SELECT COUNT(*) FROM runs")).isEqualTo(2);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".part"));
        }
    }

    private String itself() {
        return "it is the database " + db + " itself, and writing it would replace every run in it";
    }

    @Test
    void exportAsJsonlOrParquetRefusesTheDatabaseHoweverItIsSpelled() throws Exception {
        for (Path output : theDatabaseSpelledOtherwise()) {
            assertRefused(cli.run("export", "--db", db.toString(), "--run", "tuned", "-o", output.toString()),
                    output, itself());
            assertRefused(cli.run("export", "--db", db.toString(), "--run", "tuned", "--format", "parquet", "-o",
                    output.toString()), output, itself());
        }
        // and the path given to --db may be the other spelling
        Path link = dir.resolve("link.db");
        assertRefused(cli.run("export", "--db", link.toString(), "--run", "tuned", "-o", db.toString()), db,
                "it is the database " + link + " itself, and writing it would replace every run in it");
    }

    @Test
    void exportRefusesTheDatabasesSideFilesWhetherOrNotTheyExist() throws Exception {
        for (String suffix : List.of("-wal", "-shm", "-journal")) {
            Path side = dir.resolve("runs.db" + suffix);
            assertRefused(cli.run("export", "--db", db.toString(), "--run", "tuned", "-o", side.toString()), side,
                    "it is the " + suffix + " file of the database " + db + ", and writing it would damage the"
                            + " database");
            assertThat(side).doesNotExist();
        }
    }

    @Test
    void reportRefusesTheDatabaseHoweverItIsSpelled() throws Exception {
        for (Path output : theDatabaseSpelledOtherwise()) {
            assertRefused(cli.run("report", "--db", db.toString(), "-o", output.toString()), output, itself());
        }
    }

    @Test
    void compareRefusesTheDatabaseHoweverItIsSpelled() throws Exception {
        for (Path output : theDatabaseSpelledOtherwise()) {
            assertRefused(cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer", "-o",
                    output.toString()), output, itself());
        }
    }

    @Test
    void snapshotRefusesASideFileOfTheDatabaseThatDoesNotExistYet() throws Exception {
        Path journal = dir.resolve("runs.db-journal");
        assertRefused(cli.run("snapshot", "--db", db.toString(), journal.toString()), journal,
                "it is the -journal file of the database " + db + ", and writing it would damage the database");
        assertThat(journal).doesNotExist();
    }

    @Test
    void aFolderThatIsNotThereIsRefusedAlikeByExportReportAndCompareAndNotMade() throws Exception {
        Path output = dir.resolve("nodir").resolve("out");
        for (List<String> command : List.of(List.of("export", "--run", "tuned"), List.of("report"),
                List.of("compare", "tuned", "base", "--label-field", "answer"))) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--db", db.toString(), "-o", output.toString()));
            Cli.Result r = cli.run(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
            assertThat(r.err()).as(command.get(0)).isEqualTo("stride: cannot write " + output + ": folder "
                    + output.getParent() + " does not exist; create it or name another file\n");
            assertThat(r.out()).isEmpty();
            assertThat(output.getParent()).as(command.get(0)).doesNotExist();
        }
    }

    /**
     * {@code cp runs.db victim.db; export -o victim.db} replaced victim.db's runs with JSON lines, exit 0. Any SQLite
     * database, by its header, and the -wal, -shm and -journal names beside one, are refused by every command that
     * writes -o, left as they were; an earlier export (of any format) is replaced as before.
     */
    @Test
    void anotherDatabaseOrItsSideFilesAreRefusedAndLeftAsTheyWere() throws Exception {
        Path victim = Files.copy(db, dir.resolve("victim.db"));
        Path renamed = Files.copy(db, dir.resolve("old-runs.jsonl")); // a database whatever its name
        byte[] copied = Files.readAllBytes(victim);
        String replace = ", and writing it would replace everything in it; choose another -o, or delete it yourself"
                + " first if it is no longer needed\n";
        for (Path other : List.of(victim, renamed)) {
            for (List<String> command : List.of(List.of("export", "--run", "tuned"), List.of("export", "--run",
                    "tuned", "--format", "parquet"), List.of("report"), List.of("compare", "tuned", "base",
                    "--label-field", "answer"))) {
                List<String> args = new ArrayList<>(command);
                args.addAll(List.of("--db", db.toString(), "-o", other.toString()));
                Cli.Result r = cli.run(args.toArray(String[]::new));
                assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
                assertThat(r.err()).as(command.toString()).isEqualTo("stride: cannot write " + other
                        + ": it is a SQLite database (another stride database?)" + replace);
                assertThat(Files.readAllBytes(other)).isEqualTo(copied);
            }
        }
        for (String suffix : List.of("-wal", "-shm", "-journal")) {
            Path side = dir.resolve("victim.db" + suffix);
            Cli.Result r = cli.run("export", "--db", db.toString(), "--run", "tuned", "-o", side.toString());
            assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
            assertThat(r.err()).isEqualTo("stride: cannot write " + side + ": it is the " + suffix + " file of the"
                    + " SQLite database " + victim + ", and writing it would damage that database; choose another -o,"
                    + " or delete the database yourself first if it is no longer needed\n");
            assertThat(side).doesNotExist();
        }
        // A link by another name that leads to one: where it leads is what would be written.
        Path link = Files.createSymbolicLink(dir.resolve("answers.jsonl"), dir.resolve("victim.db-wal"));
        Cli.Result linked = cli.run("export", "--db", db.toString(), "--run", "tuned", "-o", link.toString());
        assertThat(linked.exitCode()).as(linked.all()).isEqualTo(2);
        assertThat(linked.err()).contains("it is the -wal file of the SQLite database ");
        assertThat(dir.resolve("victim.db-wal")).doesNotExist();
        Files.delete(link);
        Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("victim.db-journal"));
        assertThat(cli.run("export", "--db", db.toString(), "--run", "tuned", "-o", relative.toString()).err())
                .as("the database named as the output is").contains("of the SQLite database "
                        + relative.resolveSibling("victim.db") + ", ");
        assertThat(Datasets.count(victim, "SELECT COUNT(*) FROM runs")).isEqualTo(2);

        for (String name : List.of("again.jsonl", "again.csv", "again.parquet")) {
            Path earlier = dir.resolve(name);
            for (int i = 0; i < 2; i++) {
                Cli.Result r = cli.run("export", "--db", db.toString(), "--run", "tuned", "-o", earlier.toString());
                assertThat(r.exitCode()).as(r.all()).isZero();
            }
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".part"));
        }
    }

    @Test
    void anotherFileBesideTheDatabaseIsWritten() throws Exception {
        Path out = dir.resolve("runs.db.jsonl");
        Cli.Result r = cli.run("export", "--db", db.toString(), "--run", "tuned", "-o", out.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(Files.readAllLines(out)).isNotEmpty();
    }
}
