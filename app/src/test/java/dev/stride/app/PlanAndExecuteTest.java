package dev.stride.app;

import static dev.stride.app.Inputs.count;
import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InvalidInputException;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two steps of the use case: {@code plan} says what a request means (and writes only a real run's input), and
 * {@code execute} drives what is left, a run at a time; what cannot be executed says why in a typed exception.
 */
class PlanAndExecuteTest {
    private static final String MODEL = "m";

    @TempDir
    Path dir;

    private Simulator sim;
    private Path db;
    private Path input;

    @BeforeEach
    void start() throws IOException {
        sim = new Simulator(SimulatorSettings.builder().build()).start(0);
        db = dir.resolve("runs.db");
        input = questions(dir, "q.jsonl", 5);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private RunOptions options() {
        return RunOptions.of(MODEL, sim.url()).withTemplate("Q: {{question}}").withConcurrency(2);
    }

    @Test
    void eachRequestIsPlannedAsWhatItMeansAndOnlyARealRunsInputIsWritten() throws Exception {
        try (CheckpointManager runs = CheckpointManager.open(db)) {
            StopSwitch stop = new StopSwitch();

            RunPlan dry = runs.plan(RunRequest.of(input, options()).asDryRun(), stop);
            assertThat(dry).isInstanceOfSatisfying(RunPlan.DryRun.class, d -> {
                assertThat(d.sync().created()).isTrue();
                assertThat(d.sync().total()).isEqualTo(5);
                assertThat(d.first().id()).isEqualTo("q0");
                assertThat(d.first().prompt().userMessage()).isEqualTo("Q: question 0");
                assertThat(d.changes()).isEmpty();
            });
            assertThat(runs.checkpoints()).as("a dry run writes nothing").isEmpty();

            RunPlan created = runs.plan(RunRequest.of(input, options()), stop);
            assertThat(created).isInstanceOfSatisfying(RunPlan.NewRun.class,
                    n -> assertThat(n.run().total()).isEqualTo(5));
            assertThat(runs.plan(RunRequest.of(input, options()), stop)).isInstanceOfSatisfying(RunPlan.Resume.class,
                    r -> assertThat(r.sync().changedRecords()).isFalse());
            assertThat(runs.plan(RunRequest.stored(options()), stop)).isInstanceOfSatisfying(
                    RunPlan.ResumeStored.class, r -> assertThat(r.runs()).extracting(RunInfo::name)
                            .containsExactly(MODEL));
            assertThat(sim.stats().requests()).as("planning sends nothing").isZero();

            RunPlan refused = runs.plan(RunRequest.of(input, options().withTemplate("A: {{question}}")), stop);
            assertThat(refused).isInstanceOfSatisfying(RunPlan.Refused.class, r -> {
                assertThat(r.changes()).extracting(Object::toString)
                        .containsExactly("template 'Q: {{question}}' -> 'A: {{question}}'");
                assertThat(r.advice().english()).contains("stride clear --db " + db + " --run " + MODEL);
            });
            assertThatThrownBy(() -> runs.execute(refused, SessionListener.of(RunListener.NONE), stop))
                    .isInstanceOf(SettingsRefusedException.class);
            assertThat(runs.plan(RunRequest.of(input, options().withTemplate("A: {{question}}")).asDryRun(), stop))
                    .isInstanceOfSatisfying(RunPlan.DryRun.class, d -> assertThat(d.changes()).hasSize(1));

            RunResult result = runs.execute(created, SessionListener.of(RunListener.NONE), stop);
            assertThat(result.stoppedBetweenRuns()).isFalse();
            assertThat(result.sessions()).singleElement().satisfies(s -> {
                assertThat(s.nothingLeft()).isFalse();
                assertThat(s.outcome().state()).isEqualTo(RunState.DONE);
                assertThat(s.servers()).singleElement().satisfies(t -> assertThat(t.succeeded()).isEqualTo(5));
            });

            assertThat(runs.plan(RunRequest.stored(options()), stop)).isEqualTo(new RunPlan.NothingToResume(0));
            assertThat(runs.plan(RunRequest.stored(options()).asDryRun(), stop))
                    .isInstanceOfSatisfying(RunPlan.DryRunOfStored.class, d -> assertThat(d.runs()).isEmpty());
            RunResult again = runs.execute(runs.plan(RunRequest.of(input, options()), stop),
                    SessionListener.of(RunListener.NONE), stop);
            assertThat(again.sessions()).singleElement().satisfies(s -> assertThat(s.nothingLeft()).isTrue());
        }
        assertThat(sim.stats().requests()).isEqualTo(5);
    }

    @Test
    void anEmptyInputADryRunAndAStopWhileReadingAreNotExecuted() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        try (CheckpointManager runs = CheckpointManager.open(db)) {
            StopSwitch stop = new StopSwitch();
            RunPlan nothing = runs.plan(RunRequest.of(empty, options()), stop);
            assertThat(nothing).isEqualTo(new RunPlan.EmptyInput(empty));
            assertThatThrownBy(() -> runs.execute(nothing, SessionListener.of(RunListener.NONE), stop))
                    .isInstanceOf(InvalidInputException.class).hasMessageStartingWith(empty + ": has no records");

            RunPlan dry = runs.plan(RunRequest.of(input, options()).asDryRun(), stop);
            assertThatThrownBy(() -> runs.execute(dry, SessionListener.of(RunListener.NONE), stop))
                    .isInstanceOf(IllegalArgumentException.class);

            StopSwitch pressed = new StopSwitch();
            pressed.requestStop();
            assertThatThrownBy(() -> runs.plan(RunRequest.of(input, options()), pressed))
                    .isInstanceOf(StoppedBeforeStart.class);
            assertThat(runs.checkpoints()).isEmpty();
        }
        assertThat(sim.stats().requests()).isZero();
    }

    @Test
    void storedRunsAreDrivenInTurnAndAStopBetweenThemLeavesTheNextUntouched() throws Exception {
        try (CheckpointManager runs = CheckpointManager.open(db)) {
            StopSwitch stop = new StopSwitch();
            runs.plan(RunRequest.of(input, options().withRun("first")), stop);
            runs.plan(RunRequest.of(input, options().withRun("second")), stop);
            RunPlan both = runs.plan(RunRequest.stored(RunOptions.of(null, null)), stop);
            assertThat(both).isInstanceOfSatisfying(RunPlan.ResumeStored.class,
                    r -> assertThat(r.runs()).extracting(RunInfo::name).containsExactly("first", "second"));

            List<String> heard = new ArrayList<>();
            SessionListener stopAfterFirst = new SessionListener() {
                @Override
                public RunListener sessionStarted(RunInfo run) {
                    heard.add("started " + run.name());
                    return RunListener.NONE;
                }

                @Override
                public void sessionEnded(Session session) {
                    heard.add("ended " + session.run().name() + " " + session.outcome().state());
                    stop.requestStop();
                }
            };
            RunResult result = runs.execute(both, stopAfterFirst, stop);

            assertThat(heard).containsExactly("started first", "ended first DONE");
            assertThat(result.sessions()).hasSize(1);
            assertThat(result.stoppedBetweenRuns()).isTrue();
            assertThat(runs.loadCheckpoint("second").orElseThrow().done()).isZero();

            RunResult rest = runs.execute(runs.plan(RunRequest.stored(RunOptions.of(null, null)), new StopSwitch()),
                    SessionListener.of(RunListener.NONE), new StopSwitch());
            assertThat(rest.sessions()).extracting(s -> s.run().name()).containsExactly("second");
        }
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(10);
    }
}
