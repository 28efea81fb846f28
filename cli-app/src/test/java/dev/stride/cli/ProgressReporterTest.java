package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.Cursor;
import dev.stride.core.DatabaseOutage;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.PredictionException;
import dev.stride.core.RunState;
import dev.stride.core.ServerLimit;
import dev.stride.core.ServerOutage;
import dev.stride.core.Timing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import org.junit.jupiter.api.Test;

/** Both forms of live progress: the bar a terminal gets, and the plain lines a log file gets. */
class ProgressReporterTest {
    private static final InputRecord RECORD = new InputRecord(0, "r0", 1, "{}", "0");

    private static Prediction answer(int tokensOut, long latencyMs) {
        return new Prediction(Answer.plain("ok", "stop", 10, tokensOut), null, new Timing(latencyMs, 1, Instant.now()));
    }

    @Test
    void aBarClosedTwiceIsNotDrawnAgainOverWhatCameAfterIt() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(screen, true, StandardCharsets.UTF_8);
        ProgressReporter progress = new ProgressReporter(new PrintWriter(new StringWriter()), "qwen", 10, 0, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.BAR, new ConsoleProgressBarConsumer(terminal, 120),
                true);
        progress.recordDone(RECORD, answer(50, 20));
        // The session's end closes the bar, then prints its summary; the command's own end closes it again.
        progress.close();
        int drawnAtTheEnd = screen.size();
        terminal.print("Summary of this session:\n");
        progress.close();

