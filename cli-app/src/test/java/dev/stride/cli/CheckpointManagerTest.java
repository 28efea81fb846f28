package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointManagerTest {
    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final FakeModelServer model = new FakeModelServer();

    private RunOptions options() {
        server.setDispatcher(model);
        return RunOptions.of("qwen-medical-lora-251106-f16", server.url("/v1").toString())
                .withTemplate("Q: {{question}}")
                .withSaveInterval(5)
                .withConcurrency(2);
    }

    @Test
    void aProgramStartsStopsResumesAndClearsARun() throws Exception {
        Path input = questions(dir, "q.jsonl", 60);
        Path db = dir.resolve("runs.db");
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            assertThat(checkpoints.loadCheckpoint("qwen-medical-lora-251106-f16")).isEmpty();
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
            RunInfo saved = checkpoints.loadCheckpoint("qwen-medical-lora-251106-f16").orElseThrow();
            assertThat(saved.total()).isEqualTo(60);
            assertThat(saved.done()).isBetween(20L, 22L);
            assertThat(first.cursor().done()).isEqualTo(saved.done());

            RunOutcome second = checkpoints.resume("qwen-medical-lora-251106-f16",
                    RunOptions.of(null, null).withConcurrency(4));

            assertThat(second.state()).isEqualTo(RunState.DONE);
            assertThat(second.completed()).isEqualTo(60 - saved.done());
            assertThat(checkpoints.checkpoints()).extracting(RunInfo::done).containsExactly(60L);

            assertThat(checkpoints.clearCheckpoint("qwen-medical-lora-251106-f16")).isTrue();
            assertThat(checkpoints.checkpoints()).isEmpty();
        }
        assertThat(count(db, "SELECT count(*) FROM records")).isZero();
        assertThat(model.requests.get()).isBetween(60, 62);
    }

    @Test
    void aRunStartedFromJavaResumesFromTheCommandLine() throws Exception {
        Path input = questions(dir, "q.jsonl", 30);
        Path db = dir.resolve("runs.db");
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            RunListener stopEarly = new RunListener() {
                private final AtomicInteger n = new AtomicInteger();

                @Override
                public void recordDone(InputRecord record, Prediction prediction) {
                    if (n.incrementAndGet() == 10) {
                        checkpoints.requestStop();
                    }
                }
            };
            assertThat(checkpoints.run(input, options(), stopEarly).state())
                    .isEqualTo(RunState.INTERRUPTED);
        }

        Cli.Result r = new Cli().run("run", input.toString(), "--db", db.toString(), "--model",
                "qwen-medical-lora-251106-f16", "--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Resuming 'qwen-medical-lora-251106-f16' from checkpoint:");
        assertThat(count(db, "SELECT count(*) FROM results WHERE output = 'echo: Q: question ' || substr(id, 2)"))
                .isEqualTo(30);
    }

    @Test
    void changedSettingsAndBadInputAreRefusedWithTheirReason() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        try (CheckpointManager checkpoints = CheckpointManager.open(dir.resolve("runs.db"))) {
            assertThat(checkpoints.run(input, options()).state()).isEqualTo(RunState.DONE);

            assertThatThrownBy(() -> checkpoints.run(input, options().withTemplate("other {{question}}")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("was started with other settings");
            assertThatThrownBy(() -> checkpoints.run(input, options().withConcurrency(0)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--concurrency must be between 1 and 4096");
            assertThatThrownBy(() -> checkpoints.resume("nope", options()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no run 'nope'");
        }
    }
}
