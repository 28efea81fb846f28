package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.core.McNemar;
import dev.stride.sim.AnswerKey;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride compare} on real SQLite files written by real runs of two "models" against the simulator, which
 * knows the labels of examples/multiple-choice.jsonl and answers them with a known accuracy per model name. What
 * compare says is checked against the answers as stored, read back with {@code stride export} and marked by the
 * test itself.
 */
class CompareCommandTest {
    private static final Path MCQ = Path.of("..", "examples", "multiple-choice.jsonl").toAbsolutePath().normalize();
    private static final String TEMPLATE = "Answer with the letter of the correct choice. {{question}} "
            + "A) {{choices.A}} B) {{choices.B}} C) {{choices.C}} D) {{choices.D}}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FIRST_LETTER = Pattern.compile("\\b([A-D])\\b");

    @TempDir
    Path dir;

    private Simulator sim;
    private Path db;
    private final Cli cli = new Cli();

    @BeforeEach
    void startTheSimulator() throws Exception {
        List<AnswerKey.Question> questions = new ArrayList<>();
        for (String line : Files.readAllLines(MCQ, StandardCharsets.UTF_8)) {
            AnswerKey.fromRecord(line, "question", "answer").ifPresent(questions::add);
        }
        AnswerKey key = new AnswerKey(questions, Map.of("tuned", 0.9, "base", 0.5), 1.0, 42);
        sim = new Simulator(SimulatorSettings.builder().build(), key).start(0);
        db = dir.resolve("runs.db");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private void run(Path input, String model, String... more) {
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db.toString(), "--model", model,
                "--base-url", sim.url(), "--template", TEMPLATE, "--log-every", "0", "--quiet"));
        args.addAll(List.of(more));
        Cli.Result r = cli.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    /** Each record's right or wrong for one run, marked by the test: the first lone letter against the label. */
    private Map<String, Boolean> marks(String run) throws Exception {
        Cli.Result export = cli.run("export", "--db", db.toString(), "--run", run, "--include-input");
        assertThat(export.exitCode()).as(export.all()).isZero();
        Map<String, Boolean> marks = new HashMap<>();
        for (String line : export.out().lines().toList()) {
            JsonNode row = JSON.readTree(line);
            if (!row.path("status").asText().equals("done")) {
                continue;
            }
            Matcher m = FIRST_LETTER.matcher(row.get("output").asText());
            marks.put(row.get("id").asText(), m.find()
                    && m.group(1).equals(row.at("/input/answer").asText()));
        }
        return marks;
    }

    private record Table(long both, long onlyA, long onlyB, long neither) {
    }

    private Table table(String a, String b) throws Exception {
        Map<String, Boolean> ma = marks(a);
        Map<String, Boolean> mb = marks(b);
        long both = 0;
        long onlyA = 0;
        long onlyB = 0;
        long neither = 0;
        for (Map.Entry<String, Boolean> e : ma.entrySet()) {
            Boolean rb = mb.get(e.getKey());
            if (rb == null) {
                continue;
            }
            if (e.getValue() && rb) {
                both++;
            } else if (e.getValue()) {
                onlyA++;
            } else if (rb) {
                onlyB++;
            } else {
                neither++;
            }
        }
        return new Table(both, onlyA, onlyB, neither);
    }

    @Test
    void twoModelsOverTheSameQuestionsAreComparedRecordByRecord() throws Exception {
        run(MCQ, "tuned");
        run(MCQ, "base");
        Table t = table("tuned", "base");
        assertThat(t.both() + t.onlyA() + t.onlyB() + t.neither()).isEqualTo(40);
        assertThat(t.onlyA()).as("the simulator makes the tuned model better").isGreaterThan(t.onlyB());

        Cli.Result text = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice");
        assertThat(text.exitCode()).as(text.all()).isZero();
        assertThat(text.out()).contains("Comparing 'tuned' (A) with 'base' (B) on the 40 records both answered "
                        + "(metric choice, label field 'answer')")
                .contains((t.both() + t.onlyA()) + "/40 right")
                .contains((t.both() + t.onlyB()) + "/40 right")
                .contains("Both right " + t.both() + ", only A right " + t.onlyA() + ", only B right " + t.onlyB()
                        + ", both wrong " + t.neither())
                .doesNotContain("Not compared");

        Cli.Result json = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice", "--json");
        assertThat(json.exitCode()).as(json.all()).isZero();
        JsonNode o = JSON.readTree(json.out());
        assertThat(o.get("compared").asLong()).isEqualTo(40);
        assertThat(o.get("both_right").asLong()).isEqualTo(t.both());
        assertThat(o.get("only_a_right").asLong()).isEqualTo(t.onlyA());
        assertThat(o.get("only_b_right").asLong()).isEqualTo(t.onlyB());
        assertThat(o.get("both_wrong").asLong()).isEqualTo(t.neither());
        assertThat(o.at("/a/accuracy").asDouble()).isCloseTo((t.both() + t.onlyA()) / 40.0, within(1e-9));
        assertThat(o.at("/a/ci_low").asDouble()).isLessThan(o.at("/a/accuracy").asDouble());
        assertThat(o.at("/a/unparsed").asLong()).isZero();
        assertThat(o.get("p_value").asDouble()).isCloseTo(McNemar.exactPValue(t.onlyA(), t.onlyB()), within(1e-12));
        assertThat(text.out()).contains(ComparisonText.pValue(o.get("p_value").asDouble()));
    }

