package dev.stride.app;

import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride run --db runs.db} without an input drives the stored runs one after the other, and a run's turn may
 * come long after the plan read it: another worker may have answered its records meanwhile. Each session starts from
 * the run as it is at its turn, so its first line counts what is done then (not "0/10 done, 10 to go" for a run
 * another worker finished), a run finished meanwhile has nothing left to send, and a run cleared meanwhile is said
 * gone and skipped (it was a foreign key failure, exit 4, as if the database could not be used).
 */
class StoredRunsReadAtTheirTurnTest {
    @TempDir
    Path dir;

    private Simulator sim;
    private Path db;

    @BeforeEach
    void start() throws IOException {
        sim = new Simulator(SimulatorSettings.builder().build()).start(0);
        db = dir.resolve("runs.db");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private RunOptions options(String model) {
        return RunOptions.of(model, sim.url()).withTemplate("Q: {{question}}").withConcurrency(2);
    }

    /** Stores the run with every record pending, sending nothing. */
    private static void storePending(CheckpointManager runs, Path input, RunOptions options) {
        StopSwitch stopped = new StopSwitch();
        stopped.requestStop();
        runs.execute(runs.plan(RunRequest.of(input, options), new StopSwitch()), SessionListener.of(RunListener.NONE),
                stopped);
    }

    @Test
    void aRunFinishedByAnotherWorkerAfterThePlanIsSeenFinishedAtItsTurn() throws IOException {
        Path first = questions(dir, "a.jsonl", 3);
        Path second = questions(dir, "b.jsonl", 10);
        try (CheckpointManager runs = CheckpointManager.open(db);
             CheckpointManager other = CheckpointManager.open(db)) {
            storePending(runs, first, options("a"));
            storePending(runs, second, options("b"));
            RunPlan stored = runs.plan(RunRequest.stored(options(null)), new StopSwitch());
            assertThat(stored).isInstanceOfSatisfying(RunPlan.ResumeStored.class,
                    p -> assertThat(p.runs()).extracting(RunInfo::name, RunInfo::done).containsExactly(
                            tuple("a", 0L), tuple("b", 0L)));

            // While this process has not come to 'b' yet, another worker does all of it.
            other.execute(other.plan(RunRequest.of(second, options("b")), new StopSwitch()),
                    SessionListener.of(RunListener.NONE), new StopSwitch());
            long sentBefore = sim.stats().requests();

            List<RunInfo> started = new ArrayList<>();
            RunResult result = runs.execute(stored, run -> {
                started.add(run);
                return RunListener.NONE;
            }, new StopSwitch());

            assertThat(started).extracting(RunInfo::name).as("only 'a' had anything to send").containsExactly("a");
            assertThat(result.sessions()).hasSize(2);
            assertThat(result.sessions().get(1)).satisfies(s -> {
                assertThat(s.nothingLeft()).isTrue();
                assertThat(s.run().done()).isEqualTo(10);
                assertThat(s.run().pending()).isZero();
            });
            assertThat(sim.stats().requests() - sentBefore).as("only a's three records were sent").isEqualTo(3);
        }
    }

    @Test
    void aRunClearedAfterThePlanIsSaidGoneAtItsTurnAndTheOthersGoOn() throws IOException {
        Path first = questions(dir, "a.jsonl", 3);
        Path second = questions(dir, "b.jsonl", 4);
        Path third = questions(dir, "c.jsonl", 2);
        try (CheckpointManager runs = CheckpointManager.open(db);
             CheckpointManager other = CheckpointManager.open(db)) {
            storePending(runs, first, options("a"));
            storePending(runs, second, options("b"));
            storePending(runs, third, options("c"));
            RunPlan stored = runs.plan(RunRequest.stored(options(null)), new StopSwitch());

            assertThat(other.clearCheckpoint("b")).isTrue(); // stride clear --run b, while 'a' is driven

            List<String> gone = new ArrayList<>();
            RunResult result = runs.execute(stored, new SessionListener() {
                @Override
                public RunListener sessionStarted(RunInfo run) {
                    return RunListener.NONE;
                }

                @Override
                public void runGone(RunInfo planned) {
                    gone.add(planned.name());
                }
            }, new StopSwitch());

            assertThat(gone).containsExactly("b");
            assertThat(result.sessions()).extracting(s -> s.run().name() + " " + s.outcome().state())
                    .containsExactly("a DONE", "c DONE");
            assertThat(sim.stats().requests()).isEqualTo(5);
            assertThat(runs.checkpoints()).extracting(RunInfo::name).containsExactly("a", "c");
        }
    }
}
