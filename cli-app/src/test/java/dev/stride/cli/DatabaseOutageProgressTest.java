package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.DatabaseOutage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import org.junit.jupiter.api.Test;

/** What the progress shows while the database server cannot be reached, and when it is back. */
class DatabaseOutageProgressTest {
    private static final String SERVER = "db.example:5432";
    private static final String REASON = "Connection to db.example:5432 refused.";

    private static DatabaseOutage away(long lastedSeconds) {
        return new DatabaseOutage(SERVER, Duration.ofSeconds(lastedSeconds), Duration.ofMinutes(2), REASON);
    }

    private static DatabaseOutage ended(long lastedSeconds) {
        return new DatabaseOutage(SERVER, Duration.ofSeconds(lastedSeconds), Duration.ofMinutes(2), null);
    }

    /** 120 of 200 done by an earlier session; a line every 10 s, on a clock the test moves. */
    private static ProgressReporter lines(StringWriter out, Messages messages, AtomicLong clock) {
        return new ProgressReporter(new PrintWriter(out), "m", 200, 120, 0, Duration.ofSeconds(10),
                ProgressReporter.Mode.LINES, null, false, messages, clock::get);
    }

    @Test
    void aLineSaysAtOnceThatTheDatabaseIsAwayAndForHowLongEveryIntervalThenThatItIsBack() {
        StringWriter out = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ProgressReporter progress = lines(out, Messages.ENGLISH, clock);

        progress.databaseUnreachable(away(0));
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        progress.databaseUnreachable(away(2)); // a try 2 s later: no line yet, one is not due
        progress.tick();
        // No try told for a while (a connect that hangs): the ticker's line still counts the time on.
        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.tick();
        progress.databaseBack(ended(13));
        progress.close();

        assertThat(out.toString()).isEqualTo(
                "m: 120/200 done (60.0%), database at " + SERVER + " unreachable for 0.0s, waiting up to 2m00s for it: "
                        + REASON + "\n"
                        + "m: 120/200 done (60.0%), database at " + SERVER + " unreachable for 12.0s, waiting up to "
                        + "2m00s for it: " + REASON + "\n"
                        + "m: the database at " + SERVER + " answers again after 13.0s unreachable; going on\n");
    }

    @Test
    void onceItIsBackTheTickerPrintsTheUsualLineAgain() {
        StringWriter out = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ProgressReporter progress = lines(out, Messages.ENGLISH, clock);

        progress.databaseUnreachable(away(0));
        progress.databaseBack(ended(1));
        clock.addAndGet(Duration.ofSeconds(11).toNanos());
        progress.tick();

        assertThat(out.toString().lines().toList()).hasSize(3).last().asString()
                .startsWith("m: 120/200 done (60.0%), 0 failed, 0 retries");
    }

    @Test
    void inChineseToo() {
        StringWriter out = new StringWriter();
        ProgressReporter progress = lines(out, Messages.of(Locale.CHINESE), new AtomicLong());

        progress.databaseUnreachable(away(35));
        progress.databaseBack(ended(41));

        assertThat(out.toString()).isEqualTo(
                "m：已完成 120/200 条（60.0%），数据库 " + SERVER + " 已 35.0s 无法连接，最多再等它 2m00s：" + REASON + "\n"
                        + "m：数据库 " + SERVER + " 在无法连接 41.0s 后恢复应答；继续处理\n");
    }

    @Test
    void onATerminalTheBarSaysIt() {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(screen, true, StandardCharsets.UTF_8);
        StringWriter lines = new StringWriter();
        ProgressReporter progress = new ProgressReporter(new PrintWriter(lines), "m", 200, 120, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.BAR, new ConsoleProgressBarConsumer(terminal, 160),
                true);

        progress.databaseUnreachable(away(35));

        assertThat(screen.toString(StandardCharsets.UTF_8))
                .contains("database unreachable for 35.0s, waiting up to 2m00s for it");
        progress.close();

        assertThat(lines.toString()).isEmpty();
    }
}