    @Test
    void dashOWritesEveryRecordWhereExactlyOneIsRightWholeAndNothingElse() throws Exception {
        run(MCQ, "tuned");
        run(MCQ, "base");
        Map<String, Boolean> ma = marks("tuned");
        Map<String, Boolean> mb = marks("base");
        Path diff = dir.resolve("diff.jsonl");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice", "-o", diff.toString());

        assertThat(r.exitCode()).as(r.all()).isZero();
        List<String> lines = Files.readAllLines(diff, StandardCharsets.UTF_8);
        List<String> expectedIds = ma.keySet().stream().filter(id -> !ma.get(id).equals(mb.get(id))).sorted().toList();
        assertThat(lines).hasSize(expectedIds.size()).isNotEmpty();
        assertThat(r.out()).contains("Wrote the " + expectedIds.size() + " records where exactly one is right to "
                + diff);
        List<String> ids = new ArrayList<>();
        for (String line : lines) {
            JsonNode d = JSON.readTree(line);
            String id = d.get("id").asText();
            ids.add(id);
            assertThat(d.get("correct_a").asBoolean()).isEqualTo(ma.get(id));
            assertThat(d.get("correct_b").asBoolean()).isEqualTo(mb.get(id));
            assertThat(d.get("label").asText()).isEqualTo(d.at("/input/answer").asText()).matches("[A-D]");
            assertThat(d.at("/input/id").asText()).isEqualTo(id);
            assertThat(d.get("answer_a").asText()).isNotBlank();
            assertThat(d.get("answer_b").asText()).isNotBlank();
        }
        assertThat(ids).isSorted().containsExactlyElementsOf(expectedIds); // input order, which is id order here
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    @Test
    void runsScoredAsTheyRanAreComparedByTheLabelFieldAndMetricTheyWereScoredWith() throws Exception {
        run(MCQ, "tuned", "--label-field", "answer", "--metric", "choice");
        run(MCQ, "base", "--label-field", "answer", "--metric", "choice");
        Table t = table("tuned", "base");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("on the 40 records both answered (metric choice, label field 'answer')")
                .contains("Both right " + t.both() + ", only A right " + t.onlyA() + ", only B right " + t.onlyB()
                        + ", both wrong " + t.neither());
        Cli.Result other = cli.run("compare", "--db", db.toString(), "tuned", "base", "--metric", "exact");
        assertThat(other.exitCode()).as(other.all()).isZero();
        assertThat(other.out()).contains("(metric exact, label field 'answer')");
    }

    @Test
    void runsScoredWithDifferentMetricsAreNamedAsSuchAndTheirSharedLabelFieldIsTaken() throws Exception {
        run(MCQ, "tuned");
        run(MCQ, "base");
        score("tuned", "exact");
        score("base", "choice");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.err().strip()).contains("different metrics").contains("'tuned': exact")
                .contains("'base': choice").contains("--metric").doesNotContain("not both scored")
                .doesNotContain("\n");
        Cli.Result chosen = cli.run("compare", "--db", db.toString(), "tuned", "base", "--metric", "choice");
        assertThat(chosen.exitCode()).as(chosen.all()).isZero();
        assertThat(chosen.out()).contains("(metric choice, label field 'answer')");
    }

