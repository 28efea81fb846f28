package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.ServerOutage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import org.junit.jupiter.api.Test;

/** What the progress shows while the server cannot be reached, and when it is back. */
class ServerOutageProgressTest {
    private static final String REASON = "http://127.0.0.1:9/v1 (connection refused: Failed to connect to /127.0.0.1:9)";

    private static ServerOutage outage(long lastedSeconds) {
        return new ServerOutage(Instant.parse("2030-01-02T03:04:05Z"), Duration.ofSeconds(lastedSeconds), true,
                Duration.ofMinutes(10), "connection", REASON);
    }

    private static ProgressReporter lines(StringWriter out, ProgressReporter.Mode mode, Messages messages) {
        // 120 of 200 done by an earlier session; progress lines every 10 minutes, so none is due in this test.
        return new ProgressReporter(new PrintWriter(out), "m", 200, 120, 0, Duration.ofMinutes(10), mode, null, false,
                messages);
    }

    @Test
    void aLineSaysAtOnceThatTheServerIsUnreachableForHowLongAndWhereThenThatItIsBack() {
        StringWriter out = new StringWriter();
        ProgressReporter progress = lines(out, ProgressReporter.Mode.LINES, Messages.ENGLISH);

        progress.serverUnreachable(outage(0));
        progress.serverUnreachable(outage(35));
        progress.serverBack(outage(41));
        progress.close();

        assertThat(out.toString()).isEqualTo(
                "m: 120/200 done (60.0%), server unreachable for 0.0s, waiting up to 10m00s for it: " + REASON + "\n"
                        + "m: the server answers again after 41.0s unreachable; going on\n");
    }

    @Test
    void inChineseToo() {
        StringWriter out = new StringWriter();
        ProgressReporter progress = lines(out, ProgressReporter.Mode.LINES, Messages.of(Locale.CHINESE));

        progress.serverUnreachable(outage(35));
        progress.serverBack(outage(41));

        assertThat(out.toString()).isEqualTo(
                "m：已完成 120/200 条（60.0%），服务器已 35.0s 无法连接，最多再等它 10m00s：" + REASON + "\n"
                        + "m：服务器在无法连接 41.0s 后恢复应答；继续处理\n");
    }

    /** --quiet hides progress, not why nothing moves: an outage is said at its start and at its end, as a database's. */
    @Test
    void quietSaysItOnceAtItsStartAndOnceAtItsEnd() {
        StringWriter out = new StringWriter();
        ProgressReporter progress = lines(out, ProgressReporter.Mode.QUIET, Messages.ENGLISH);

        progress.serverUnreachable(outage(0));
        progress.serverUnreachable(outage(35));
        progress.serverBack(outage(41));
        progress.serverBack(outage(41));

        assertThat(out.toString()).isEqualTo(
                "m: 120/200 done (60.0%), server unreachable for 0.0s, waiting up to 10m00s for it: " + REASON + "\n"
                        + "m: the server answers again after 41.0s unreachable; going on\n");
    }

    @Test
    void onATerminalTheBarSaysIt() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(screen, true, StandardCharsets.UTF_8);
        StringWriter lines = new StringWriter();
        ProgressReporter progress = new ProgressReporter(new PrintWriter(lines), "m", 200, 120, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.BAR, new ConsoleProgressBarConsumer(terminal, 160),
                true);

        progress.serverUnreachable(outage(35));

        // Drawn at once: the library's own redrawing thread, shared by every bar in the JVM, is not waited for.
        assertThat(screen.toString(StandardCharsets.UTF_8))
                .contains("server unreachable for 35.0s, waiting up to 10m00s for it");
        progress.close();

        assertThat(lines.toString()).isEmpty();
    }
}
