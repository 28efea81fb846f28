package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.Timing;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code stride status --run NAME} reads of a run: servers, finish reasons, errors and latency percentiles. */
class RunReportTest {
    private static final Instant AT = Instant.parse("2026-12-05T12:00:00Z");

    @TempDir
    Path dir;

    private static Prediction answer(String server, String finishReason, long latencyMs) {
        return new Prediction(new Answer("ok", finishReason, 10, 5, null, null, null, null, null, null, server), null,
                new Timing(latencyMs, 1, AT));
    }

    @Test
    void percentilesServersAndFinishReasonsAreThoseOfTheDoneOutputs() {
        Path file = dir.resolve("report.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            List<InputRecord> input = recs(40);
            store.syncRun(spec("a"), input.iterator());
            long run = store.findRun("a").orElseThrow().id();
            // 30 done outputs taking 1..30 ms, stored out of order, over two servers and two finish reasons; the
            // latency 25 ms comes twice (records 12 and 30), so 31 outputs in all
            for (int i = 0; i < 30; i++) {
                long latency = (i * 7) % 30 + 1;
                store.savePrediction(run, input.get(i), answer(i % 3 == 0 ? "http://gpu2:8000/v1"
                        : "http://gpu1:8000/v1", i % 5 == 0 ? "length" : "stop", latency));
            }
            store.savePrediction(run, input.get(30), answer(null, null, 25));
            // two of them refused: done, with the model's refusal and no answer
            for (int i = 34; i < 36; i++) {
                store.savePrediction(run, input.get(i), new Prediction(new Answer(null, "stop", 10, 5, null,
                        "I can't help with that.", null, null, null, null, "http://gpu1:8000/v1"), null,
                        new Timing(25, 1, AT)));
            }
            // failures count in the errors, never in the latency, however slow
            for (int i = 31; i < 34; i++) {
                store.saveFailure(run, input.get(i), new FailedPrediction(i == 33 ? "timeout" : "http_500",
                        "attempt " + i, new Timing(90_000, 3, AT)));
            }
            // another run's outputs are not this run's
            store.syncRun(spec("b"), recs(2).iterator());
            store.savePrediction(store.findRun("b").orElseThrow().id(), recs(2).get(0),
                    answer("http://other:8000/v1", "stop", 5_000));
        }

        RunReport report = RunReport.of(file, "a").orElseThrow();

        // 33 latencies 1..30 with 25 four times: the 17th (index 16) is 17 ms, the 32nd (index 31,
        // ceil(33*0.95)-1) is 29 ms, the largest 30 ms
        assertThat(report.latency()).isEqualTo(new RunReport.Latency(17, 29, 30));
        assertThat(report.refused()).isEqualTo(2);
        assertThat(report.byServer()).containsExactly(new RunReport.Count("http://gpu1:8000/v1", 22),
                new RunReport.Count("http://gpu2:8000/v1", 10), new RunReport.Count("-", 1));
        assertThat(report.finishReasons()).containsExactly(new RunReport.Count("stop", 26),
                new RunReport.Count("length", 6), new RunReport.Count("-", 1));
        assertThat(report.errors()).containsExactly(new RunReport.ErrorGroup("http_500", 2, "attempt 31"),
                new RunReport.ErrorGroup("timeout", 1, "attempt 33"));
        assertThat(RunReport.of(file, "b").orElseThrow().latency())
                .isEqualTo(new RunReport.Latency(5_000, 5_000, 5_000));
        assertThat(RunReport.of(file, "b").orElseThrow().refused()).isZero();
        assertThat(RunReport.of(file, "nope")).isEmpty();
    }

    @Test
    void aRunWithoutDoneOutputsHasNoLatency() {
        Path file = dir.resolve("none.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), recs(3).iterator());
        }
        RunReport report = RunReport.of(file, "a").orElseThrow();
        assertThat(report.latency()).isEqualTo(new RunReport.Latency(0, 0, 0));
        assertThat(report.byServer()).isEmpty();
        assertThat(report.finishReasons()).isEmpty();
        assertThat(report.errors()).isEmpty();
    }
}