    @Test
    void runsScoredAgainstDifferentLabelFieldsAreNamedAsSuchNotAsUnscored() throws Exception {
        run(MCQ, "tuned");
        run(MCQ, "base");
        score("tuned", "exact");
        Cli.Result other = cli.run("score", "--db", db.toString(), "--run", "base", "--label-field", "question");
        assertThat(other.exitCode()).as(other.all()).isZero();

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.err().strip()).contains("different label fields").contains("'tuned': answer")
                .contains("'base': question").contains("--label-field").doesNotContain("not both scored")
                .doesNotContain("\n");
        run(MCQ, "unscored");
        Cli.Result oneScored = cli.run("compare", "--db", db.toString(), "tuned", "unscored");
        assertThat(oneScored.exitCode()).as(oneScored.all()).isEqualTo(2);
        // The run not scored is named, with the command that scores it as the other was scored.
        assertThat(oneScored.err().strip()).as("one run not scored at all").isEqualTo("stride: run 'unscored' was not"
                + " scored, so there is no label field and metric to compare by: score it first (stride score --db "
                + db + " --run unscored --label-field answer --metric exact), or give both here with --label-field"
                + " answer --metric exact");
        run(MCQ, "unscored2");
        Cli.Result neither = cli.run("compare", "--db", db.toString(), "unscored2", "unscored");
        assertThat(neither.exitCode()).as(neither.all()).isEqualTo(2);
        assertThat(neither.err().strip()).startsWith("stride: runs 'unscored2' and 'unscored' were not scored")
                .contains("(stride score --db " + db + " --run unscored2 --label-field FIELD --metric M; stride score"
                        + " --db " + db + " --run unscored --label-field FIELD --metric M)");
        Cli.Result chosen = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "exact");
        assertThat(chosen.exitCode()).as(chosen.all()).isZero();
        assertThat(chosen.out()).contains("(metric exact, label field 'answer')");
    }

    @Test
    void runsBothScoredWithTwoMetricsAreRefusedUntilOneIsNamed() throws Exception {
        run(MCQ, "tuned", "--label-field", "answer", "--metric", "choice");
        run(MCQ, "base", "--label-field", "answer", "--metric", "choice");
        score("tuned", "contains");
        score("base", "contains");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.err().strip()).contains("more than one metric").contains("choice, contains")
                .contains("--metric").doesNotContain("\n");
        Cli.Result chosen = cli.run("compare", "--db", db.toString(), "tuned", "base", "--metric", "contains");
        assertThat(chosen.exitCode()).as(chosen.all()).isZero();
        assertThat(chosen.out()).contains("(metric contains, label field 'answer')");
    }

    private void score(String run, String metric) {
        Cli.Result r = cli.run("score", "--db", db.toString(), "--run", run, "--label-field", "answer", "--metric",
                metric);
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    @Test
    void recordsOnlyOneRunAnsweredOrWithoutALabelAreCountedApartAndNamed() throws Exception {
        run(MCQ, "tuned");
        // B is asked only the first 25 questions, and three of them lose their label.
        List<String> lines = Files.readAllLines(MCQ, StandardCharsets.UTF_8).subList(0, 25);
        List<String> edited = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            edited.add(i < 3 ? lines.get(i).replaceAll(", \"answer\": \"[A-D]\"", "") : lines.get(i));
        }
        Path part = dir.resolve("part.jsonl");
        Files.write(part, edited, StandardCharsets.UTF_8);
        run(part, "base", "--run", "base");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("on the 22 records both answered")
                .contains("Not compared: 15 records answered only by 'tuned' (mcq-026, mcq-027, mcq-028, mcq-029,"
                        + " mcq-030, \u2026), 0 only by 'base' (pending")
                .contains("Not compared: 3 records with no label in the field 'answer' (missing, null or blank: mcq-001,"
                        + " mcq-002, mcq-003)");
        Cli.Result swapped = cli.run("compare", "--db", db.toString(), "base", "tuned", "--label-field", "answer",
                "--metric", "choice");
        assertThat(swapped.out()).contains("Not compared: 0 records answered only by 'base', 15 only by 'tuned'"
                + " (mcq-026, mcq-027, mcq-028, mcq-029, mcq-030, \u2026) (pending");
        Cli.Result json = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice", "--json");
        assertThat(json.exitCode()).as(json.all()).isZero();
        JsonNode o = JSON.readTree(json.out());
        assertThat(o.get("answered_only_by_a_ids").toString())
                .isEqualTo("[\"mcq-026\",\"mcq-027\",\"mcq-028\",\"mcq-029\",\"mcq-030\"]");
        assertThat(o.get("answered_only_by_b_ids").size()).isZero();
    }

    /**
     * Two runs from inputs that disagree on some labels: held each to its own, the same answer would be right for one
     * and wrong for the other. Those records are left out of the comparison, counted and named.
     */
    @Test
    void recordsWhoseLabelsDifferBetweenTheRunsAreLeftOutAndNamed() throws Exception {
        run(MCQ, "tuned");
        List<String> lines = new ArrayList<>(Files.readAllLines(MCQ, StandardCharsets.UTF_8));
        for (int i : new int[] {3, 4}) {
            String line = lines.get(i);
            String label = line.replaceAll(".*\"answer\": \"([A-D])\".*", "$1");
            String other = label.equals("A") ? "B" : "A";
            lines.set(i, line.replace("\"answer\": \"" + label + "\"", "\"answer\": \"" + other + "\""));
        }
        // The same label with blanks around it is the same label to choice: compared, not left out.
        lines.set(6, lines.get(6).replaceAll("\"answer\": \"([A-D])\"", "\"answer\": \" $1 \""));
        Path relabelled = dir.resolve("relabelled.jsonl");
        Files.write(relabelled, lines, StandardCharsets.UTF_8);
        run(relabelled, "base", "--run", "base");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("on the " + (lines.size() - 2) + " records both answered")
                .contains("Not compared: 2 records whose label in 'answer' differs between the two runs' inputs"
                        + " (mcq-004, mcq-005): held each to its own, the same answer would be right for one and"
                        + " wrong for the other");
        JsonNode o = JSON.readTree(cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field",
                "answer", "--metric", "choice", "--json").out());
        assertThat(o.get("labels_differ").asLong()).isEqualTo(2);
        assertThat(o.get("compared").asLong()).isEqualTo(lines.size() - 2);
    }

    @Test
    void oneRecordLeftOutIsOneRecord() throws Exception {
        run(MCQ, "tuned");
        // B is asked all but the last question, and the first loses its label.
        List<String> lines = Files.readAllLines(MCQ, StandardCharsets.UTF_8);
        List<String> edited = new ArrayList<>(lines.subList(0, lines.size() - 1));
        edited.set(0, edited.get(0).replaceAll(", \"answer\": \"[A-D]\"", ""));
        Path part = dir.resolve("part.jsonl");
        Files.write(part, edited, StandardCharsets.UTF_8);
        run(part, "base", "--run", "base");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Not compared: 1 record answered only by 'tuned' (mcq-040), 0 only by 'base'")
                .contains("Not compared: 1 record with no label in the field 'answer' (missing, null or blank: mcq-001)");
    }

    @Test
    void oneRecordComparedIsOneRecord() throws Exception {
        Path one = dir.resolve("one.jsonl");
        Files.writeString(one, Files.readAllLines(MCQ, StandardCharsets.UTF_8).get(0) + "\n");
        run(one, "tuned");
        run(one, "base");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "choice");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("on the 1 record both answered")
                .containsPattern("from the [01] records? only one of them got right")
                .doesNotContain("1 records");
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        run(MCQ, "tuned");
        run(MCQ, "base");
        Cli.Result unknownRun = cli.run("compare", "--db", db.toString(), "tuned", "nope", "--label-field", "answer");
        assertThat(unknownRun.exitCode()).isEqualTo(2);
        assertThat(unknownRun.err().strip()).contains("has no run 'nope'").contains("'tuned'").contains("'base'")
                .doesNotContain("\n").doesNotContain("Exception");

        Cli.Result metric = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--metric", "fuzzy");
        assertThat(metric.exitCode()).isEqualTo(2);
        assertThat(metric.err().strip()).contains("fuzzy").contains("choice").doesNotContain("\n");

        Cli.Result regex = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "--extract", "([A-D");
        assertThat(regex.exitCode()).isEqualTo(2);
        assertThat(regex.err().strip()).contains("([A-D").doesNotContain("\n");

        Cli.Result noField = cli.run("compare", "--db", db.toString(), "tuned", "base");
        assertThat(noField.exitCode()).isEqualTo(2);
        assertThat(noField.err()).contains("--label-field");

        Cli.Result wrongField = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "label");
        assertThat(wrongField.exitCode()).isEqualTo(2);
        assertThat(wrongField.err().strip()).contains("none of the 40 records").contains("'label'")
                .contains("mcq-001").doesNotContain("\n");
    }

    @Test
    void runsWithNoAnsweredRecordInCommonAreRefusedAndNoFileIsWritten() throws Exception {
        run(MCQ, "tuned");
        Path other = dir.resolve("other.jsonl");
        Files.writeString(other, "{\"id\": \"x-1\", \"question\": \"Is this in the key?\", \"answer\": \"A\","
                + " \"choices\": {\"A\": \"yes\", \"B\": \"no\", \"C\": \"maybe\", \"D\": \"never\"}}\n");
        run(other, "base");
        Path diff = dir.resolve("diff.jsonl");

        Cli.Result r = cli.run("compare", "--db", db.toString(), "tuned", "base", "--label-field", "answer",
                "-o", diff.toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).contains("no answered record in common").contains("40 answered by 'tuned'")
                .contains("1 by 'base'").doesNotContain("\n");
        assertThat(diff).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }
}