        assertThat(screen.toString(StandardCharsets.UTF_8)).endsWith("Summary of this session:\n");
        assertThat(drawnAtTheEnd).isPositive();
    }

    @Test
    void theBarGroupsItsCountsAsTheLinesDo() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(screen, true, StandardCharsets.UTF_8);
        ProgressReporter progress = new ProgressReporter(new PrintWriter(new StringWriter()), "qwen", 10_000, 1_000,
                0, Duration.ofSeconds(10), ProgressReporter.Mode.BAR, new ConsoleProgressBarConsumer(terminal, 120),
                true);
        progress.recordDone(RECORD, answer(50, 20));
        progress.close();

        String drawn = screen.toString(StandardCharsets.UTF_8);
        String last = drawn.substring(drawn.lastIndexOf('\r') + 1).strip();
        assertThat(last).startsWith("qwen").contains(" 10% ").contains(" 1,001/10,000 ").doesNotContain("1001");
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
        progress.retrySent(RECORD);
        progress.recordFailed(RECORD, new FailedPrediction("http_400", "HTTP 400: too long",
                new Timing(5, 1, Instant.now())));
        // The library redraws every 250 ms from its own thread, and once more as it is closed: that last drawing
        // is the one checked, so nothing need wait for a redraw.
        progress.close();

        String drawn = screen.toString(StandardCharsets.UTF_8);
        String last = drawn.substring(drawn.lastIndexOf('\r') + 1).strip();
        assertThat(drawn).contains("\r");
        assertThat(last).startsWith("qwen").contains(" 50%").contains("50/100").contains("pred/s").contains("tok/s")
                .contains("1 failed, 1 retry");
        assertThat(last).doesNotContain("\u001b["); // NO_COLOR: no escape codes
        assertThat(lines.toString()).isEmpty(); // no plain lines beside the bar
    }

    @Test
    void onATerminalTheBarShowsTheRequestsOutBeforeTheFirstAnswer() throws Exception {
        // A laptop's server takes minutes to its first answer: the bar said "0 failed, 0 retries" under a ticking
        // clock, and nothing of the requests it waits for.
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(screen, true, StandardCharsets.UTF_8);
        ProgressReporter progress = new ProgressReporter(new PrintWriter(new StringWriter()), "qwen", 50, 0, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.BAR, new ConsoleProgressBarConsumer(terminal, 160),
                true);
        progress.inFlightLimit(4, false, List.of());
        progress.requestsOut(4);

        // The library redraws every 250 ms from its own thread: waited for, not timed (close() draws its own words).
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!screen.toString(StandardCharsets.UTF_8).contains("in flight 4") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String drawn = screen.toString(StandardCharsets.UTF_8);
        progress.close();
        String last = drawn.substring(drawn.lastIndexOf('\r') + 1).strip();
        assertThat(last).startsWith("qwen").contains("0/50").contains("in flight 4");
    }

    @Test
    void aRetryCountsOnceSentAndAStopNeverTakesOneBackItsRefusalsAreNamedInstead() {
        ProgressReporter progress = new ProgressReporter(new PrintWriter(new StringWriter()), "qwen", 10, 0, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.QUIET, null, true);
        InputRecord other = new InputRecord(2, "q2", 0, "{}", "");
        progress.retrying(RECORD, 1, null, Duration.ofSeconds(30));
        assertThat(progress.retries()).as("told, waiting, not sent").isZero();
        progress.retrySent(RECORD);
        assertThat(progress.retries()).isEqualTo(1);
        progress.retrying(RECORD, 2, null, Duration.ofSeconds(30));
        progress.retrying(other, 1, null, Duration.ofSeconds(30));
        progress.retryNotSent(RECORD);
        progress.retryNotSent(other);
        assertThat(progress.retries()).as("a stop takes back no retry shown").isEqualTo(1);

        SessionTally tally = progress.tally(4L);
        assertThat(tally.answeredUnkept()).as("the three refused requests the stop left unsaved").isEqualTo(3);
        assertThat(tally.redundantRequests()).as("a fourth request, in flight at the stop").isEqualTo(1);
        assertThat(new RunSummary(tally, RunSummary.Prices.NONE, Messages.ENGLISH).lines())
                .anySatisfy(l -> assertThat(l).isEqualTo("  Requests:  4 sent, 1 retry, 1 redundant (stopped before"
                        + " their answers were saved; asked again next time), 3 refused or failed before the stop,"
                        + " their records not saved (asked again next time)"));
    }

    @Test
    void elsewhereAPlainLineEveryLogEveryWithThisSessionsRateOfAnswers() {
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 100, 40, 2, Duration.ofSeconds(10), now);
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        progress.recordFailed(RECORD, new FailedPrediction("http_400", "too long", new Timing(5, 1, Instant.now())));
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        progress.recordDone(RECORD, answer(30, 20));
        progress.close();

        // One answer in 10 s: 0.1/s (the failure is no prediction); too early for an ETA.
        assertThat(lines.toString()).isEqualTo("qwen: 41/100 done (41.0%), 3 failed, 0 retries, 0.1/s, 3 tok/s\n");
    }

    @Test
    void aLongHoldOnTheServersWordIsSaidWithHowLongItLasts() {
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 100, 40, 0, Duration.ofSeconds(10), now);
        progress.inFlightLimit(8, false, List.of());
        progress.requestsOut(0);
        progress.waitingForRateLimit(8);
        progress.rateLimitHold(Duration.ofMinutes(62).plusSeconds(3));
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.tick();
        // A short one (the pace, a refill in a second) is no news: the count alone.
        progress.rateLimitHold(ProgressReporter.SAID_HOLD.minusMillis(1));
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.tick();

        assertThat(lines.toString()).isEqualTo("qwen: 40/100 done (40.0%), 0 failed, 0 retries, 0.0/s, 0 tok/s,"
                + " in flight 0 (limit 8), 8 waiting for the rate limit (the server said its budget is spent: it"
                + " resets in 1h02m03s)\n"
                + "qwen: 40/100 done (40.0%), 0 failed, 0 retries, 0.0/s, 0 tok/s,"
                + " in flight 0 (limit 8), 8 waiting for the rate limit\n");
    }

    @Test
    void recordsWaitingToBeSentAgainAreToldApartFromThoseInFlight() {
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 100, 40, 0, Duration.ofSeconds(10), now);
        progress.inFlightLimit(16, false, List.of());
        progress.requestsOut(8);
        progress.waitingToSendAgain(8);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.tick();

        assertThat(lines.toString()).isEqualTo("qwen: 40/100 done (40.0%), 0 failed, 0 retries, 0.0/s, 0 tok/s,"
                + " in flight 8 (limit 16), 8 waiting to be sent again\n");
    }

    @Test
    void requestsTheServerTurnedAwayAreCountedAsTheyCome() {
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 100, 40, 0, Duration.ofSeconds(10), now);
        progress.inFlightLimit(16, false, List.of());
        progress.requestsOut(8);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.tick();
        PredictionException rateLimited = new PredictionException(PredictionException.Disposition.RETRY, "http_429",
                "HTTP 429", Duration.ofSeconds(1));
        PredictionException busy = new PredictionException(PredictionException.Disposition.RETRY, "http_503",
                "HTTP 503", Duration.ofSeconds(1));
        for (int i = 0; i < 1_200; i++) {
            progress.sentAgainAsBusy(RECORD, 1, rateLimited, Duration.ofSeconds(1));
        }
        // A 429 that spent a retry is one the server turned away all the same.
        progress.retrying(RECORD, 1, rateLimited, Duration.ofSeconds(1));
        for (int i = 0; i < 2; i++) {
            progress.sentAgainAsBusy(RECORD, 1, busy, Duration.ofSeconds(1));
        }
        // Likewise a 503 that spent a retry (a fixed --concurrency).
        progress.retrying(RECORD, 1, busy, Duration.ofSeconds(1));
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.tick();

        assertThat(lines.toString()).isEqualTo("qwen: 40/100 done (40.0%), 0 failed, 0 retries, 0.0/s, 0 tok/s,"
                + " in flight 8 (limit 16)\n"
                + "qwen: 40/100 done (40.0%), 0 failed, 0 retries, 0.0/s, 0 tok/s, 1,201 rate-limited (429),"
                + " 3 turned away as busy (503), in flight 8 (limit 16)\n");
    }

    /**
     * "76 retries" with no failure stored, no error in status and nothing in the server's log (a user walk): the line
     * and the summary say what each retry followed, in the kinds failures are counted by, and the summary the first
     * one's words. A retry told but never sent (the run stopped first) is no retry, nor counted by its kind.
     */
    @Test
    void retriesSayWhatFailureEachFollowedOnTheLineAndInTheSummary() {
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 100, 0, 0, Duration.ofSeconds(10), now);
        PredictionException reset = new PredictionException(PredictionException.Disposition.RETRY, "connection",
                "Connection reset", null);
        PredictionException timeout = new PredictionException(PredictionException.Disposition.RETRY, "timeout",
                "timeout", null);
        for (int i = 0; i < 3; i++) {
            InputRecord r = new InputRecord(i, "r" + i, i + 1, "{}", "0");
            progress.retrying(r, 1, reset, Duration.ZERO);
            progress.retrySent(r);
            progress.recordDone(r, answer(5, 1));
        }
        InputRecord slow = new InputRecord(3, "r3", 4, "{}", "0");
        progress.retrying(slow, 1, timeout, Duration.ZERO);
        progress.retrySent(slow);
        InputRecord stopped = new InputRecord(4, "r4", 5, "{}", "0");
        progress.retrying(stopped, 1, timeout, Duration.ofSeconds(5));
        progress.retryNotSent(stopped);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.tick();

        assertThat(lines.toString()).startsWith("qwen: 3/100 done (3.0%), 0 failed, 4 retries (connection 3, timeout"
                + " 1), 0.3/s");
        assertThat(new RunSummary(progress.tally(null), RunSummary.Prices.NONE, Messages.ENGLISH).lines())
                .containsSubsequence("  Requests:  4 retries (connection 3, timeout 1)",
                        "  Retried:   connection: 3, e.g. Connection reset", "  Retried:   timeout: 1, e.g. timeout");
        ProgressReporter calm = lines(new StringWriter(), 100, 0, 0, Duration.ofSeconds(10), now);
        assertThat(new RunSummary(calm.tally(null), RunSummary.Prices.NONE, Messages.ENGLISH).lines())
                .contains("  Requests:  0 retries").noneMatch(l -> l.contains("Retried:"));
    }

    /**
     * A request sent again while no server answered is no retry of its record (none is spent): a run at --retries 0
     * whose server hung said "24 retries (timeout 24)". It is counted apart on the summary, and not on the line nor in
     * the session's retries. Timeouts whose records the stop left unsaved are said as timed out, not as redundant.
     */
    @Test
    void requestsSentAgainWhileNoServerAnsweredAreNoRetriesAndTimeoutsAtTheStopAreNoRedundantOnes() {
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 100, 0, 0, Duration.ofSeconds(10), now);
        PredictionException timeout = new PredictionException(PredictionException.Disposition.UNREACHABLE, "timeout",
                "http://127.0.0.1:8000/v1 (call deadline of 3 s passed)", null);
        InputRecord back = new InputRecord(1, "r1", 2, "{}", "0");
        progress.sentAgainWhileServerAway(back, 1, timeout, Duration.ofMillis(200));
        progress.retrySent(back);
        progress.recordDone(back, new Prediction(Answer.plain("ok", "stop", 10, 5), null,
                new Timing(20, 2, Instant.now())));
        // Timed out, sent again, timed out again, and the wait for the server ran out.
        InputRecord away = new InputRecord(2, "r2", 3, "{}", "0");
        progress.sentAgainWhileServerAway(away, 1, timeout, Duration.ofMillis(200));
        progress.retrySent(away);
        progress.noAnswerInTime(away, timeout);
        // Timed out as the first request of the session: the run stopped at once.
        progress.noAnswerInTime(RECORD, timeout);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.tick();

        assertThat(progress.retries()).isZero();
        assertThat(lines.toString()).startsWith("qwen: 1/100 done (1.0%), 0 failed, 0 retries, ");
        SessionTally tally = progress.tally(5L);
        assertThat(tally.redundantRequests()).as("none was in flight at the stop").isZero();
        assertThat(new RunSummary(tally, RunSummary.Prices.NONE, Messages.ENGLISH).lines())
                .contains("  Requests:  5 sent, 0 retries, 0 redundant, 2 sent again while no server answered (no"
                        + " retry spent), 3 timed out (no answer within --timeout), their records not saved (asked"
                        + " again next time)")
                .noneMatch(l -> l.contains("Retried:"));
    }

    @Test
    void theSummaryOfASessionAtConcurrencyAutoSaysTheLimitItLearnt() {
        // "What concurrency should I use?": the limit learnt, to give next time without learning it again.
        ProgressReporter progress = lines(new StringWriter(), 100, 0, 0, Duration.ofSeconds(10), new AtomicLong());
        progress.inFlightLimit(27, true, List.of(new ServerLimit("http://gpu1:8000/v1", 8, false),
                new ServerLimit("http://gpu2:8000/v1", 19, false)));

        assertThat(new RunSummary(progress.tally(null), RunSummary.Prices.NONE, Messages.ENGLISH).lines())
                .last().isEqualTo("  Limit:     auto, learnt 27 in flight (gpu1:8000 8, gpu2:8000 19); --concurrency 27"
                        + " sends as many from the start");
        progress.inFlightLimit(8, false, List.of());
        assertThat(new RunSummary(progress.tally(null), RunSummary.Prices.NONE, Messages.ENGLISH).lines())
                .as("a fixed --concurrency learns nothing").noneMatch(l -> l.contains("Limit:"));
    }

    @Test
    void whileNothingFinishesTheLineStillComesEveryLogEveryAndSaysWhatIsWaiting() {
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 100, 40, 0, Duration.ofSeconds(10), now);
        progress.inFlightLimit(4, false, List.of());
        progress.requestsOut(1);
        progress.waitingForRateLimit(3);
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        progress.tick();
        assertThat(lines.toString()).as("not due yet").isEmpty();

        now.addAndGet(Duration.ofSeconds(1).toNanos());
        progress.tick();
        progress.tick(); // the same interval: one line
        // One out, three held for the rate limit, of a bound of 4: the bound is said as a limit, not as requests out.
        assertThat(lines.toString()).isEqualTo("qwen: 40/100 done (40.0%), 0 failed, 0 retries, 0.0/s, 0 tok/s,"
                + " in flight 1 (limit 4), 3 waiting for the rate limit\n");

        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.close();
        progress.tick(); // a tick under way as the session ends prints nothing after it
        assertThat(lines.toString().lines()).hasSize(1);
    }

    @Test
    void inFlightIsNeverMoreThanTheRecordsLeftThoughTheRunnerToldItBeforeTheirAnswers() {
        // The runner tells what is out as its claiming thread wakes: 3 out, then two answers are stored first.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 3, 0, 0, Duration.ofSeconds(10), now);
        progress.inFlightLimit(16, false, List.of());
        progress.requestsOut(3);
        progress.recordDone(RECORD, answer(3, 100));
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        progress.recordDone(RECORD, answer(3, 100));
        progress.close();

        assertThat(lines.toString()).isEqualTo("qwen: 2/3 done (66.7%), 0 failed, 0 retries, 0.2/s, 0.6 tok/s,"
                + " in flight 1 (limit 16)\n");
    }

    @Test
    void theEtaWaitsUntilTheRateMeansSomethingAndIsNeverFarOff() {
        // 8 requests in flight, 2 s each: 8 answers every 2 s, 4/s, 300 records in 75 s. Until the first 8 arrive
        // nothing finishes, and the rate measured from the start is far too low (the first line used to promise
        // about 10 minutes).
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 300, 0, 0, Duration.ofSeconds(1), now);
        int answered = 0;
        while (answered < 300) {
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            for (int i = 0; i < 8 && answered < 300; i++) {
                progress.recordDone(RECORD, answer(3, 2000));
                answered++;
            }
        }
        progress.close();

        List<String> printed = lines.toString().lines().toList();
        assertThat(printed).hasSizeGreaterThan(30);
        assertThat(printed.get(0)).startsWith("qwen: 1/300 done").doesNotContain("ETA");
        Pattern eta = Pattern.compile("qwen: (\\d+)/300 done .*, ETA (\\S+)");
        long withEta = 0;
        for (String line : printed) {
            Matcher m = eta.matcher(line);
            if (m.matches()) {
                withEta++;
                double trueSecondsLeft = (300 - Integer.parseInt(m.group(1))) / 4.0;
                assertThat(seconds(m.group(2))).as(line)
                        .isBetween(trueSecondsLeft * 0.5 - 2, trueSecondsLeft * 2 + 2);
            } else {
                assertThat(line).doesNotContain("ETA");
            }
        }
        assertThat(withEta).isGreaterThan(20);
    }

    @Test
    void theEtaFollowsThePaceOfTheLastHalfMinuteNotTheWholeSessions() {
        // 10 answers a second for a minute, then 2 a second (a hosted budget spent, say): at 100 s the session's
        // average is 6.8/s and would promise 47 s for the 321 left; the last 30 s went at 2/s, so 2m40s.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 1000, 0, 0, Duration.ofSeconds(100), now);
        for (int second = 1; second <= 100; second++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            for (int i = 0; i < (second <= 60 ? 10 : 2); i++) {
                progress.recordDone(RECORD, answer(3, 100));
            }
        }
        progress.close();

        // The line comes with the first answer at 100 s: 679 done; 60 in the 30 s since the count kept at 70 s.
        assertThat(lines.toString()).isEqualTo("qwen: 679/1,000 done (67.9%), 0 failed, 0 retries, 6.8/s, 20 tok/s,"
                + " ETA 2m40s\n");
    }

    @Test
    void withAnAnswerEveryTwelveSecondsTheEtaHoldsSteadyInsteadOfHalvingAndDoubling() {
        // A laptop's server: one answer every 12 s, 50 records, a line every 5 s. A window of 30 s held two or three
        // answers, and the ETA swung 10m41s, 21m19s, 10m41s between lines as one came in or fell out. Held to the
        // fewest outcomes that mean a pace, each ETA is within a fifth of the time truly left.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 50, 0, 0, Duration.ofSeconds(5), now);
        for (int answered = 0; answered < 50; answered++) {
            for (int tick = 0; tick < 12; tick++) {
                now.addAndGet(Duration.ofSeconds(1).toNanos());
                progress.tick();
            }
            progress.recordDone(RECORD, answer(3, 12_000));
        }
        progress.close();

        Pattern eta = Pattern.compile("qwen: (\\d+)/50 done .*, ETA (\\S+)");
        long withEta = 0;
        for (String line : lines.toString().lines().toList()) {
            Matcher m = eta.matcher(line);
            if (m.matches() && Integer.parseInt(m.group(1)) >= RecentPace.MIN_OUTCOMES) {
                withEta++;
                double trueSecondsLeft = (50 - Integer.parseInt(m.group(1))) * 12.0;
                assertThat(seconds(m.group(2))).as(line).isBetween(trueSecondsLeft * 0.8, trueSecondsLeft * 1.25);
            }
        }
        assertThat(withEta).isGreaterThan(40);
    }

    @Test
    void theTimeAWriteWaitedForTheDatabaseIsLeftOutOfTheEtasPace() {
        // 10 answers a second for a minute; then a write waits 20 s for another connection's lock on the file (no
        // outcome meanwhile), then 10 a second again. The line comes with the first answer at 85 s, 641 done: over
        // the last 30 s, the wait left out, 10/s, so 35.9 s for the 359 left. Counted in, the window began at 55 s,
        // and its 100 answers in 30 s said 1m48s.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 1000, 0, 0, Duration.ofSeconds(85), now);
        answerEverySecond(progress, now, 60, 10);
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        progress.databaseHeldUp(Duration.ofSeconds(20));
        answerEverySecond(progress, now, 5, 10);
        progress.close();

        assertThat(lines.toString()).isEqualTo("qwen: 641/1,000 done (64.1%), 0 failed, 0 retries, 7.5/s, 23 tok/s,"
                + " ETA 35.9s\n");
    }

    @Test
    void theTimeTheProcessWasStoppedIsLeftOutOfTheEtasPace() {
        // As above, but the process itself was stopped for 60 s (a laptop's lid closed, SIGSTOP): 641 done at 125 s,
        // 10/s over the last 30 s with the stop left out, 35.9 s for the 359 left. Counted in, the window began in
        // the stop, and its 50 answers in 30 s said 3m35s; a stop of minutes said hours.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 1000, 0, 0, Duration.ofSeconds(125), now);
        answerEverySecond(progress, now, 60, 10);
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        progress.processPaused(Duration.ofSeconds(60));
        answerEverySecond(progress, now, 5, 10);
        progress.close();

        assertThat(lines.toString()).isEqualTo("qwen: 641/1,000 done (64.1%), 0 failed, 0 retries, 5.1/s, 15 tok/s,"
                + " ETA 35.9s\n");
    }

    @Test
    void anOutageOfTheDatabaseServerIsLeftOutOfTheEtasPaceOnceAndOnlyOnce() {
        // As above, the wait a PostgreSQL server away: told as its end (databaseBack), and by the write that waited.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 1000, 0, 0, Duration.ofSeconds(85), now);
        answerEverySecond(progress, now, 60, 10);
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        progress.databaseBack(new DatabaseOutage("db:5432", Duration.ofSeconds(20), Duration.ofMinutes(2), null));
        progress.databaseHeldUp(Duration.ofSeconds(20));
        answerEverySecond(progress, now, 5, 10);
        progress.close();

        assertThat(lines.toString()).endsWith("qwen: 641/1,000 done (64.1%), 0 failed, 0 retries, 7.5/s, 23 tok/s,"
                + " ETA 35.9s\n");
    }

    @Test
    void anOutageOfTheServerIsLeftOutOfTheEtasPace() {
        // As above, the model's server gone for 60 s and back, 10/s before and after.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 1000, 0, 0, Duration.ofSeconds(5), now);
        answerEverySecond(progress, now, 60, 10);
        Instant since = Instant.parse("2026-12-07T06:00:00Z");
        progress.serverUnreachable(new ServerOutage(since, Duration.ZERO, true, Duration.ofMinutes(10), "connection",
                "connection refused"));
        // Meanwhile the writer saves the cursor as its heartbeat, and the records try the server now and then.
        for (int s = 5; s <= 60; s += 5) {
            now.addAndGet(Duration.ofSeconds(5).toNanos());
            progress.cursorSaved(new Cursor(0, 600, 0, 0, Instant.now(), RunState.RUNNING));
            progress.serverUnreachable(new ServerOutage(since, Duration.ofSeconds(s), true, Duration.ofMinutes(10),
                    "connection", "connection refused"));
        }
        progress.serverBack(new ServerOutage(since, Duration.ofSeconds(60), true, Duration.ofMinutes(10),
                "connection", "connection refused"));
        answerEverySecond(progress, now, 5, 10);
        progress.close();

        // The first line after it: 359 left at the 10/s of before and after.
        assertThat(lines.toString()).endsWith("the server answers again after 1m00s unreachable; going on\n"
                + "qwen: 641/1,000 done (64.1%), 0 failed, 0 retries, 5.1/s, 15 tok/s, ETA 35.9s\n");
    }

    @Test
    void aSessionYoungerThanHalfAMinuteHasItsEtaAtThePaceOfItsLastHalf() {
        // 80 a second for 4 s, then 5 a second (a hosted budget spent): at 10 s the session's average, 34.6/s,
        // would promise 1.6 s for the 54 left; its last 5 s went at 5/s, so 10.8 s.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 400, 0, 0, Duration.ofSeconds(10), now);
        for (int second = 1; second <= 10; second++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            for (int i = 0; i < (second <= 4 ? 80 : 5); i++) {
                progress.recordDone(RECORD, answer(3, 100));
            }
        }
        progress.close();

        // The line comes with the first answer at 10 s: 346 done; 25 since the count kept at 5 s.
        assertThat(lines.toString()).isEqualTo("qwen: 346/400 done (86.5%), 0 failed, 0 retries, 34.6/s, 104 tok/s,"
                + " ETA 10.8s\n");
    }

    @Test
    void theTimeLeftIsNoShorterThanTheWaitOfARecordToBeSentAgain() {
        // 9 answers a second; at 9 s one record is told to wait 30 s (a Retry-After) before it is sent again. At 10 s
        // the 218 left would take 24 s at 9/s; that record is sent in 29 s at the earliest.
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 300, 0, 0, Duration.ofSeconds(10), now);
        InputRecord waiting = new InputRecord(99, "r99", 100, "{}", "99");
        for (int second = 1; second <= 20; second++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            if (second == 9) {
                progress.retrying(waiting, 1, null, Duration.ofSeconds(30));
            }
            if (second == 11) {
                // Sent sooner than told (its slot came free): from now on the pace alone tells.
                progress.retrySent(waiting);
            }
            for (int i = 0; i < 9; i++) {
                progress.recordDone(RECORD, answer(3, 100));
            }
        }
        progress.close();

        assertThat(lines.toString()).isEqualTo("qwen: 82/300 done (27.3%), 0 failed, 0 retries, 8.2/s, 25 tok/s,"
                + " ETA 29.0s\n"
                + "qwen: 172/300 done (57.3%), 0 failed, 1 retry, 8.6/s, 26 tok/s, ETA 14.2s\n");
    }

    @Test
    void withAnotherWorkerTheLineShowsTheRunsCountsAndTheEtaTheRunsPace() {
        // This worker: 10 answers a second. The other: as many, stored since this session began (40 done before).
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 1000, 40, 2, Duration.ofSeconds(11), now);
        for (int second = 1; second <= 10; second++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            for (int i = 0; i < 10; i++) {
                progress.recordDone(RECORD, answer(3, 100));
            }
            // The cursor committed with these answers counts the run's: 40 before, this worker's, the other's.
            progress.cursorSaved(new Cursor(0, 40 + 2L * 10 * second, 2 + (second == 10 ? 1 : 0), 0, Instant.now(),
                    RunState.RUNNING));
        }
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        progress.recordDone(RECORD, answer(3, 100));
        progress.close();

        // 40 + 101 own + 100 the other's, and its failure; 756 left at the run's pace over the last half of the
        // session, 121 outcomes of both in the 6 s since the count kept at 5 s: 37.5 s (this worker's own pace would
        // say 83 s). The rate shown is this worker's own.
        assertThat(lines.toString()).isEqualTo("qwen: 241/1,000 done (24.1%), 3 failed, 0 retries, 9.2/s, 28 tok/s,"
                + " ETA 37.5s\n");
    }

    @Test
    void aSessionWithoutAnswersHasNoLatencyAndAServerWithoutUsageNoTokens() {
        ProgressReporter progress = new ProgressReporter(new PrintWriter(new StringWriter()), "qwen", 10, 0, 0,
                Duration.ZERO, ProgressReporter.Mode.QUIET, null, false);
        progress.recordFailed(RECORD, new FailedPrediction("timeout", "no answer", new Timing(5, 3, Instant.now())));

        SessionTally none = progress.tally(3L);
        assertThat(none.latency()).isNull();
        assertThat(none.tokensIn()).isNull();
        assertThat(none.tokensOut()).isNull();

        progress.recordDone(RECORD, new Prediction(Answer.plain("ok", "stop", null, null), null,
                new Timing(20, 1, Instant.now())));
        SessionTally noUsage = progress.tally(4L);
        assertThat(noUsage.latency().max()).isEqualTo(20);
        assertThat(noUsage.tokensIn()).isNull();
        // A server that says 0 is believed.
        progress.recordDone(RECORD, new Prediction(Answer.plain("ok", "stop", 0, 0), null,
                new Timing(20, 1, Instant.now())));
        assertThat(progress.tally(5L).tokensIn()).isZero();
    }

    /** "9.5s", "1m05s" in seconds. */
    private static double seconds(String human) {
        Matcher m = Pattern.compile("(?:(\\d+)m)?([0-9.]+)s").matcher(human);
        assertThat(m.matches()).as(human).isTrue();
        return (m.group(1) == null ? 0 : Integer.parseInt(m.group(1)) * 60) + Double.parseDouble(m.group(2));
    }

    private static ProgressReporter lines(StringWriter lines, long total, long doneBefore, long failedBefore,
                                          Duration every, AtomicLong now) {
        return new ProgressReporter(new PrintWriter(lines), "qwen", total, doneBefore, failedBefore, every,
                ProgressReporter.Mode.LINES, null, false, Messages.ENGLISH, now::get);
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
        assertThat(tally.tokensIn()).isEqualTo(20L);
        assertThat(tally.tokensOut()).isEqualTo(7L);
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

    @Test
    void theBarsWordsAreMadeOncePerRedrawNotOncePerOutcome() {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(screen, true, StandardCharsets.UTF_8);
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = new ProgressReporter(new PrintWriter(new StringWriter()), "qwen", 10_000, 0, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.BAR, new ConsoleProgressBarConsumer(terminal, 120),
                true, Messages.ENGLISH, now::get);
        AtomicLong made = new AtomicLong();
        progress.showAlso(() -> {
            made.incrementAndGet();
            return "";
        });
        for (int i = 0; i < 1000; i++) {
            progress.recordDone(RECORD, answer(50, 20));
        }
        assertThat(made.get()).as("words made for 1,000 outcomes within one redraw").isEqualTo(1);
        now.addAndGet(Duration.ofMillis(250).toNanos());
        progress.recordDone(RECORD, answer(50, 20));
        assertThat(made.get()).as("a redraw later").isEqualTo(2);
        progress.close();
        assertThat(made.get()).as("and once more for the last drawing").isEqualTo(3);
        String drawn = screen.toString(StandardCharsets.UTF_8);
        assertThat(drawn.substring(drawn.lastIndexOf('\r') + 1)).contains("1,001/10,000");
    }

    @Test
    void withoutATerminalAndWithoutLinesNoWordsAreMadeAtAll() {
        StringWriter lines = new StringWriter();
        AtomicLong now = new AtomicLong();
        ProgressReporter progress = lines(lines, 10_000, 0, 0, Duration.ZERO, now);
        AtomicLong made = new AtomicLong();
        progress.showAlso(() -> {
            made.incrementAndGet();
            return "";
        });
        for (int i = 0; i < 1000; i++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            progress.recordDone(RECORD, answer(50, 20));
        }
        progress.close();
        assertThat(made.get()).isZero();
        assertThat(lines.toString()).isEmpty();
        assertThat(progress.tally(null).done()).isEqualTo(1000);
    }

    /** {@code perSecond} answers in each of the next {@code seconds} seconds of {@code now}. */
    private static void answerEverySecond(ProgressReporter progress, AtomicLong now, int seconds, int perSecond) {
        for (int second = 1; second <= seconds; second++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            for (int i = 0; i < perSecond; i++) {
                progress.recordDone(RECORD, answer(3, 100));
            }
        }
    }
}
