package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.Timing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import org.junit.jupiter.api.Test;

/** Both forms of live progress: the bar a terminal gets, and the plain lines a log file gets. */
class ProgressReporterTest {
    private static final InputRecord RECORD = null;

    private static Prediction answer(int tokensOut, long latencyMs) {
        return new Prediction(Answer.plain("ok", "stop", 10, tokensOut), null, new Timing(latencyMs, 1, Instant.now()));
    }

    @Test
    void onATerminalTheLibraryDrawsOneBarWithRatesEtaFailuresAndRetries() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(screen, true, StandardCharsets.UTF_8);
        StringWriter lines = new StringWriter();
        // 40 of 100 were done by an earlier session: the bar starts there, the rates count this session only.
        ProgressReporter progress = new ProgressReporter(new PrintWriter(lines), "qwen", 100, 40, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.BAR, new ConsoleProgressBarConsumer(terminal, 120),
                true);
        for (int i = 0; i < 9; i++) {
            progress.recordDone(RECORD, answer(50, 20));
        }
        progress.retrying(RECORD, 1, null, Duration.ZERO);
        progress.recordFailed(RECORD, new FailedPrediction("http_400", "HTTP 400: too long",
                new Timing(5, 1, Instant.now())));
        // The library redraws every 250 ms from its own thread, and once more as it is closed: that last drawing
        // is the one checked, so nothing need wait for a redraw.
        progress.close();

        String drawn = screen.toString(StandardCharsets.UTF_8);
        String last = drawn.substring(drawn.lastIndexOf('\r') + 1).strip();
        assertThat(drawn).contains("\r");
        assertThat(last).startsWith("qwen").contains(" 50%").contains("50/100").contains("pred/s").contains("tok/s")
                .contains("1 failed, 1 retries");
        assertThat(last).doesNotContain("\u001b["); // NO_COLOR: no escape codes
        assertThat(lines.toString()).isEmpty(); // no plain lines beside the bar
    }

    @Test
    void elsewhereAPlainLineEveryLogEveryWithThisSessionsRate() throws Exception {
        StringWriter lines = new StringWriter();
        ProgressReporter progress = new ProgressReporter(new PrintWriter(lines), "qwen", 100, 40, 2,
                Duration.ofMillis(1), ProgressReporter.Mode.LINES, null, false);
        Thread.sleep(5);
        progress.recordDone(RECORD, answer(3, 20));
        progress.close();

        assertThat(lines.toString()).matches("qwen: 41/100 done \\(41\\.0%\\), 2 failed, 0 retries, [0-9.]+/s,"
                + " [0-9.k]+ tok/s, ETA \\S+\\R");
    }

    @Test
    void quietShowsNothingButStillCounts() {
        StringWriter lines = new StringWriter();
        ProgressReporter progress = new ProgressReporter(new PrintWriter(lines), "qwen", 10, 0, 0,
                Duration.ofMillis(0), ProgressReporter.Mode.QUIET, null, false);
        progress.recordDone(RECORD, answer(3, 20));
        progress.recordDone(RECORD, answer(4, 40));
        progress.recordFailed(RECORD, new FailedPrediction("timeout", "no answer", new Timing(5, 3, Instant.now())));
        progress.close();

        assertThat(lines.toString()).isEmpty();
        SessionTally tally = progress.tally(7L);
        assertThat(tally.done()).isEqualTo(2);
        assertThat(tally.failedByKind()).isEqualTo(Map.of("timeout", 1L));
        assertThat(tally.tokensIn()).isEqualTo(20);
        assertThat(tally.tokensOut()).isEqualTo(7);
        assertThat(tally.latency().max()).isEqualTo(40);
        assertThat(tally.redundantRequests()).isEqualTo(7 - 5);
    }

    @Test
    void aTerminalIsAConsoleWhoseTermIsNotDumb() {
        assertThat(ProgressReporter.Mode.choose(true, Map.of())).isEqualTo(ProgressReporter.Mode.QUIET);
        // Tests run without a console: lines.
        assertThat(ProgressReporter.Mode.choose(false, Map.of("TERM", "xterm"))).isEqualTo(ProgressReporter.Mode.LINES);
    }

    @Test
    void latencyPercentilesAreExactBelowASecondAndClose() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 100; i++) {
            h.add(i);
        }
        h.add(12_345);
        assertThat(h.percentile(0.5)).isEqualTo(51);
        assertThat(h.percentile(0.95)).isEqualTo(96);
        assertThat(h.max()).isEqualTo(12_345);
    }
}
