package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stride.app.RunResult;
import dev.stride.app.Session;
import dev.stride.core.Cursor;
import dev.stride.core.RunInfo;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.core.ServerOutage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The line of a run stopped because its server stayed away, with records failed: those that gave up on requests with
 * no answer after the server's last one failed in this outage, and are not called earlier; counts are grouped as
 * everywhere else ("158/2,000").
 */
class ServerUnreachableLineTest {
    private static final String REASON = "http://127.0.0.1:8000/v1 (call deadline of 3 s passed)";

    private static String line(long failed, long failedSinceLastAnswer, Messages messages) {
        RunInfo run = new RunInfo(1, "m", "m", List.of("http://127.0.0.1:8000/v1"), "{{question}}", "{}", 2000,
                0, 0, 0, 0, Instant.EPOCH, RunState.RUNNING, Instant.EPOCH, 0);
        ServerOutage outage = new ServerOutage(Instant.EPOCH, Duration.ofSeconds(10), true, Duration.ofSeconds(10),
                "timeout", REASON, failedSinceLastAnswer);
        RunOutcome outcome = new RunOutcome(RunState.UNREACHABLE,
                new Cursor(153, 1153, failed, 1000, Instant.EPOCH, RunState.UNREACHABLE), 2000, 1153, failed, REASON,
                null, outage);
        RunResult result = new RunResult(List.of(new Session(run, outcome, List.of(), 0, 0, false)), false);
        UserError error = catchThrowableOfType(() -> RunRenderer.exitCode(result, KeyHint.NONE, true),
                UserError.class);
        assertThat(ErrorHandler.exitCode(error)).isEqualTo(ExitCodes.ERROR);
        return ErrorHandler.oneLine(error, messages);
    }

    @Test
    void recordsThatFailedAsTheServerStoppedAnsweringAreNotCalledEarlier() {
        assertThat(line(7, 7, Messages.ENGLISH)).contains("; 1,153/2,000 done and saved, 7 failed as the server"
                        + " stopped answering (their requests timed out before the run took it for gone):"
                        + " --retry-failed redoes them; run the same command again once the server answers.")
                .doesNotContain("earlier");
        assertThat(line(9, 7, Messages.ENGLISH)).contains(", 7 failed as the server stopped answering (their requests"
                + " timed out before the run took it for gone) and 2 earlier: --retry-failed redoes them;");
        assertThat(line(7, 7, Messages.of(Locale.CHINESE))).contains("已完成并保存 1,153/2,000 条，7 条在服务器停止应答时失败")
                .doesNotContain("此前");
    }

    @Test
    void recordsThatFailedBeforeTheServerWentAwayAreCalledEarlierWithGroupedCounts() {
        assertThat(line(2, 0, Messages.ENGLISH)).contains("the wait marked nothing failed (1,153/2,000 done and saved,"
                + " 2 failed earlier: --retry-failed redoes them)");
        assertThat(line(2, 0, Messages.of(Locale.CHINESE))).contains("已完成并保存 1,153/2,000 条，此前已有 2 条失败");
    }
}
