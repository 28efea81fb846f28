package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunListener;
import dev.stride.core.RunState;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The Java API and the command line keep one database: a run stopped from Java resumes with stride run. */
class JavaApiResumeTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

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
            RunOptions options = RunOptions.of("qwen-medical-lora-251106-f16", stride.url())
                    .withTemplate("Q: {{question}}")
                    .withSaveInterval(5)
                    .withConcurrency(2);
            assertThat(checkpoints.run(input, options, stopEarly).state()).isEqualTo(RunState.INTERRUPTED);
        }

        Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model",
                "qwen-medical-lora-251106-f16", "--log-every", "0");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains("Resuming 'qwen-medical-lora-251106-f16' from checkpoint:");
        assertThat(count(db, "SELECT count(*) FROM results WHERE output = 'echo: Q: question ' || substr(id, 2)"))
                .isEqualTo(30);
    }
}
