package dev.stride.app;

import static dev.stride.app.Inputs.count;
import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.stride.core.InputRecord;
import dev.stride.core.InvalidInputException;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.Phrased;
import dev.stride.core.Prediction;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.file.Files;
import dev.stride.core.RunState;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java API on a real database and the simulator: start, stop, resume, clear, and what it refuses. */
class CheckpointManagerTest {
    private static final String MODEL = "qwen-medical-lora-251106-f16";

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

    private RunOptions options() {
        return RunOptions.of(MODEL, sim.url())
                .withTemplate("Q: {{question}}")
                .withSaveInterval(5)
                .withConcurrency(2);
    }

    @Test
    void aProgramStartsStopsResumesAndClearsARun() throws Exception {
        Path input = questions(dir, "q.jsonl", 60);
        Path db = dir.resolve("runs.db");
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            assertThat(checkpoints.loadCheckpoint(MODEL)).isEmpty();
            AtomicInteger done = new AtomicInteger();
            RunListener stopAtTwenty = new RunListener() {
                @Override
                public void recordDone(InputRecord record, Prediction prediction) {
                    if (done.incrementAndGet() == 20) {
                        checkpoints.requestStop();
                    }
                }
            };

            RunOutcome first = checkpoints.run(input, options(), stopAtTwenty);

            assertThat(first.state()).isEqualTo(RunState.INTERRUPTED);
            RunInfo saved = checkpoints.loadCheckpoint(MODEL).orElseThrow();
            assertThat(saved.total()).isEqualTo(60);
            // Stopped at the 20th stored answer: what was in flight (2) and what was answered but not yet written
            // (one save interval, 5) may still be stored; nothing else is sent.
            assertThat(saved.done()).isBetween(20L, 20L + 2 + 5);
            assertThat(first.cursor().done()).isEqualTo(saved.done());

            RunOutcome second = checkpoints.resume(MODEL, RunOptions.of(null, null).withConcurrency(4));

            assertThat(second.state()).isEqualTo(RunState.DONE);
            assertThat(second.completed()).isEqualTo(60 - saved.done());
            assertThat(checkpoints.checkpoints()).extracting(RunInfo::done).containsExactly(60L);

            RunOutcome third = checkpoints.run(input, options());

            assertThat(third.state()).isEqualTo(RunState.DONE);
            assertThat(third.completed()).isZero();
            assertThat(third.cursor().done()).isEqualTo(60);

            assertThat(checkpoints.clearCheckpoint(MODEL)).isTrue();
            assertThat(checkpoints.checkpoints()).isEmpty();
        }
        assertThat(count(db, "SELECT count(*) FROM records")).isZero();
        assertThat(sim.stats().requests()).isBetween(60L, 62L);
    }

    @Test
    void aStopRequestedBeforeRunOrResumeStopsThatRunAtOnceWithNothingSent() throws Exception {
        Path input = questions(dir, "q.jsonl", 30);
        Path db = dir.resolve("runs.db");
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            // A host's shutdown that comes as the run is being set up: no checkpoint yet, so nothing is made.
            checkpoints.requestStop();
            assertThatThrownBy(() -> checkpoints.run(input, options())).isInstanceOf(StoppedBeforeStart.class)
                    .hasMessage("interrupted while reading the input; nothing was changed")
                    // Like every exception the README names, it can be said in the reader's language.
                    .isInstanceOfSatisfying(Phrased.class, e -> assertThat(e.phrase().in(Locale.CHINESE))
                            .isEqualTo("读取输入时被中断；没有做任何改动"));
            assertThat(checkpoints.checkpoints()).isEmpty();
            assertThat(sim.stats().requests()).isZero();

            // The stop was that run's: the next one starts, and is stopped (from its listener) as Ctrl+C would.
            AtomicInteger done = new AtomicInteger();
            RunOutcome first = checkpoints.run(input, options(), new RunListener() {
                @Override
                public void recordDone(InputRecord record, Prediction prediction) {
                    if (done.incrementAndGet() == 10) {
                        checkpoints.requestStop();
                    }
                }
            });
            assertThat(first.state()).isEqualTo(RunState.INTERRUPTED);
            RunInfo saved = checkpoints.loadCheckpoint(MODEL).orElseThrow();
            long sent = sim.stats().requests();

            // With a checkpoint: run() and resume() return at once, interrupted, the checkpoint as it was saved.
            checkpoints.requestStop();
            RunOutcome again = checkpoints.run(input, options());
            checkpoints.requestStop();
            RunOutcome resumed = checkpoints.resume(MODEL, RunOptions.of(null, null));

            for (RunOutcome stopped : new RunOutcome[] {again, resumed}) {
                assertThat(stopped.state()).isEqualTo(RunState.INTERRUPTED);
                assertThat(stopped.completed()).isZero();
                assertThat(stopped.total()).isEqualTo(30);
                assertThat(stopped.cursor().done()).isEqualTo(saved.done());
            }
            assertThat(sim.stats().requests()).as("nothing sent").isEqualTo(sent);
            RunInfo still = checkpoints.loadCheckpoint(MODEL).orElseThrow();
            assertThat(still.state()).isEqualTo(RunState.INTERRUPTED);
            assertThat(still.done()).isEqualTo(saved.done());

            // Spent: the same call then finishes the run.
            assertThat(checkpoints.run(input, options()).state()).isEqualTo(RunState.DONE);
        }
        assertThat(count(db, "SELECT count(*) FROM workers")).isZero();
    }

    @Test
    void aStopRequestedFromAnotherThreadWhileRunReadsItsInputEndsItInterruptedWithNothingSent() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 4);
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            // The run exists (planned, nothing sent yet); its input now comes down a pipe, read once.
            checkpoints.plan(RunRequest.of(input, options()), new StopSwitch());
        }
        Path fifo = dir.resolve("pipe.jsonl");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        String lines = Files.readString(input);
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            java.util.concurrent.CompletableFuture<RunOutcome> running =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> checkpoints.run(fifo, options()));
            // Opening the pipe for writing waits for run()'s reader: the stop comes while the input is read, before
            // its end (the pipe stays open until after the stop).
            try (java.io.Writer w = Files.newBufferedWriter(fifo)) {
                w.write(lines.substring(0, lines.indexOf('\n') + 1));
                w.flush();
                checkpoints.requestStop();
                w.write(lines.substring(lines.indexOf('\n') + 1));
            }
            RunOutcome outcome = running.get(5, java.util.concurrent.TimeUnit.MINUTES);
            assertThat(outcome.state()).isEqualTo(RunState.INTERRUPTED);
            assertThat(outcome.completed()).isZero();
            assertThat(outcome.total()).isEqualTo(4);
            assertThat(checkpoints.loadCheckpoint(MODEL).orElseThrow().done()).isZero();
        }
        assertThat(sim.stats().requests()).isZero();
        assertThat(count(db, "SELECT count(*) FROM workers")).isZero();
    }

    @Test
    void aDatabaseWrittenBeforeTheAppLayerOpensAndItsRunsResume() throws Exception {
        Path db = Files.copy(Path.of("../db/src/test/resources/legacy/stride-v6.db"), dir.resolve("v6.db"));
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            assertThat(checkpoints.checkpoints()).extracting(RunInfo::name, RunInfo::done, RunInfo::failed)
                    .containsExactly(tuple(MODEL, 24L, 2L),
                            tuple("base-model", 40L, 0L));
            StopSwitch stop = new StopSwitch();
            RunPlan plan = checkpoints.plan(RunRequest.stored(RunOptions.of(null, sim.url()).withRetryFailed(true)),
                    stop);
            assertThat(plan).isInstanceOfSatisfying(RunPlan.ResumeStored.class,
                    p -> assertThat(p.runs()).extracting(RunInfo::name).containsExactly(MODEL));

            RunResult result = checkpoints.execute(plan, SessionListener.of(RunListener.NONE), stop);

            assertThat(result.sessions()).singleElement().satisfies(s -> {
                assertThat(s.outcome().state()).isEqualTo(RunState.DONE);
                assertThat(s.outcome().completed()).isEqualTo(16);
            });
            assertThat(checkpoints.loadCheckpoint(MODEL).orElseThrow().done()).isEqualTo(40);
        }
        assertThat(sim.stats().requests()).isEqualTo(16);
    }

    @Test
    void changedSettingsBadSettingsAndAnEmptyInputAreRefusedWithTheirReason() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "\n");
        try (CheckpointManager checkpoints = CheckpointManager.open(dir.resolve("runs.db"))) {
            assertThat(checkpoints.run(input, options()).state()).isEqualTo(RunState.DONE);

            assertThatThrownBy(() -> checkpoints.run(input, options().withTemplate("other {{question}}")))
                    .isInstanceOfSatisfying(SettingsRefusedException.class, e -> {
                        assertThat(e.run()).isEqualTo(MODEL);
                        assertThat(e.changes()).extracting(Object::toString)
                                .containsExactly("template 'Q: {{question}}' -> 'other {{question}}'");
                    })
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("was started with other settings");
            assertThatThrownBy(() -> checkpoints.run(input, options().withConcurrency(0)))
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessage("--concurrency must be between 1 and 4096, got 0");
            // Without the input, as with it (the run is done: a changed setting is refused all the same).
            assertThatThrownBy(() -> checkpoints.resume(MODEL, options().withTemplate("other {{question}}")))
                    .isInstanceOfSatisfying(SettingsRefusedException.class, e -> assertThat(e.changes())
                            .extracting(Object::toString)
                            .containsExactly("template 'Q: {{question}}' -> 'other {{question}}'"));
            assertThatThrownBy(() -> checkpoints.resume("nope", options()))
                    .isInstanceOf(InvalidSettingException.class).hasMessageContaining("has no run 'nope'");
            assertThatThrownBy(() -> checkpoints.run(empty, options().withRun("other")))
                    .isInstanceOf(InvalidInputException.class).hasMessageStartingWith(empty + ": has no records");
            assertThat(checkpoints.loadCheckpoint("other")).isEmpty();
        }
        assertThat(sim.stats().requests()).isEqualTo(3);
    }
}
