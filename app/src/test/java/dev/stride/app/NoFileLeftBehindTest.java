package dev.stride.app;

import static dev.stride.app.Inputs.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.InvalidInputException;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.RunState;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program's first try that stores no run (its input is not there, or is refused) leaves no database behind, as
 * {@code stride run} leaves none: the file {@link CheckpointManager#open} created goes when the manager closes. A file
 * that was there before, or that holds a run, stays.
 */
class NoFileLeftBehindTest {
    @TempDir
    Path dir;

    @Test
    void aRunOfAMissingInputLeavesNoDatabase() throws Exception {
        Path db = dir.resolve("j2.db");
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            assertThatThrownBy(() -> checkpoints.run(dir.resolve("missing.jsonl"),
                    RunOptions.of("base", "http://127.0.0.1:9/v1")))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("missing.jsonl");
        }
        assertThat(filesIn(dir)).isEmpty();
    }

    @Test
    void aRunRefusedForItsLabelFieldLeavesNoDatabase() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("j3.db");
        try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
            assertThatThrownBy(() -> checkpoints.run(input, RunOptions.of("base", "http://127.0.0.1:9/v1")
                    .withTemplate("{{question}}").withScoring("answer", "choice")))
                    .isInstanceOf(InvalidSettingException.class);
        }
        assertThat(filesIn(dir)).containsExactly("q.jsonl");
    }

    /**
     * A walk's --timeout 600h made the run, then failed at its first request (OkHttp's call timeout holds at most an
     * int of milliseconds): every duration past the longest is refused before anything is stored, and the longest
     * itself runs.
     */
    @Test
    void aDurationPastTheLongestIsRefusedBeforeTheRunIsMade() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("long.db");
        Duration over = RunOptions.MAX_DURATION.plusMillis(1);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            RunOptions base = RunOptions.of("base", sim.url()).withTemplate("{{question}}");
            Map<String, RunOptions> tooLong = new LinkedHashMap<>();
            tooLong.put("--timeout", base.withTimeout(Duration.ofHours(600)));
            tooLong.put("--grace", base.withGrace(over));
            tooLong.put("--wait-for-server", base.withServerWait(over));
            tooLong.put("--lease", base.withLease(Duration.ofSeconds(Long.MAX_VALUE)));
            for (Map.Entry<String, RunOptions> o : tooLong.entrySet()) {
                try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
                    assertThatThrownBy(() -> checkpoints.run(input, o.getValue())).as(o.getKey())
                            .isInstanceOf(InvalidSettingException.class)
                            .hasMessage(o.getKey() + " must be at most 24h");
                }
                assertThat(filesIn(dir)).as(o.getKey()).containsExactly("q.jsonl");
            }
            Duration longest = RunOptions.MAX_DURATION;
            try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
                assertThat(checkpoints.run(input, base.withTimeout(longest).withGrace(longest).withServerWait(longest)
                        .withLease(longest)).state()).isEqualTo(RunState.DONE);
            }
        }
    }

    @Test
    void aDatabaseThatWasThereOrHoldsARunStays() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0)) {
            try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
                assertThat(checkpoints.run(input, RunOptions.of("base", sim.url())
                        .withTemplate("{{question}}")).state())
                        .isEqualTo(RunState.DONE);
            }
            assertThat(db).exists();
            try (CheckpointManager checkpoints = CheckpointManager.open(db)) {
                assertThat(checkpoints.clearCheckpoint("base")).isTrue();
                assertThatThrownBy(() -> checkpoints.run(dir.resolve("missing.jsonl"),
                        RunOptions.of("base", sim.url()))).isInstanceOf(InvalidInputException.class);
            }
            // Holds no run now, but not this manager's to remove: it was there when it opened.
            assertThat(db).exists();
        }
    }

    private static List<String> filesIn(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
