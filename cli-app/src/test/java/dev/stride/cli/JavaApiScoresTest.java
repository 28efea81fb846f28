package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.core.InputRecord;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.Prediction;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java API scores a run as {@code stride run} does: a run that keeps a way of scoring (V16) is scored as its
 * answers arrive whatever resumes it, and {@link RunOptions#withScoring} asks it of a new run, refused with the command
 * line's own words. Each scoreboard is held against a fresh {@code stride score --again} of a copy of the database.
 * The simulator echoes the template {@code {{guess}}}: q3, q7, ... say (B), the others C, so 15 of 20 are right.
 */
class JavaApiScoresTest {
    private static final String SCOREBOARD = "SELECT metric, label_field, scored, correct, unparsed FROM scoreboard";

    @TempDir
    Path dir;

    private final Cli cli = new Cli();

    /** q0..q{n-1}, all labelled C; every fourth guess is (B), the others say C their own way. */
    private Path questions(int n) throws Exception {
        List<String> right = List.of("The answer is C", "答案：C", "**C**");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String guess = i % 4 == 3 ? "(B)" : right.get(i % 4);
            s.append("{\"id\":\"q").append(i).append("\",\"guess\":\"").append(guess)
                    .append("\",\"answer\":\"C\"}\n");
        }
        return Files.writeString(dir.resolve("q.jsonl"), s, StandardCharsets.UTF_8);
    }

    /** {@code stride run --run part --label-field answer --metric choice} left part-way, finished from Java. */
    @Test
    void aRunTheCommandLineScoredIsScoredAsItsJavaResumeAnswers() throws Exception {
        Path db = dir.resolve("runs.db");
        // Half the requests fail and none is tried again: the run stops part-way, its answers scored.
        try (Simulator failing = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).serverError(0.5)
                .build()).start(0)) {
            Cli.Result first = cli.run("run", questions(20).toString(), "--db", db.toString(), "--model", "base",
                    "--run", "part", "--base-url", failing.url(), "--template", "{{guess}}", "--concurrency", "1",
                    "--retries", "0", "--log-every", "0", "--label-field", "answer", "--metric", "choice");
            assertThat(first.exitCode()).as(first.all()).isEqualTo(3);
        }
        long doneBefore = count(db, "SELECT done FROM progress");
        assertThat(doneBefore).isLessThan(20);
        // As a session killed before it stored its last scores leaves them: answers without one.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("DELETE FROM scores WHERE record_id <> (SELECT min(record_id) FROM scores)");
        }

        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
             CheckpointManager checkpoints = CheckpointManager.open(db)) {
            RunOutcome outcome = checkpoints.resume("part", RunOptions.of("base", sim.url()).withRetryFailed(true));
            assertThat(outcome.state()).isEqualTo(RunState.DONE);
            assertThat(outcome.cursor().done()).isEqualTo(20);
        }

        assertThat(query(db, SCOREBOARD)).containsExactly(Map.of("metric", "choice", "label_field", "answer",
                "scored", 20, "correct", 15, "unparsed", 0));
        assertThat(query(db, SCOREBOARD)).isEqualTo(query(scoredAfresh(db), SCOREBOARD));
    }

    /**
     * A run a program starts with {@code withScoring} is scored as it answers; stopped part-way and resumed with the
     * bare options (model and server), it goes on scoring the way it keeps, to the end.
     */
    @Test
    void aJavaRunToldToScoreIsScoredLiveAndItsBareResumeGoesOnScoringIt() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(20);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(5)).build())
                .start(0)) {
            try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
                AtomicInteger answered = new AtomicInteger();
                RunOutcome stopped = checkpoints.run(input, RunOptions.of("base", sim.url()).withRun("part")
                        .withTemplate("{{guess}}").withConcurrency(1).withScoring("answer", "choice"),
                        new RunListener() {
                            @Override
                            public void recordDone(InputRecord record, Prediction prediction) {
                                if (answered.incrementAndGet() == 6) {
                                    checkpoints.requestStop();
                                }
                            }
                        });
                assertThat(stopped.state()).isEqualTo(RunState.INTERRUPTED);
            }
            long done = count(db, "SELECT done FROM progress");
            assertThat(done).isBetween(6L, 19L);
            // Every answer of the stopped session has its score, and the run keeps the way it was told.
            assertThat(count(db, "SELECT scored FROM scoreboard")).isEqualTo(done);
            assertThat(query(db, "SELECT scoring_metric, scoring_label_field FROM runs"))
                    .containsExactly(Map.of("scoring_metric", "choice", "scoring_label_field", "answer"));

            try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
                RunOutcome outcome = checkpoints.resume("part", RunOptions.of("base", sim.url()));
                assertThat(outcome.state()).isEqualTo(RunState.DONE);
                assertThat(outcome.cursor().done()).isEqualTo(20);
            }
        }
        assertThat(query(db, SCOREBOARD)).containsExactly(Map.of("metric", "choice", "label_field", "answer",
                "scored", 20, "correct", 15, "unparsed", 0));
        assertThat(query(db, SCOREBOARD)).isEqualTo(query(scoredAfresh(db), SCOREBOARD));
    }

    /** {@code withScoring} is checked as {@code stride run} checks its options, in its words; nothing is stored. */
    @Test
    void scoringOptionsTheCommandLineRefusesAreRefusedInItsWords() throws Exception {
        Path input = questions(4);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            assertSameRefusal(input, sim, null, "choice", List.of("--metric", "choice"));
            assertSameRefusal(input, sim, "answer", "bleu", List.of("--label-field", "answer", "--metric", "bleu"));
            assertSameRefusal(input, sim, "answer", "regex", List.of("--label-field", "answer", "--metric", "regex"));
            assertSameRefusal(input, sim, "label", null, List.of("--label-field", "label"));
        }
    }

    private void assertSameRefusal(Path input, Simulator sim, String labelField, String metric, List<String> options)
            throws Exception {
        Path javaDb = dir.resolve("java.db");
        Path cliDb = dir.resolve("cli.db");
        String refusal;
        try (CheckpointManager checkpoints = CheckpointManager.open(javaDb)) {
            refusal = catchRefusal(() -> checkpoints.run(input, RunOptions.of("base", sim.url())
                    .withTemplate("{{guess}}").withScoring(labelField, metric)));
            assertThat(checkpoints.checkpoints()).isEmpty();
        }
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", cliDb.toString(),
                "--model", "base", "--base-url", sim.url(), "--template", "{{guess}}"));
        args.addAll(options);
        Cli.Result r = cli.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("stride: " + refusal);
        assertThat(javaDb).doesNotExist();
        assertThat(cliDb).doesNotExist();
    }

    private static String catchRefusal(Runnable call) {
        try {
            call.run();
        } catch (InvalidSettingException e) {
            return e.getMessage();
        }
        throw new AssertionError("not refused");
    }

    /** A copy of {@code db} scored afresh, every answer, by {@code stride score --again}. */
    private Path scoredAfresh(Path db) throws Exception {
        Path copy = Files.copy(db, dir.resolve("fresh-" + db.getFileName()));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement st = c.createStatement()) {
            st.execute("DELETE FROM scores");
        }
        Cli.Result r = cli.run("score", "--db", copy.toString(), "--run", "part", "--label-field", "answer",
                "--metric", "choice", "--again");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return copy;
    }
}
