package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.PostgresServer;
import dev.stride.sim.AnswerKey;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code stride compare} on a real throwaway PostgreSQL cluster says what it says on SQLite, for the same two runs
 * scored as they ran, and writes the same differences.
 */
class ComparePostgresTest {
    private static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    private static final String TEMPLATE = "Answer with the letter of the correct choice. {{question}} "
            + "A) {{choices.A}} B) {{choices.B}} C) {{choices.C}} D) {{choices.D}}";
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    private final Cli cli = new Cli();

    @Test
    void theSameRunsCompareAlikeOnPostgresqlAndSqlite() throws Exception {
        List<AnswerKey.Question> questions = new ArrayList<>();
        for (String line : Files.readAllLines(MCQ, StandardCharsets.UTF_8)) {
            AnswerKey.fromRecord(line, "question", "answer").ifPresent(questions::add);
        }
        String server = PG.url();
        String file = dir.resolve("runs.db").toString();
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build(),
                new AnswerKey(questions, Map.of("tuned", 0.9, "base", 0.5), 1.0, 42)).start(0)) {
            for (String db : List.of(server, file)) {
                for (String model : List.of("tuned", "base")) {
                    Cli.Result r = cli.run("run", MCQ.toString(), "--db", db, "--model", model, "--base-url",
                            sim.url(), "--template", TEMPLATE, "--label-field", "answer", "--metric", "choice",
                            "--quiet");
                    assertThat(r.exitCode()).as(r.all()).isZero();
                }
            }
        }
        Path pgDiff = dir.resolve("pg.jsonl");
        Path sqliteDiff = dir.resolve("sqlite.jsonl");

        Cli.Result onPostgres = cli.run("compare", "--db", server, "tuned", "base", "-o", pgDiff.toString());
        Cli.Result onSqlite = cli.run("compare", "--db", file, "tuned", "base", "-o", sqliteDiff.toString());

        assertThat(onPostgres.exitCode()).as(onPostgres.all()).isZero();
        assertThat(onSqlite.exitCode()).as(onSqlite.all()).isZero();
        assertThat(onPostgres.out()).contains("on the 40 records both answered (metric choice, label field 'answer')")
                .isEqualTo(onSqlite.out().replace(sqliteDiff.toString(), pgDiff.toString()));
        assertThat(Files.readAllLines(pgDiff)).isNotEmpty().isEqualTo(Files.readAllLines(sqliteDiff));
        Cli.Result unknown = cli.run("compare", "--db", server, "tuned", "nope");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("has no run 'nope'").contains("'tuned', 'base'");
    }
}
