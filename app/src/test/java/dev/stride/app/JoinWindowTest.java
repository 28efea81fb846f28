package dev.stride.app;

import static dev.stride.app.Inputs.count;
import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.Joined;
import dev.stride.core.LiveWorkersException;
import dev.stride.core.RunListener;
import dev.stride.core.RunState;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two commands on one file, the second started in the first's join window: after the first one's plan (its sync)
 * and before its execute (its join). The order is forced by calling the steps in it, each command with its own
 * store. Also what a plan that gets no session leaves behind: no worker.
 */
class JoinWindowTest {
    private static final String MODEL = "m";

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

    private RunOptions options() {
        return RunOptions.of(MODEL, sim.url()).withTemplate("Q: {{question}}").withConcurrency(2);
    }

    @Test
    void aChangedInputStartedBeforeTheFirstWorkerJoinedIsRefusedAndTheFirstRunsOnItsOwnInput() throws Exception {
        Path five = questions(dir, "five.jsonl", 5);
        Path six = questions(dir, "six.jsonl", 6); // the same five, and one more
        try (CheckpointManager first = CheckpointManager.open(db);
             CheckpointManager second = CheckpointManager.open(db)) {
            StopSwitch stop = new StopSwitch();
            RunPlan planned = first.plan(RunRequest.of(five, options()), stop);
            assertThat(planned).isInstanceOf(RunPlan.NewRun.class);

            assertThatThrownBy(() -> second.plan(RunRequest.of(six, options()), new StopSwitch()))
                    .isInstanceOf(LiveWorkersException.class)
                    .hasMessage("run 'm' in " + db + " has 1 live worker and the input differs from its stored"
                            + " records (1 added, 0 edited, 0 removed); nothing was changed. Wait for the workers to"
                            + " finish or stop them (Ctrl+C), then run again");
            assertThat(count(db, "SELECT count(*) FROM records")).isEqualTo(5);

            RunResult result = first.execute(planned, SessionListener.of(RunListener.NONE), stop);
            assertThat(result.sessions()).singleElement()
                    .satisfies(s -> assertThat(s.outcome().state()).isEqualTo(RunState.DONE));
            assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(5);
            assertThat(count(db, "SELECT count(*) FROM records WHERE record_id = 'q5'")).isZero();
            assertThat(count(db, "SELECT count(*) FROM workers")).isZero();
            assertThat(sim.stats().requests()).isEqualTo(5);

            // Alone now, the changed input is synced as any resume's is.
            RunPlan grown = second.plan(RunRequest.of(six, options()), new StopSwitch());
            assertThat(grown).isInstanceOfSatisfying(RunPlan.Resume.class,
                    r -> assertThat(r.sync().added()).isEqualTo(1));
            second.execute(grown, SessionListener.of(RunListener.NONE), new StopSwitch());
            assertThat(count(db, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(6);
            assertThat(count(db, "SELECT count(*) FROM workers")).isZero();
        }
    }

    /**
     * The second command's sync finds the first one a worker (planned, not yet at its session): it joins a run at
     * work, as worker 2 beside 1, not a stopped run. Once the first has left with work left, the same command
     * resumes the run: nobody is at work on it.
     */
    @Test
    void aCommandPlannedWhileAnotherIsAWorkerJoinsItAndOnceItLeftResumes() throws Exception {
        Path five = questions(dir, "five.jsonl", 5);
        try (CheckpointManager third = CheckpointManager.open(db)) {
            try (CheckpointManager first = CheckpointManager.open(db);
                 CheckpointManager second = CheckpointManager.open(db)) {
                assertThat(first.plan(RunRequest.of(five, options()), new StopSwitch()))
                        .isInstanceOf(RunPlan.NewRun.class);

                assertThat(second.plan(RunRequest.of(five, options()), new StopSwitch()))
                        .isInstanceOfSatisfying(RunPlan.Resume.class, r -> {
                            assertThat(r.joining()).isEqualTo(new Joined(2, 1));
                            assertThat(r.run().pending()).isEqualTo(5);
                        });
            } // both leave, neither having sent a request: the run has stopped with all of it left

            assertThat(third.plan(RunRequest.of(five, options()), new StopSwitch()))
                    .isInstanceOfSatisfying(RunPlan.Resume.class, r -> assertThat(r.joining()).isNull());
        }
        assertThat(sim.stats().requests()).isZero();
    }

    @Test
    void aPlanWithoutASessionLeavesNoWorkerBehind() throws Exception {
        Path input = questions(dir, "q.jsonl", 5);
        try (CheckpointManager runs = CheckpointManager.open(db)) {
            assertThat(runs.run(input, options()).state()).isEqualTo(RunState.DONE);
            assertThat(count(db, "SELECT count(*) FROM workers")).isZero();

            // Nothing left to do: a worker from the sync to the session without requests, and none after.
            RunPlan nothingLeft = runs.plan(RunRequest.of(input, options()), new StopSwitch());
            assertThat(count(db, "SELECT count(*) FROM workers")).isEqualTo(1);
            assertThat(runs.execute(nothingLeft, SessionListener.of(RunListener.NONE), new StopSwitch()).sessions())
                    .singleElement().satisfies(s -> assertThat(s.nothingLeft()).isTrue());
            assertThat(count(db, "SELECT count(*) FROM workers")).isZero();

            // A stop before the session starts.
            StopSwitch stopped = new StopSwitch();
            RunPlan planned = runs.plan(RunRequest.of(input, options()), stopped);
            stopped.requestStop();
            assertThat(runs.execute(planned, SessionListener.of(RunListener.NONE), stopped).stoppedBetweenRuns())
                    .isTrue();
            assertThat(count(db, "SELECT count(*) FROM workers")).isZero();

            // Planned and never executed: the manager's close leaves.
            runs.plan(RunRequest.of(input, options()), new StopSwitch());
            assertThat(count(db, "SELECT count(*) FROM workers")).isEqualTo(1);
        }
        assertThat(count(db, "SELECT count(*) FROM workers")).isZero();
        assertThat(sim.stats().requests()).isEqualTo(5);
    }
}
