package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.WorkerInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** A worker's in-flight figures in status: said with their age once the worker has not written them for 5 s. */
class WorkerLinesTest {
    private static final RunInfo RUN = new RunInfo(7, "m", "m", List.of("http://127.0.0.1:8000/v1"), "Q: {{question}}",
            "{}", 100, 40, 0, 40, 1000, Instant.EPOCH, RunState.RUNNING, Instant.EPOCH, 0);
    private static final Instant NOW = Instant.parse("2026-12-06T18:00:00Z");

    private static WorkerInfo writtenAt(Instant heartbeat, Instant inFlightAt) {
        return new WorkerInfo(1, "gpu1", 42, NOW.minusSeconds(60), heartbeat, 30, 0, 8, false, List.of(), 3, false,
                inFlightAt, null, 0, 0);
    }

    private static String line(Messages m, WorkerInfo w) {
        StringWriter text = new StringWriter();
        WorkerLines.printText(new PrintWriter(text, true), m, RUN, List.of(w), NOW);
        return text.toString().lines().toList().get(1);
    }

    @Test
    void figuresWrittenAMomentAgoAreShownAsTheyAre() {
        // Heartbeat 9 s ago (renewals come every 10 s), figures written since: no age, and seen when they were.
        assertThat(line(Messages.ENGLISH, writtenAt(NOW.minusSeconds(9), NOW.minusMillis(4900))))
                .isEqualTo("  #1 gpu1 pid 42: 30 done, 0.5/s, last seen 4.9s ago, in flight 3 (limit 8)");
        assertThat(line(Messages.of(Locale.CHINESE), writtenAt(NOW.minusSeconds(9), NOW.minusMillis(400))))
                .contains("上次活动 0.4s 前");
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        WorkerLines.putJson(o, List.of(writtenAt(NOW.minusSeconds(9), NOW.minusMillis(4900))), NOW);
        assertThat(o.get("workers").get(0).get("last_seen").asText()).isEqualTo(NOW.minusMillis(4900).toString());
        assertThat(o.get("workers").get(0).get("heartbeat_at").asText()).isEqualTo(NOW.minusSeconds(9).toString());
    }

    @Test
    void figuresNotWrittenForFiveSecondsSayHowOldTheyAre() {
        assertThat(line(Messages.ENGLISH, writtenAt(NOW.minusSeconds(9), NOW.minusSeconds(8)))).isEqualTo(
                "  #1 gpu1 pid 42: 30 done, 0.5/s, last seen 8.0s ago, in flight 3 (limit 8), as of 8.0s ago");
        assertThat(line(Messages.of(Locale.CHINESE), writtenAt(NOW.minusSeconds(9), NOW.minusSeconds(8))))
                .endsWith("，进行中 3（上限 8），为 8.0s 前的数字");
    }

    @Test
    void failedRecordsAreSaidApartFromDoneOnesAsTheRunsTableCountsThem() {
        WorkerInfo w = new WorkerInfo(1, "vm", 6227, NOW.minusSeconds(30), NOW.minusSeconds(1), 2910, 83);
        StringWriter text = new StringWriter();
        WorkerLines.printText(new PrintWriter(text, true), Messages.ENGLISH, RUN, List.of(w), NOW);
        assertThat(text.toString().lines().toList().get(1))
                .isEqualTo("  #1 vm pid 6227: 2,910 done, 83 failed, 99.8/s, last seen 1.0s ago");
        text.getBuffer().setLength(0);
        WorkerLines.printText(new PrintWriter(text, true), Messages.of(Locale.CHINESE), RUN, List.of(w), NOW);
        assertThat(text.toString().lines().toList().get(1)).contains("已完成 2,910，失败 83，");
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        WorkerLines.putJson(o, List.of(w), NOW);
        assertThat(o.get("workers").get(0).get("done").asLong()).isEqualTo(2910);
        assertThat(o.get("workers").get(0).get("failed").asLong()).isEqualTo(83);
    }

    @Test
    void aWorkerThatJustJoinedHasItsRateOverASecondNotItsFirstMilliseconds() {
        WorkerInfo joined = new WorkerInfo(2, "vm", 7, NOW.minusMillis(1), NOW, 2, 0);
        assertThat(line(Messages.ENGLISH, joined)).startsWith("  #2 vm pid 7: 2 done, 2.0/s,");
    }

    @Test
    void aWorkerThatDoesNotSayWhenHasItsFiguresAsOfItsHeartbeat() {
        assertThat(line(Messages.ENGLISH, writtenAt(NOW.minusSeconds(7), null)))
                .endsWith(", in flight 3 (limit 8), as of 7.0s ago");
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        WorkerLines.putJson(o, List.of(writtenAt(NOW.minusSeconds(7), null)), NOW);
        assertThat(o.get("workers").get(0).get("in_flight_at").asText()).isEqualTo("2026-12-06T17:59:53Z");
    }

