package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Outcome;
import dev.stride.sim.RateBudget;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the summary's "Requests:" line says against what the server received: every request the server read is
 * counted, none is sent again behind the user's back, and each count says what happened to its requests.
 */
@Timeout(120)
class RequestAccountingTest {
    /** What the retries followed, after their count: " (connection 4)"; none when there were none. */
    private static final String KINDS = "(?: \\([^)]*\\))?";

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void aConnectionDroppedAfterTheServerReadTheRequestIsOneAttemptCountedAndNotSentAgain(boolean okHttp)
            throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        // The server reads these two whole, then drops the connection before it answers, as after the work is done.
        stride.model.answering(prompt -> prompt.equals("Q: question 3") || prompt.equals("Q: question 7")
                ? new MockResponse.Builder().body("{}").onResponseStart(SocketEffect.ShutdownConnection.INSTANCE)
                        .build()
                : null);
        String before = System.getProperty("stride.http.transport");
        if (okHttp) {
            System.setProperty("stride.http.transport", "okhttp");
        }
        Cli.Result r;
        try {
            // One at a time: every request after the first goes out on a kept connection.
            r = stride.run(input, db).template("Q: {{question}}").noProgress()
                    .with("--concurrency", "1", "--retries", "0");
        } finally {
            if (before == null) {
                System.clearProperty("stride.http.transport");
            } else {
                System.setProperty("stride.http.transport", before);
            }
        }

