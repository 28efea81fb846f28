package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * {@code -o -} of {@code compare} and {@code report} is standard output, as export's is: they used to write a file
 * named "-" in the working folder and say so with exit 0. The database is a real one, two finished runs of two
 * "models" against the simulator; what standard output holds is checked against what {@code -o FILE} writes.
 */
class DashOIsStandardOutputTest {
    private static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    private static final String TEMPLATE = "Answer with the letter of the correct choice. {{question}} "
            + "A) {{choices.A}} B) {{choices.B}} C) {{choices.C}} D) {{choices.D}}";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where a file named "-" would appear: the tests' working folder. */
    private static final Path DASH = Path.of("-").toAbsolutePath();

    @TempDir
    Path dir;

    private Simulator sim;
    private Path db;
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
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private void assertNoFileNamedDash() throws Exception {
        assertThat(DASH).doesNotExist();
        assertThat(dir.resolve("-")).doesNotExist();
    }

    @Test
    void compareWritesTheDifferencesToStandardOutputAndTheSummaryToStandardError() throws Exception {
        Path diff = dir.resolve("diff.jsonl");
        String[] compare = {"compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer", "--metric",
            "choice", "-o"};
        Cli.Result toFile = cli.run(Stream.concat(Stream.of(compare), Stream.of(diff.toString()))
                .toArray(String[]::new));
        assertThat(toFile.exitCode()).as(toFile.all()).isZero();

        Cli.Result r = cli.run(Stream.concat(Stream.of(compare), Stream.of("-")).toArray(String[]::new));

        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String> lines = Files.readAllLines(diff, StandardCharsets.UTF_8);
        assertThat(lines).isNotEmpty();
        assertThat(r.out().lines().toList()).containsExactlyElementsOf(lines);
        assertThat(r.err()).contains("Comparing 'tuned' (A) with 'base' (B) on the 40 records both answered")
                .contains("McNemar exact test").doesNotContain("Wrote");
        assertNoFileNamedDash();

        Cli.Result json = cli.run(Stream.concat(Stream.of(compare), Stream.of("-", "--json"))
                .toArray(String[]::new));
        assertThat(json.exitCode()).as(json.all()).isZero();
        assertThat(json.out().lines().toList()).containsExactlyElementsOf(lines);
        JsonNode summary = JSON.readTree(json.err());
        assertThat(summary.get("compared").asLong()).isEqualTo(40);
        assertThat(summary.get("differences_written").asLong()).isEqualTo(lines.size());
        assertNoFileNamedDash();
    }

    @Test
    void reportWritesItsHtmlToStandardOutputAlone() throws Exception {
        Cli.Result r = cli.run("report", "--db", db.toString(), "-o", "-");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).startsWith("<!doctype html>").contains("\"tuned\"").contains("\"base\"")
                .doesNotContain("Wrote");
        assertThat(r.out().strip()).endsWith("</html>");
        assertThat(r.err()).isEmpty();
        assertNoFileNamedDash();

        Path html = dir.resolve("report.html");
        Cli.Result one = cli.run("report", "--db", db.toString(), "--run", "tuned", "-o", html.toString());
        assertThat(one.exitCode()).as(one.all()).isZero();
        assertThat(one.out()).isEqualTo("Wrote " + html + " (1 run); it opens offline in any browser.\n");
    }
}
