package dev.stride.app;

import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InvalidSettingException;
import dev.stride.core.PredictionException;
import dev.stride.core.RunInfo;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java API against servers that are not there: real HTTP to a closed port, a real database. */
class ServerUnreachableTest {
    private static final String MODEL = "m";

    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static RunOptions options(String url) {
        return RunOptions.of(MODEL, url).withTemplate("Q: {{question}}").withConcurrency(4);
    }

    @Test
    void aRunWhoseServerIsNotThereStopsWithEveryRecordPendingAndFinishesOnceItIs() throws Exception {
        Path input = questions(dir, "q.jsonl", 30);
        int port = freePort();
        String url = "http://127.0.0.1:" + port + "/v1";
        try (CheckpointManager checkpoints = CheckpointManager.open(dir.resolve("runs.db"))) {
            RunOutcome outcome = checkpoints.run(input, options(url));

            assertThat(outcome.state()).isEqualTo(RunState.UNREACHABLE);
            assertThat(outcome.stopReason()).startsWith(url + " (connection refused");
            assertThat(outcome.outage().answeredBefore()).isFalse();
            assertThat(outcome.outage().kind()).isEqualTo(PredictionException.CONNECTION);
            assertThat(outcome.failed()).isZero();
            RunInfo stored = checkpoints.loadCheckpoint(MODEL).orElseThrow();
            assertThat(stored.pending()).isEqualTo(30);
            assertThat(stored.failed()).isZero();
            assertThat(stored.state()).isEqualTo(RunState.STOPPED);

            try (Simulator sim = Simulator.startedWhenFree(SimulatorSettings.builder().build(), port,
                    Duration.ofSeconds(10))) {
                RunOutcome again = checkpoints.run(input, options(url));

                assertThat(again.state()).isEqualTo(RunState.DONE);
                assertThat(again.completed()).isEqualTo(30);
            }
        }
    }

    @Test
    void oneServerDownDoesNotStopARunThatAnotherAnswers() throws Exception {
        Path input = questions(dir, "q.jsonl", 20);
        String down = "http://127.0.0.1:" + freePort() + "/v1";
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0);
             CheckpointManager checkpoints = CheckpointManager.open(dir.resolve("runs.db"))) {
            RunOutcome outcome = checkpoints.run(input, RunOptions.of(MODEL, null)
                    .withBaseUrls(List.of(down, sim.url())).withTemplate("Q: {{question}}").withConcurrency(4));

            assertThat(outcome.state()).isEqualTo(RunState.DONE);
            assertThat(outcome.failed()).isZero();
            assertThat(sim.stats().requests()).isEqualTo(20);
        }
    }

    @Test
    void aNegativeWaitForTheServerIsRefused() {
        RunOptions options = RunOptions.of(MODEL, "http://127.0.0.1:9/v1").withServerWait(Duration.ofSeconds(-1));

        assertThatThrownBy(options::check).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("--wait-for-server");
    }
}
