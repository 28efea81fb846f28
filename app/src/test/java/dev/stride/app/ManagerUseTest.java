package dev.stride.app;

import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a program embedding the library expects without being told: a manager used from two threads at once, and
 * used after {@code close()}, says so plainly instead of failing a run half-way or with a database error.
 */
class ManagerUseTest {
    @TempDir
    Path dir;

    private Simulator sim;

    @BeforeEach
    void startSimulator() throws IOException {
        sim = new Simulator(SimulatorSettings.builder().build()).start(0);
    }

    @AfterEach
    void stopSimulator() {
        sim.close();
    }

    private RunOptions options(String run) {
        return RunOptions.of("m", sim.url()).withRun(run).withTemplate("Q: {{question}}").withConcurrency(2)
                .withSaveInterval(5);
    }

    @Test
    void aSecondCallWhileARunIsInProgressOnAnotherThreadIsRefusedAndTheRunGoesOn() throws Exception {
        Path first = questions(dir, "first.jsonl", 40);
        Path second = questions(dir, "second.jsonl", 10);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (CheckpointManager checkpoints = CheckpointManager.open(dir.resolve("runs.db"))) {
            AtomicInteger done = new AtomicInteger();
            AtomicReference<Throwable> refused = new AtomicReference<>();
            RunListener midRun = new RunListener() {
                @Override
                public void recordDone(InputRecord record, Prediction prediction) {
                    if (done.incrementAndGet() == 10) {
                        // Another thread of the program starts a second run while this one is still sending.
                        Future<RunOutcome> call = other.submit(() -> checkpoints.run(second, options("second")));
                        refused.set(CompletableFuture.supplyAsync(() -> {
                            try {
                                call.get();
                                return null;
                            } catch (Exception e) {
                                return e.getCause();
                            }
                        }).join());
                    }
                }
            };

            RunOutcome outcome = checkpoints.run(first, options("first"), midRun);

            assertThat(refused.get()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("one run at a time").hasMessageContaining("open another CheckpointManager");
            assertThat(outcome.state()).isEqualTo(RunState.DONE);
            assertThat(outcome.cursor().done()).isEqualTo(40);
            assertThat(checkpoints.loadCheckpoint("second")).isEmpty();
            // Once the first returned, the same manager takes the second.
            assertThat(checkpoints.run(second, options("second")).state()).isEqualTo(RunState.DONE);
        } finally {
            other.shutdown();
        }
        assertThat(sim.stats().requests()).isEqualTo(50);
    }

    @Test
    void twoManagersOnOneDatabaseRunTwoRunsAtOnce() throws Exception {
        Path input = questions(dir, "q.jsonl", 30);
        Path db = dir.resolve("runs.db");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (CheckpointManager a = CheckpointManager.open(db); CheckpointManager b = CheckpointManager.open(db)) {
            Future<RunOutcome> x = threads.submit(() -> a.run(input, options("x")));
            Future<RunOutcome> y = threads.submit(() -> b.run(input, options("y")));
            assertThat(x.get().state()).isEqualTo(RunState.DONE);
            assertThat(y.get().state()).isEqualTo(RunState.DONE);
        } finally {
            threads.shutdown();
        }
        assertThat(sim.stats().requests()).isEqualTo(60);
    }

    @Test
    void aCloseWhileARunIsInProgressStopsItGracefullyAndTheDatabaseClosesAsItReturns() throws Exception {
        Path input = questions(dir, "q.jsonl", 200);
        Path db = dir.resolve("runs.db");
        CheckpointManager checkpoints = CheckpointManager.open(db);
        AtomicInteger done = new AtomicInteger();
        // A host closing the manager (its shutdown, say) from another thread than the run's: a runner thread here.
        RunOutcome outcome = checkpoints.run(input, options("r"), new RunListener() {
            @Override
            public void recordDone(InputRecord record, Prediction prediction) {
                if (done.incrementAndGet() == 10) {
                    checkpoints.close();
                }
            }
        });

        assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(outcome.error()).isNull();
        assertThat(dir.resolve("runs.db-wal")).as("the database closed as the run returned: its log folded in")
                .doesNotExist();
        assertThatThrownBy(() -> checkpoints.loadCheckpoint("r")).isInstanceOf(IllegalStateException.class);
        checkpoints.close();
        try (CheckpointManager again = CheckpointManager.open(db)) {
            RunInfo saved = again.loadCheckpoint("r").orElseThrow();
            assertThat(saved.state()).isEqualTo(RunState.INTERRUPTED);
            assertThat(saved.done()).isEqualTo(outcome.cursor().done()).isLessThan(200);
        }
        assertThat(Inputs.count(db, "SELECT count(*) FROM workers")).isZero();
    }

    @Test
    void aCloseFromTheCallingThreadsOwnListenerWaitsForItsCallToReturn() throws Exception {
        Path input = questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        CheckpointManager checkpoints = CheckpointManager.open(db);
        RunPlan plan = checkpoints.plan(RunRequest.of(input, options("r")), new StopSwitch());
        // sessionStarted is told on the thread that called execute: the manager's lock is that thread's already.
        RunResult result = checkpoints.execute(plan, run -> {
            checkpoints.close();
            return RunListener.NONE;
        }, new StopSwitch());

        assertThat(result.sessions()).singleElement().satisfies(s -> {
            assertThat(s.outcome().state()).isEqualTo(RunState.DONE);
            assertThat(s.outcome().cursor().done()).isEqualTo(20);
        });
        assertThatThrownBy(() -> checkpoints.loadCheckpoint("r")).isInstanceOf(IllegalStateException.class);
        try (CheckpointManager again = CheckpointManager.open(db)) {
            assertThat(again.loadCheckpoint("r").orElseThrow().done()).isEqualTo(20);
        }
    }

    @Test
    void aCloseWhileARunReadsItsInputStopsItWithNothingSentAndClosesTheDatabase() throws Exception {
        Path db = dir.resolve("runs.db");
        try (CheckpointManager first = CheckpointManager.open(db)) {
            first.run(questions(dir, "q.jsonl", 10), options("r"));
        }
        // The same run with ten records more, read from a pipe: the close comes once every line is written, before
        // the pipe ends, while the run still reads.
        Path pipe = dir.resolve("more.jsonl");
        new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor();
        CheckpointManager checkpoints = CheckpointManager.open(db);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<RunOutcome> call = runner.submit(() -> checkpoints.run(pipe, options("r")));
            try (var out = java.nio.file.Files.newBufferedWriter(pipe)) {
                out.write(java.nio.file.Files.readString(questions(dir, "twenty.jsonl", 20)));
                out.flush();
                checkpoints.close();
            }
            RunOutcome outcome = call.get();
            assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
            assertThat(outcome.cursor().done()).isEqualTo(10);
        } finally {
            runner.shutdown();
        }
        assertThat(dir.resolve("runs.db-wal")).doesNotExist();
        assertThat(sim.stats().requests()).as("nothing sent after the close").isEqualTo(10);
    }