        assertThat(r.out()).as(r.all()).contains("Outcomes:  18 done, 2 failed")
                .contains("Requests:  20 sent, 0 retries");
        assertThat(stride.model.requests.get()).as("what the server received").isEqualTo(20);
        List<Map<String, Object>> failed = Datasets.query(db,
                "SELECT attempts, error FROM predictions WHERE status = 'failed' ORDER BY record_id");
        assertThat(failed).hasSize(2);
        for (Map<String, Object> row : failed) {
            assertThat(((Number) row.get("attempts")).intValue()).isEqualTo(1);
            assertThat(String.valueOf(row.get("error"))).as(r.all()).contains("connection");
        }
    }

    @Test
    void refusalsTheRateGateSentAgainAreCountedAsSentAndSaidForWhatTheyWere() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 100);
        Path db = dir.resolve("runs.db");
        // 20 a second with headers that say so: the first 32 at once exceed it, and the gate, engaged by the
        // headers, waits the refusals out and sends them again. Answers take 300 ms, so that all 32 are out before
        // the first answer's headers engage the gate (with instant answers an idle machine sent them too slowly
        // to be refused: the test then showed nothing).
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(300))
                .rateBudget(new RateBudget(1200, 0, Duration.ofSeconds(1), true)).build()).start(0)) {
            Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                    "--base-url", sim.url(), "--concurrency", "32", "--log-every", "0", "--max-tokens", "20",
                    "--template", "{{question}}");

            assertThat(r.exitCode()).as(r.all()).isZero();
            long refused = sim.stats().count(Outcome.RATE_LIMITED);
            assertThat(refused).as(r.all()).isPositive();
            Matcher line = Pattern.compile("Requests:  (\\d+) sent, (\\d+) retr(?:y|ies)" + KINDS + ", 0 redundant"
                    + "(?:, (\\d+) rate-limited \\(429\\) and sent again)?\n").matcher(r.out());
            assertThat(line.find()).as(r.all()).isTrue();
            assertThat(Long.parseLong(line.group(1))).as("sent, against what the server received")
                    .isEqualTo(sim.stats().requests());
            long sentAgain = line.group(3) == null ? 0 : Long.parseLong(line.group(3));
            assertThat(Long.parseLong(line.group(2)) + sentAgain).as(r.all()).isEqualTo(refused);
            // Each refusal sent again is one more request of its record: the stored attempts are what was received.
            assertThat(Datasets.count(db, "SELECT sum(attempts) FROM predictions"))
                    .isEqualTo(sim.stats().requests());
        }
    }

    /** Records that gave up on 429s get a line saying how to keep to the server's budget and send them again. */
    @Test
    void recordsThatGaveUpOnRefusalsAreToldHowToKeepToTheBudget() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 6);
        try (Simulator sim = new Simulator(SimulatorSettings.builder().rateLimited(1.0).build()).start(0)) {
            Cli.Result r = stride.cli.run("run", input.toString(), "--db", dir.resolve("runs.db").toString(),
                    "--model", "m", "--base-url", sim.url(), "--retries", "0", "--log-every", "0", "--template",
                    "{{question}}");

            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
            assertThat(r.out()).as(r.all()).contains("Rate-limited: 6 records gave up on HTTP 429 (too many requests:"
                    + " a quota or rate limit spent, or a server overloaded); send fewer at once with a lower"
                    + " --concurrency or --concurrency auto, or keep to the server's budget with --rpm N or --tpm N"
                    + " (lower ones, if given), then --retry-failed sends them again\n");
        }
        // Failures of another kind get no such line.
        try (Simulator sim = new Simulator(SimulatorSettings.builder().serverError(1.0).build()).start(0)) {
            Cli.Result r = stride.cli.run("run", input.toString(), "--db", dir.resolve("other.db").toString(),
                    "--model", "m", "--base-url", sim.url(), "--retries", "0", "--log-every", "0", "--template",
                    "{{question}}");
            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
            assertThat(r.out()).doesNotContain("Rate-limited");
        }
    }

    @Test
    void refusalsTheRpmPacingSentAgainAreAmongTheirRecordsAttempts() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 100);
        Path db = dir.resolve("runs.db");
        // 10 a second, no headers; --rpm 900 asks for more, so the server refuses some, which the gate sends again.
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(20))
                .rateBudget(new RateBudget(600, 0, Duration.ofSeconds(1), false)).build()).start(0)) {
            Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                    "--base-url", sim.url(), "--rpm", "900", "--log-every", "0", "--template", "{{question}}");

            assertThat(r.exitCode()).as(r.all()).isZero();
            long refused = sim.stats().count(Outcome.RATE_LIMITED);
            assertThat(refused).as("429s of %s", sim.stats().summary()).isPositive();
            assertThat(r.out()).as(r.all()).contains("Requests:  " + sim.stats().requests() + " sent, 0 retries,"
                    + " 0 redundant, " + refused + " rate-limited (429) and sent again\n");
            assertThat(Datasets.count(db, "SELECT sum(attempts) FROM predictions"))
                    .as("the stored attempts, against what the server received").isEqualTo(sim.stats().requests());
        }
    }

    @Test
    void requestsThatTimedOutAreEachSentAgainAsARetryWhetherOrNotTheRunTookTheServerForGone() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        // Every eighth record's first request is answered after 3 s, against a 1 s timeout; everything else at once.
        // The server answers its check (a GET of its models) after each timeout: up, so each is the record's own,
        // charged. (Without that check, some with nothing answered since they were sent are taken for an outage,
        // uncharged: the count below allows both.) The first request is answered: a server that never
        // answered is a stop, not a retry (with random latencies that first one timed out now and then in CI).
        Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
        stride.model.answering(prompt -> {
            int n = Integer.parseInt(prompt.substring(prompt.lastIndexOf(' ') + 1));
            boolean first = tries.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet() == 1;
            return n % 8 == 7 && first ? FakeModelServer.ok(FakeModelServer.answerFor(prompt)).newBuilder()
                    .headersDelay(3, TimeUnit.SECONDS).build() : null;
        });
        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress()
                .with("--concurrency", "auto", "--timeout", "1s");

        assertThat(r.exitCode()).as(r.all()).isZero();
        long received = stride.model.requests.get();
        assertThat(received).as("each of the five timed out once and was sent again").isEqualTo(45);
        assertThat(Datasets.count(db, "SELECT sum(attempts) FROM predictions"))
                .as("the stored attempts, against what the server received").isEqualTo(received);
        assertThat(r.out()).as(r.all()).contains("Outcomes:  40 done, 0 failed");
        // A record's own timeout (others answered late in its wait) is a retry; one taken for an outage is sent again
        // without spending one, and named so: together they are the five.
        Matcher line = Pattern.compile("Requests:  45 sent, (\\d+) retr(?:y|ies)" + KINDS + ", 0 redundant"
                + "(?:, (\\d+) sent again while no server answered \\(no retry spent\\))?\n").matcher(r.out());
        assertThat(line.find()).as(r.all()).isTrue();
        long retries = Long.parseLong(line.group(1));
        long whileAway = line.group(2) == null ? 0 : Long.parseLong(line.group(2));
        assertThat(retries + whileAway).as(r.all()).isEqualTo(5);
        if (retries > 0) {
            assertThat(r.out()).as(r.all()).contains(retries + (retries == 1 ? " retry" : " retries") + " (timeout "
                    + retries + ")").containsPattern("Retried:   timeout: " + retries
                    + ", e\\.g\\. call deadline of 1 s passed while the server was up \\(it answered GET"
                    + " http://\\S+/v1/models with HTTP 200\\)");
        }
    }

    /**
     * A server that never answers within --timeout: the run stops at its first timeout, and the requests that timed
     * out are said as that, not as redundant ("stopped before their answers were saved"): none had an answer to save.
     */
    @Test
    void requestsThatTimedOutBeforeAStopAreSaidAsTimedOutNotAsRedundant() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 5);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> FakeModelServer.ok(FakeModelServer.answerFor(prompt)).newBuilder()
                .headersDelay(2, TimeUnit.SECONDS).build());
        // Its check (a GET of its models) gets no answer in time either: a server that answers nothing.
        stride.model.checkedWith(FakeModelServer.json(200, "{\"data\":[]}").newBuilder()
                .headersDelay(2, TimeUnit.SECONDS).build());

        Cli.Result r = stride.run(input, db).template("{{question}}").noProgress().with("--timeout", "200ms");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.ERROR);
        long received = stride.model.requests.get();
        assertThat(received).as(r.all()).isPositive();
        assertThat(r.out()).as(r.all()).contains("Requests:  " + received + " sent, 0 retries, 0 redundant, "
                + received + " timed out (no answer within --timeout), their records not saved (asked again next"
                + " time)\n");
        assertThat(r.err()).as(r.all()).contains("no server answered").contains("nothing was marked failed (0/5");
    }

    @Test
    void triesRefusedAtConnectWhileTheServerIsDownAreNoAttemptsAndEachRequestSentAgainIsNamed() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 40);
        Path db = dir.resolve("runs.db");
        SimulatorSettings settings = SimulatorSettings.builder().latency(Duration.ofMillis(200)).build();
        Simulator first = new Simulator(settings).start(0);
        int port = first.port();
        CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(() -> stride.cli.run("run",
                input.toString(), "--db", db.toString(), "--model", "m", "--base-url", first.url(),
                "--concurrency", "4", "--log-every", "0", "--template", "{{question}}"));
        while (first.stats().requests() < 12 && !run.isDone()) {
            Thread.sleep(10);
        }
        // The server goes away with requests in flight; the run's tries meanwhile find no server, refused at
        // connect, until one is listening on the same port again. Two seconds away: each record cut is tried at
        // least three times meanwhile (backoff of at most 0.5, 1 and 2 s), so a dozen tries or more find no server.
        first.close();
        Thread.sleep(2000);
        try (Simulator second = new Simulator(settings).start(port)) {
            Cli.Result r = run.get(100, TimeUnit.SECONDS);

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.all()).as("the outage was seen").contains("unreachable");
            long received = first.stats().requests() + second.stats().requests();
            long stored = Datasets.count(db, "SELECT sum(attempts) FROM predictions");
            // A dying server can take a connection and reset it unread: the JDK's server accepts until its listener's
            // close takes effect, a moment after its connections were dropped, and a record cut by them may be sent
            // again within it. The client cannot tell that request from one the server read and died with, so it is
            // counted: at most one per request in flight when the server went away. A try refused at connect is no
            // attempt, and there were a dozen or more of them.
            assertThat(stored).as("the stored attempts, against what the servers received (%d and %d): %s",
                    first.stats().requests(), second.stats().requests(), r.all())
                    .isBetween(received, received + 4);
            assertThat(Datasets.count(db, "SELECT max(attempts) FROM predictions"))
                    .as("a request cut by the outage, then the answer").isLessThanOrEqualTo(3);
            // Every request beyond a record's first was a retry, and is named so, with what it followed.
            long retries = stored - 40;
            assertThat(r.out()).as(r.all()).contains("Requests:  " + stored + " sent, " + retries
                    + (retries == 1 ? " retry" : " retries") + " (connection " + retries + "), 0 redundant\n");
        } finally {
            first.close();
        }
    }

    @Test
    void answersThatWereNotJsonAreCountedAsReaskedNotAsRedundant() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("runs.db");

        Cli.Result r = stride.run(input, db).template("Q: {{question}}").noProgress()
                .with("--json-output", "--json-retries", "2");

        assertThat(r.out()).as(r.all()).contains("Outcomes:  0 done, 10 failed")
                .contains("Requests:  30 sent, 0 retries, 0 redundant, 20 re-asked for valid JSON\n")
                .doesNotContain("stopped before");
        assertThat(stride.model.requests.get()).isEqualTo(30);
    }

    @Test
    void aReAskKeptWithItsRecordIsOneOfItsAttemptsAndAnAnswerNeverSavedStaysRedundant() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        // One at a time: q0 is not JSON, then is (2 requests); q1, q2 are; the 5th request (q3) presses Ctrl+C and
        // is held until the run has ended: with no grace it is given up unanswered.
        CountDownLatch runEnded = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            int n = seen.incrementAndGet();
            if (n == 5) {
                stride.cli.pressCtrlC();
                try {
                    runEnded.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return FakeModelServer.ok(n == 1 ? "Not JSON." : "{\"answer\": \"A\"}");
        });

        Cli.Result r;
        try {
            r = stride.run(input, db).template("Q: {{question}}").noProgress()
                    .with("--json-output", "--json-retries", "1", "--concurrency", "1", "--grace", "0s");
        } finally {
            runEnded.countDown();
        }

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        assertThat(stride.model.requests.get()).as("what the server received").isEqualTo(5);
        assertThat(r.out()).as(r.all()).contains("Outcomes:  3 done, 0 failed")
                .contains("Requests:  5 sent, 0 retries, 1 redundant (stopped before their answers were saved;"
                        + " asked again next time), 1 re-asked for valid JSON\n");
        assertThat(Datasets.query(db, "SELECT sum(attempts) AS attempts FROM predictions").get(0))
                .containsEntry("attempts", 4);
    }

    @Test
    void requestsAnsweredWithTheRefusalThatStoppedTheRunAreSaidToBeThat() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 20);
        Path db = dir.resolve("runs.db");
        stride.model.answering(prompt -> FakeModelServer.json(401, "{\"error\":{\"message\":\"bad key\"}}"));

        Cli.Result r = stride.run(input, db).template("Q: {{question}}").noProgress().with("--concurrency", "3");

        assertThat(r.exitCode()).as(r.all()).isNotZero();
        int received = stride.model.requests.get();
        assertThat(r.out()).as(r.all()).contains("Requests:  " + received + " sent, 0 retries, 0 redundant, "
                + received + " answered with the refusal that stopped the run (not stored; asked again next time)\n")
                .doesNotContain("stopped before");
    }

    /**
     * Three records at three in flight, each request refused with {@code status} and told to come back in 30 s; Ctrl+C
     * is pressed a moment after the third came in, while the records wait to be sent again.
     */
    private Cli.Result stoppedWhileEveryRequestWaitsOut(int status, String message) throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == 3) {
                Thread press = new Thread(() -> {
                    try {
                        Thread.sleep(2000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    stride.cli.pressCtrlC();
                });
                press.setDaemon(true);
                press.start();
            }
            return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json")
                    .setHeader("Retry-After", "30").body("{\"error\":{\"message\":\"" + message + "\"}}").build();
        });
        Cli.Result r = stride.run(input, db).template("Q: {{question}}").noProgress().with("--concurrency", "3");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        assertThat(stride.model.requests.get()).as("what the server received").isEqualTo(3);
        return r;
    }

    @Test
    void aSessionStoppedWhileItsRecordsWaitToBeRetriedCountsEachRequestOnce() throws Exception {
        // Refused as busy: a retry the stop keeps from going out is none.
        Cli.Result r = stoppedWhileEveryRequestWaitsOut(503, "busy");

        Matcher line = Pattern.compile("Requests:  (\\d+) sent, (\\d+) retr(?:y|ies)" + KINDS + ", (\\d+) redundant")
                .matcher(r.out());
        assertThat(line.find()).as(r.all()).isTrue();
        assertThat(Long.parseLong(line.group(1))).as("sent, against what the server received").isEqualTo(3);
        // Each record's first attempt went out, and no retry did.
        assertThat(Long.parseLong(line.group(2))).as(r.all()).isZero();
        // Their answers came back (refusals, each followed by a retry): none was in flight at the stop.
        assertThat(Long.parseLong(line.group(3))).as(r.all()).isZero();
        assertThat(r.out()).as(r.all()).contains("(this session: 0 predictions, 0 failed, 0 retries)")
                .as("the three refusals named, so the parts add up to what was sent")
                .contains(", 3 refused or failed before the stop, their records not saved (asked again next time)\n");
    }

    @Test
    void aSessionStoppedWhileItsRecordsWaitOutA429GivesNoAdviceOnRefusals() throws Exception {
        // Three of three answered 429, yet none was sent again, and a stopped session is no measure of the settings.
        Cli.Result r = stoppedWhileEveryRequestWaitsOut(429, "slow down");

        assertThat(r.out()).as(r.all()).contains("Requests:  3 sent, ").doesNotContain("Rate-limited:");
    }

    /**
     * The request in flight at Ctrl+C comes back refused: it had no answer the stop kept from being saved, so it is
     * said with the other refusals, not as redundant ("stopped before their answers were saved"), which had a user
     * look for answers thrown away.
     */
    @Test
    void aSessionStoppedWithARetryInFlightCountsItsRefusalWithTheOthersNotAsRedundant() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        Path db = dir.resolve("runs.db");
        // Every request is refused as busy; Ctrl+C is pressed as the 8th comes in, before its refusal goes back.
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == 8) {
                stride.cli.pressCtrlC();
            }
            return FakeModelServer.json(503, "{\"error\":{\"message\":\"busy\"}}");
        });

        Cli.Result r = stride.run(input, db).template("Q: {{question}}").noProgress().with("--concurrency", "3");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        Matcher line = Pattern.compile("Requests:  (\\d+) sent, (\\d+) retr(?:y|ies)" + KINDS + ", (\\d+) redundant")
                .matcher(r.out());
        assertThat(line.find()).as(r.all()).isTrue();
        long sent = Long.parseLong(line.group(1));
        long retries = Long.parseLong(line.group(2));
        assertThat(sent).as("sent, against what the server received").isEqualTo(stride.model.requests.get());
        assertThat(retries).as(r.all()).isEqualTo(sent - 3);
        // Every request was answered, with a refusal: none is redundant, all are named as refused.
        assertThat(Long.parseLong(line.group(3))).as(r.all()).isZero();
        assertThat(r.out()).as(r.all())
                .contains(", " + sent + " refused or failed before the stop, their records not saved")
                .contains("(this session: 0 predictions, 0 failed, " + retries
                        + (retries == 1 ? " retry)" : " retries)"));
    }

    @Test
    void requestsABusyServerRefusedUnderAutoAreSentAgainAndSaidForWhatTheyWereNotAsRetries() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 200);
        Path db = dir.resolve("runs.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(20)).maxConcurrent(2)
                .whenBusy(SimulatorSettings.WhenBusy.REJECT).build()).start(0)) {
            Cli.Result r = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                    "--base-url", sim.url(), "--concurrency", "auto", "--retries", "0", "--log-every", "0",
                    "--template", "{{question}}");

            assertThat(r.exitCode()).as(r.all()).isZero();
            long busy = sim.stats().count(Outcome.BUSY);
            assertThat(busy).as("503s the simulator sent").isPositive();
            assertThat(r.out()).as(r.all())
                    .contains("(this session: 200 predictions, 0 failed, 0 retries)")
                    .contains("Requests:  " + sim.stats().requests() + " sent, 0 retries, 0 redundant, " + busy
                            + " turned away as busy (503) and sent again\n");
            // A record's attempts are the requests it took, those refused as busy included (docs/sql.md).
            assertThat(((Number) Datasets.query(db, "SELECT sum(attempts) AS n FROM predictions").get(0).get("n"))
                    .longValue()).isEqualTo(sim.stats().requests());
        }
    }
}
