package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.Answer;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.PredictionException;
import dev.stride.core.ServerOutage;
import dev.stride.core.Timing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that takes the requests and never answers: "in flight 8" until --timeout (10 minutes) said nothing of it,
 * and --quiet said nothing at all. Once requests have been out a minute with no answer, one line says so.
 */
@Timeout(120)
class NoAnswerProgressTest {
    private static final String LINE = "m: 120/200 done (60.0%), no answer for 1m00s to the 8 requests out: the server"
            + " took them and has not answered (busy with long answers, or hung?); each waits up to 10m00s for its"
            + " answer (--timeout), Ctrl+C stops";
    private static final InputRecord RECORD = new InputRecord(0, "r0", 1, "{}", "0");

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final AtomicLong clock = new AtomicLong();

    private ProgressReporter progress(ProgressReporter.Mode mode) {
        // Progress lines every 10 minutes: none is due in these tests but the one looked for.
        ProgressReporter progress = new ProgressReporter(new PrintWriter(out), "m", 200, 120, 0,
                Duration.ofMinutes(10), mode, null, false, Messages.ENGLISH, clock::get);
        progress.requestsWaitUpTo(Duration.ofMinutes(10));
        return progress;
    }

    private void after(Duration d, ProgressReporter progress) {
        clock.addAndGet(d.toNanos());
        progress.tick();
    }

    @Test
    void quietSaysOnceThatRequestsOutAMinuteGotNoAnswerNamingTimeout() {
        ProgressReporter progress = progress(ProgressReporter.Mode.QUIET);
        progress.requestsOut(8);

        after(Duration.ofSeconds(59), progress);
        assertThat(out.toString()).isEmpty();
        after(Duration.ofSeconds(1), progress);
        after(Duration.ofMinutes(5), progress);
        progress.close();

        assertThat(out.toString().lines().toList()).containsExactly(LINE);
    }

    @Test
    void asLinesTooAndAgainForTheNextWaitAfterAnAnswerButNotAfterATimeout() {
        ProgressReporter progress = progress(ProgressReporter.Mode.LINES);
        progress.requestsOut(8);
        after(Duration.ofSeconds(60), progress);
        // A request that timed out is no answer: the wait goes on, said already.
        progress.recordFailed(RECORD, new FailedPrediction(PredictionException.TIMEOUT, "no answer",
                new Timing(5, 1, Instant.now())));
        after(Duration.ofSeconds(60), progress);
        progress.recordDone(RECORD, new Prediction(Answer.plain("ok", "stop", 10, 5), null,
                new Timing(5, 1, Instant.now())));
        after(Duration.ofSeconds(59), progress);
        after(Duration.ofSeconds(1), progress);
        progress.close();

        assertThat(out.toString().lines().toList()).containsExactly(LINE,
                LINE.replace("120/200 done (60.0%)", "121/200 done (60.5%)"));
    }

    @Test
    void nothingIsSaidWithNoRequestOutNorWhileTheServerIsUnreachable() {
        ProgressReporter progress = progress(ProgressReporter.Mode.LINES);
        after(Duration.ofMinutes(2), progress);
        progress.requestsOut(8);
        progress.requestsOut(0);
        after(Duration.ofMinutes(2), progress);
        progress.requestsOut(8);
        progress.serverUnreachable(new ServerOutage(Instant.parse("2030-01-02T03:04:05Z"), Duration.ZERO, true,
                Duration.ofMinutes(10), "timeout", "http://127.0.0.1:9/v1 (timeout)"));
        out.getBuffer().setLength(0); // the outage's own line
        after(Duration.ofMinutes(2), progress);
        progress.close();

        assertThat(out.toString()).isEmpty();
    }

    /**
     * The whole run: MockWebServer holds its answers, the session's clock is moved on a minute at a time until the
     * line comes (the runner tells its requests out when its thread wakes), and then the answers go.
     */
    @Test
    void aQuietRunAgainstAServerThatHoldsItsAnswersSaysSo() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch said = new CountDownLatch(1);
        stride.model.holdingAfter(0, release);
        AtomicLong ahead = new AtomicLong();
        stride.cli.progressBy(() -> System.nanoTime() + ahead.get()).watchingOut(text -> {
            if (text.contains("no answer for")) {
                said.countDown();
            }
        });
        CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(() -> stride.run(input, db)
                .template("{{question}}").with("--quiet", "--concurrency", "2"));
        while (stride.model.requests.get() < 2) {
            Thread.sleep(10);
        }
        for (int minutes = 0; minutes < 30 && !said.await(200, TimeUnit.MILLISECONDS); minutes++) {
            ahead.addAndGet(Duration.ofMinutes(1).toNanos());
        }
        release.countDown();
        Cli.Result r = run.get(60, TimeUnit.SECONDS);

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out().lines().filter(l -> l.contains("no answer for")).toList()).as(r.all()).singleElement()
                .asString().matches("m: 0/3 done \\(0\\.0%\\), no answer for \\S+ to the 2 requests out: the server"
                        + " took them and has not answered \\(busy with long answers, or hung\\?\\); each waits up"
                        + " to 10m00s for its answer \\(--timeout\\), Ctrl\\+C stops");
    }
}