    @Test
    void runWithoutAnInputIsRefusedAndNamesResume() throws Exception {
        try (CheckpointManager checkpoints = CheckpointManager.open(dir.resolve("runs.db"))) {
            // A null input is a RunRequest's "the stored runs"; run() has one run's outcome to return, and resume().
            assertThatThrownBy(() -> checkpoints.run(null, options("r")))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("input")
                    .hasMessageContaining("resume(run, options)");
            checkpoints.run(questions(dir, "q.jsonl", 2), options("r"));
            assertThatThrownBy(() -> checkpoints.run(null, options("r")))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("input");
        }
        assertThat(sim.stats().requests()).isEqualTo(2);
    }

    @Test
    void aClosedManagerSaysSoForEveryCallAndClosesTwiceQuietly() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        CheckpointManager checkpoints = CheckpointManager.open(dir.resolve("runs.db"));
        checkpoints.run(input, options("r"));
        checkpoints.close();
        checkpoints.close();

        String closed = "this CheckpointManager is closed";
        assertThatThrownBy(() -> checkpoints.run(input, options("r")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(closed);
        assertThatThrownBy(() -> checkpoints.resume("r", RunOptions.of(null, null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(closed);
        assertThatThrownBy(() -> checkpoints.plan(RunRequest.of(input, options("r")), new StopSwitch()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(closed);
        assertThatThrownBy(() -> checkpoints.execute(new RunPlan.NothingToResume(0),
                SessionListener.of(RunListener.NONE), new StopSwitch()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(closed);
        assertThatThrownBy(() -> checkpoints.loadCheckpoint("r"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(closed);
        assertThatThrownBy(checkpoints::checkpoints)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(closed);
        assertThatThrownBy(() -> checkpoints.clearCheckpoint("r"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(closed);
        assertThat(sim.stats().requests()).isEqualTo(3);
    }
}
