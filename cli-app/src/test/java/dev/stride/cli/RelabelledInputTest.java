package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rerun whose input changed records only in fields the request does not use (a corrected label) keeps their answers
 * and sends nothing for them; the stored records, the export and the accuracy take the new labels. A change the
 * template sees is still redone. Run against a real simulator counting the requests it served; on PostgreSQL by
 * {@link ScorePostgresTest}.
 */
class RelabelledInputTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aCorrectedLabelKeepsItsAnswerAndTheAccuracyFollowsIt() throws Exception {
        Path db = dir.resolve("runs.db");
        correctedLabelsKeepTheirAnswers(dir, db.toString(), sql -> Datasets.query(db, sql).stream()
                .map(row -> String.valueOf(row.values().iterator().next())).toList());
    }

    /** A reader of the first column of a query's rows, as text, from the database under test. */
    interface Rows {
        List<String> of(String sql) throws Exception;
    }

    /**
     * Eight records labelled C, template {@code {{guess}}} (the simulator echoes it): six guess C, q6 and q7 guess
     * (B). Run scored live (6 of 8); then q6's label corrected to B and rerun, the same command; then all labels
     * turned to B (most answers' records changed: the guard would refuse them as edits); then a guess edited.
     */
    static void correctedLabelsKeepTheirAnswers(Path dir, String db, Rows rows) throws Exception {
        Path input = dir.resolve("q.jsonl");
        Function<Integer, String> guess = i -> i >= 6 ? "(B)" : "The answer is C";
        write(input, i -> guess.apply(i), i -> "C");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            Supplier<Cli.Result> run = () -> EN.run("run", input.toString(), "--db", db, "--model", "m",
                    "--run", "m", "--base-url", sim.url(), "--template", "{{guess}}", "--log-every", "0",
                    "--label-field", "answer", "--metric", "choice");
            Cli.Result first = run.get();
            assertThat(first.exitCode()).as(first.all()).isZero();
            assertThat(first.out()).contains("accuracy 75.0% (n=8)");
            assertThat(sim.stats().requests()).isEqualTo(8);

            // q6's label corrected: its guess (B) is now right. Its request is the one sent before.
            write(input, i -> guess.apply(i), i -> i == 6 ? "B" : "C");
            Cli.Result relabelled = run.get();
            assertThat(relabelled.exitCode()).as(relabelled.all()).isZero();
            assertThat(relabelled.out()).contains("Input changed since the last session: 0 added, 0 edited (redone),"
                    + " 0 removed, 1 edited in fields the request does not use: answers kept (kept q6)")
                    .contains("Nothing left to send for 'm': 8/8 done")
                    .contains("accuracy 87.5% (n=8)");
            assertThat(sim.stats().requests()).as("nothing sent again").isEqualTo(8);
            assertThat(rows.of("SELECT input FROM results WHERE id = 'q6'")).singleElement().asString()
                    .contains("\"answer\":\"B\"");
            assertThat(rows.of("SELECT output FROM results WHERE id = 'q6'")).singleElement().asString()
                    .contains("(B)");
            assertThat(rows.of("SELECT label || ',' || score FROM results WHERE id = 'q6'"))
                    .containsExactly("B,1");
            assertThat(rows.of("SELECT scored || ',' || correct FROM scoreboard")).containsExactly("8,7");
            Cli.Result status = EN.run("status", "--db", db);
            assertThat(status.out()).as(status.all()).contains("87.5%");
            Cli.Result score = EN.run("score", "--db", db, "--json");
            assertThat(score.exitCode()).as(score.all()).isZero();
            JsonNode s = JSON.readTree(score.out());
            assertThat(s.get("newly_scored").asLong()).as("the run scored the kept answer again").isZero();
            assertThat(s.get("correct").asLong()).isEqualTo(7);
            Cli.Result export = EN.run("export", "--db", db, "--run", "m", "--include-input");
            assertThat(export.exitCode()).as(export.all()).isZero();
            JsonNode q6 = JSON.readTree(export.out().lines().filter(l -> l.contains("\"q6\"")).findFirst()
                    .orElseThrow());
            assertThat(q6.path("input").path("answer").asText()).isEqualTo("B");
            assertThat(q6.path("status").asText()).isEqualTo("done");

            // Every label turned to B: a whole eval set corrected. All eight answers stay, no --drop-answers asked.
            write(input, i -> guess.apply(i), i -> "B");
            Cli.Result all = run.get();
            assertThat(all.exitCode()).as(all.all()).isZero();
            assertThat(all.out()).contains("0 edited (redone), 0 removed, 7 edited in fields the request does not"
                    + " use: answers kept (kept q0, q1, q2, q3, q4, …)").contains("accuracy 25.0% (n=8)");
            assertThat(sim.stats().requests()).isEqualTo(8);

            // A guess edited: the template sends it, so that record is asked again.
            write(input, i -> i == 0 ? "(B)" : guess.apply(i), i -> "B");
            Cli.Result edited = run.get();
            assertThat(edited.exitCode()).as(edited.all()).isZero();
            assertThat(edited.out()).contains("Input changed since the last session: 0 added, 1 edited (redone),"
                    + " 0 removed (edited q0)").contains("accuracy 37.5% (n=8)");
            assertThat(sim.stats().requests()).isEqualTo(9);
        }
    }

    /** q0..q7, each with its guess and its label. */
    private static void write(Path input, Function<Integer, String> guess, Function<Integer, String> label)
            throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"id\":\"q" + i + "\",\"guess\":\"" + guess.apply(i) + "\",\"answer\":\"" + label.apply(i)
                    + "\"}");
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
    }
}