    private static WorkerInfo waitingSince(Instant since, Instant inFlightAt) {
        return new WorkerInfo(1, "gpu1", 42, NOW.minusSeconds(60), NOW.minusSeconds(2), 30, 0, 8, false, List.of(), 0,
                false, inFlightAt, since, 0, 0);
    }

    @Test
    void aWorkerWaitingForItsServerSaysSoWhereItsRateWouldBe() {
        WorkerInfo w = waitingSince(NOW.minusSeconds(12), NOW.minusSeconds(1));
        assertThat(line(Messages.ENGLISH, w)).isEqualTo("  #1 gpu1 pid 42: 30 done, server unreachable for 12.0s,"
                + " waiting for it, last seen 1.0s ago, in flight 0 (limit 8)");
        assertThat(line(Messages.of(Locale.CHINESE), w)).contains("服务器已 12.0s 无法连接，正在等待");
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        WorkerLines.putJson(o, List.of(w), NOW);
        assertThat(o.get("workers").get(0).get("waiting_since").asText()).isEqualTo("2026-12-06T17:59:48Z");
        o = JsonNodeFactory.instance.objectNode();
        WorkerLines.putJson(o, List.of(writtenAt(NOW.minusSeconds(2), NOW.minusSeconds(1))), NOW);
        assertThat(o.get("workers").get(0).get("waiting_since").isNull()).as("answers come").isTrue();
    }

    @Test
    void aWaitWrittenLongAgoIsSaidWithItsAgeAsTheOtherFiguresAre() {
        WorkerInfo w = waitingSince(NOW.minusSeconds(40), NOW.minusSeconds(8));
        assertThat(w.waitsForServer()).as("the last word of a live worker, however old").isTrue();
        assertThat(line(Messages.ENGLISH, w)).endsWith("server unreachable for 40.0s, waiting for it,"
                + " last seen 2.0s ago, in flight 0 (limit 8), as of 8.0s ago");
    }

    private static WorkerInfo holding(int out, Integer forRateLimit, Integer toSendAgain, Instant inFlightAt) {
        return new WorkerInfo(1, "gpu1", 42, NOW.minusSeconds(60), NOW.minusSeconds(2), 30, 0, 16, false, List.of(),
                out, false, inFlightAt, null, forRateLimit, toSendAgain);
    }

    @Test
    void whatItsRecordsWaitForFollowsWhatIsInFlightInItsProgressLinesWords() {
        assertThat(line(Messages.ENGLISH, holding(0, 16, 0, NOW.minusSeconds(1)))).isEqualTo("  #1 gpu1 pid 42:"
                + " 30 done, 0.5/s, last seen 1.0s ago, in flight 0 (limit 16), 16 waiting for the rate limit");
        assertThat(line(Messages.ENGLISH, holding(4, 0, 12, NOW.minusSeconds(1)))).endsWith(
                ", in flight 4 (limit 16), 12 waiting to be sent again");
        assertThat(line(Messages.ENGLISH, holding(1, 3, 12, NOW.minusSeconds(7)))).endsWith(", in flight 1 (limit 16),"
                + " 3 waiting for the rate limit, 12 waiting to be sent again, as of 7.0s ago");
        assertThat(line(Messages.of(Locale.CHINESE), holding(0, 16, 0, NOW.minusSeconds(1))))
                .endsWith("，进行中 0（上限 16），16 个等待速率限制");
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        WorkerLines.putJson(o, List.of(holding(4, 0, 12, NOW.minusSeconds(1))), NOW);
        assertThat(o.get("workers").get(0).get("requests_out").asInt()).isEqualTo(4);
        assertThat(o.get("workers").get(0).get("waiting_for_rate_limit").isInt()).isTrue();
        assertThat(o.get("workers").get(0).get("waiting_for_rate_limit").asInt()).isZero();
        assertThat(o.get("workers").get(0).get("waiting_to_send_again").asInt()).isEqualTo(12);
    }

    @Test
    void aWorkerOfAStrideBeforeTheseFiguresSaysNothingOfThemAndItsJsonHasNull() {
        WorkerInfo older = holding(3, null, null, NOW.minusSeconds(1));
        assertThat(line(Messages.ENGLISH, older)).endsWith(", last seen 1.0s ago, in flight 3 (limit 16)");
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        WorkerLines.putJson(o, List.of(older), NOW);
        assertThat(o.get("workers").get(0).get("waiting_for_rate_limit").isNull()).isTrue();
        assertThat(o.get("workers").get(0).get("waiting_to_send_again").isNull()).isTrue();
    }
}
