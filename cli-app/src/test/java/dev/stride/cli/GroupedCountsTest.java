package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.WorkerInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Counts in the lines a person reads are grouped as the token counts beside them are (12,345 done): status's worker
 * line, the line per server and the summary's counts of redundant, refused and failed requests.
 */
class GroupedCountsTest {
    private static final Messages ZH = Messages.of(Locale.CHINESE);
    private static final RunInfo RUN = new RunInfo(7, "m", "m", List.of("http://127.0.0.1:8000/v1"), "Q: {{question}}",
            "{}", 20000, 12345, 0, 12345, 1000, Instant.EPOCH, RunState.RUNNING, Instant.EPOCH, 0);
    private static final Instant NOW = Instant.parse("2026-12-06T18:00:00Z");

    private static String workerLine(Messages m) {
        WorkerInfo w = new WorkerInfo(1, "gpu1", 42123, NOW.minusSeconds(600), NOW.minusSeconds(2), 12345, 0, null,
                false, List.of(), null, false, null, null, null, null);
        StringWriter text = new StringWriter();
        WorkerLines.printText(new PrintWriter(text, true), m, RUN, List.of(w), NOW);
        return text.toString().lines().toList().get(1);
    }

    @Test
    void statusWorkerLineGroupsItsDoneButNotItsPid() {
        assertThat(workerLine(Messages.ENGLISH)).startsWith("  #1 gpu1 pid 42123: 12,345 done, ");
        assertThat(workerLine(ZH)).contains("pid 42123：已完成 12,345，");
    }

    @Test
    void theLinePerServerGroupsItsCounts() {
        assertThat(Messages.ENGLISH.get("msg.run.server", "http://a/v1", 12345L, 11000L, 1300L, 1045L)).isEqualTo(
                "  http://a/v1: 12,345 requests, 11,000 answered, 1,300 turned away as busy or rate-limited,"
                        + " 1,045 failed");
        assertThat(Messages.ENGLISH.get("msg.run.serverNotConnected", 1200L))
                .isEqualTo(", 1,200 connection attempts failed (nothing sent)");
        assertThat(Messages.ENGLISH.get("msg.run.serverNothingSent", "http://b/v1", 1200L))
                .isEqualTo("  http://b/v1: 1,200 connection attempts failed, nothing sent");
        assertThat(ZH.get("msg.run.server", "http://a/v1", 12345L, 11000L, 1300L, 1045L))
                .isEqualTo("  http://a/v1：请求 12,345 个，应答 11,000 个，"
                        + "因繁忙或限速被拒 1,300 个，失败 1,045 个");
    }

    @Test
    void theSummaryGroupsItsRedundantRefusedAndFailedCounts() {
        // 20,000 sent: 10,000 kept attempts, 1,300 unkept, 1,001 that stopped the run; 7,699 redundant, 1,002 of them
        // answered by another worker.
        SessionTally tally = new SessionTally(9000, 1500, Map.of("http_400", 1500L), 0, null, null, null, 60_000,
                20_000L, 10_000, Map.of("http_400", "too long"), new SessionTally.Beyond(1234, 2000, 1001),
                new SessionTally.SentAgainAtLimit(0, 1100), 1300, 1002);

        List<String> lines = new RunSummary(tally, RunSummary.Prices.NONE, Messages.ENGLISH).lines();

        assertThat(lines).contains("  Outcomes:  9,000 done, 1,500 failed (http_400 1,500)")
                .contains("  Errors:    http_400: 1,500, e.g. too long")
                .contains("  Requests:  20,000 sent, 0 retries, 7,699 redundant (1,002 answered by another worker"
                        + " meanwhile; 6,697 stopped before their answers were saved, asked again next time),"
                        + " 1,234 rate-limited (429) and sent again, 1,100 turned away as busy (503) and sent again,"
                        + " 2,000 re-asked for valid JSON, 1,001 answered with the refusal that stopped the run (not"
                        + " stored; asked again next time), 1,300 refused or failed before the stop, their records not"
                        + " saved (asked again next time)");
        assertThat(String.join("\n", new RunSummary(tally, RunSummary.Prices.NONE, ZH).lines()))
                .contains("1,002 个期间已由另一个工作进程作答；6,697 个")
                .contains("限流（429）后重发 1,234 个").contains("因繁忙（503）被拒后重发 1,100 个")
                .contains("重新请求 2,000 个").contains("，1,001 个收到").contains("，1,300 个在停止前")
                .contains("http_400：1,500 条");
    }
}
