package dev.stride.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Latency, speed, failures and the concurrency limit, as a real HTTP client sees them. */
class SimulatorBehaviourTest {
    private Simulator sim;
    private Http http;

    private void start(SimulatorSettings.Builder settings) throws IOException {
        sim = new Simulator(settings.build()).start(0);
        http = new Http(sim);
    }

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void latencySetsTheTimeOfAnAnswer() throws Exception {
        start(SimulatorSettings.builder().latency(Duration.ofMillis(100)));
        http.chat("warm up");

        long[] millis = new long[20];
        for (int i = 0; i < millis.length; i++) {
            long t0 = System.nanoTime();
            assertThat(http.chat("Question " + i).statusCode()).isEqualTo(200);
            millis[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        Arrays.sort(millis);

        // Load can only add time: the lower bound is the setting's, the figures are printed, not bounded above.
        assertThat(millis[0]).isGreaterThanOrEqualTo(99);
        System.out.printf("latency 100 ms: fastest %d ms, median %d ms%n", millis[0], millis[millis.length / 2]);
    }

    @Test
    void jitterSpreadsLatencyAroundTheMean() throws Exception {
        // Latencies drawn from 20..380 ms; the default seed makes them the same every time: 119..351 ms for the 12
        // measured. Load only adds time, so the spread seen can fall to 30 ms only if the 119 ms answer is delayed by
        // 200 ms: the bound below is far from what a loaded machine does.
        start(SimulatorSettings.builder().latency(Duration.ofMillis(200)).jitter(Duration.ofMillis(180)));
        http.chat("warm up");

        long[] millis = new long[12];
        for (int i = 0; i < millis.length; i++) {
            long t0 = System.nanoTime();
            http.chat("Question " + i);
            millis[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        Arrays.sort(millis);

        assertThat(millis[0]).isGreaterThanOrEqualTo(20);
        assertThat(millis[millis.length - 1] - millis[0]).isGreaterThan(30);
        System.out.printf("latency 200 ms, jitter 180 ms: %d..%d ms, median %d ms%n", millis[0],
                millis[millis.length - 1], millis[millis.length / 2]);
    }

    @Test
    void aLatencySpreadVariesEachLatencyAsAModelsAnswersVaryAndKeepsTheMean() {
        Simulator spread = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(100))
                .latencySpread(0.5).build());
        long[] millis = new long[20_000];
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < millis.length; i++) {
            millis[i] = spread.drawLatency();
            sum += millis[i];
            squares += (double) millis[i] * millis[i];
        }
        Arrays.sort(millis);
        double mean = sum / millis.length;
        double variation = Math.sqrt(squares / millis.length - mean * mean) / mean;
        // Log-normal, sigma 0.5, mean 100 ms: median 88 ms, middle half 63..124 ms, coefficient of variation 0.53.
        assertThat(mean).isBetween(97.0, 103.0);
        assertThat(variation).isBetween(0.48, 0.58);
        assertThat(millis[millis.length / 4]).isBetween(59L, 67L);
        assertThat(millis[millis.length * 3 / 4]).isBetween(118L, 130L);

        Simulator none = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(100)).build());
        for (int i = 0; i < 100; i++) {
            assertThat(none.drawLatency()).isEqualTo(100);
        }
    }

    @Test
    void tokensPerSecondMakesALongerAnswerTakeLonger() throws Exception {
        start(SimulatorSettings.builder().tokensPerSecond(100));
        String prompt = "What are the common symptoms of iron deficiency anemia in adults and children?";
        int tokens = Simulator.answerFor(prompt).split(" ").length;
        http.post("/chat/completions", Http.chatBody("warm up", ",\"max_tokens\":1"));

        long t0 = System.nanoTime();
        http.post("/chat/completions", Http.chatBody(prompt, ",\"max_tokens\":2"));
        long shortMillis = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        http.chat(prompt);
        long longMillis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(tokens).isGreaterThan(20);
        assertThat(longMillis).isGreaterThanOrEqualTo(tokens * 10L - 5);
        assertThat(shortMillis).isGreaterThanOrEqualTo(2 * 10L - 5);
        System.out.printf("100 tokens/s: 2 tokens in %d ms, %d tokens in %d ms%n", shortMillis, tokens, longMillis);
    }

    @Test
    void streamingPacesTokensAtTheConfiguredSpeed() throws Exception {
        start(SimulatorSettings.builder().latency(Duration.ofMillis(50)).tokensPerSecond(200));
        String prompt = "How long does a common cold last?";
        int tokens = Simulator.answerFor(prompt).split(" ").length;

        long t0 = System.nanoTime();
        HttpResponse<String> r = http.post("/chat/completions", Http.chatBody(prompt, ",\"stream\":true"));
        long millis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        assertThat(millis).isGreaterThanOrEqualTo(50 + (tokens - 1) * 5L - 5);
    }

    @Test
    void rateLimitedAnswers429WithRetryAfter() throws Exception {
        start(SimulatorSettings.builder().rateLimited(1.0).retryAfter(Duration.ofSeconds(2)));

        HttpResponse<String> r = http.chat("Q?");

        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(Http.json(r).at("/error/message").asText()).contains("Rate limit");
        assertThat(sim.stats().count(Outcome.RATE_LIMITED)).isEqualTo(1);
    }

    @Test
    void retryAfterDefaultsToOneSecond() throws Exception {
        start(SimulatorSettings.builder().rateLimited(1.0));

        assertThat(http.chat("Q?").headers().firstValue("Retry-After")).hasValue("1");
    }

    @Test
    void serverErrorAnswers500AndUnavailableAnswers503() throws Exception {
        start(SimulatorSettings.builder().serverError(1.0));
        HttpResponse<String> r500 = http.chat("Q?");
        sim.close();
        start(SimulatorSettings.builder().unavailable(1.0));
        HttpResponse<String> r503 = http.chat("Q?");

        assertThat(r500.statusCode()).isEqualTo(500);
        assertThat(Http.json(r500).at("/error/type").asText()).isEqualTo("server_error");
        assertThat(r503.statusCode()).isEqualTo(503);
        assertThat(sim.stats().count(Outcome.UNAVAILABLE)).isEqualTo(1);
    }

    @Test
    void aDroppedConnectionGivesTheClientAnIoExceptionAndNoResponse() throws Exception {
        start(SimulatorSettings.builder().dropped(1.0));

        assertThatThrownBy(() -> http.chat("Q?")).isInstanceOf(IOException.class);
        assertThat(Http.raw(sim, "Q?").text()).isEmpty();
        assertThat(sim.stats().count(Outcome.DROPPED)).isGreaterThanOrEqualTo(2);
        assertThat(sim.stats().count(Outcome.OK)).isZero();
    }

    @Test
    void aTruncatedBodyStopsShortOfItsContentLength() throws Exception {
        start(SimulatorSettings.builder().truncated(1.0));

        Http.RawResponse raw = Http.raw(sim, "Q?");
        assertThat(raw.head()).startsWith("HTTP/1.1 200");
        assertThat(raw.contentLength()).isPositive();
        assertThat((long) raw.body().length()).isPositive().isLessThan(raw.contentLength());
        assertThatThrownBy(() -> http.chat("Q?")).isInstanceOf(IOException.class);
        assertThat(sim.stats().count(Outcome.TRUNCATED)).isEqualTo(2);
    }

    @Test
    void aTruncatedStreamEndsBeforeDone() throws Exception {
        start(SimulatorSettings.builder().truncated(1.0));

        assertThatThrownBy(() -> http.post("/chat/completions", Http.chatBody("Q?", ",\"stream\":true")))
                .isInstanceOf(IOException.class);
    }

    @Test
    void mixedFailureRatesAreDrawnInProportionAndRepeatWithTheSeed() throws Exception {
        SimulatorSettings.Builder settings = SimulatorSettings.builder().rateLimited(0.2).serverError(0.2)
                .unavailable(0.2).seed(7);
        start(settings);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            statuses.add(http.chat("Q" + i).statusCode());
        }
        SimulatorStats stats = sim.stats();
        sim.close();
        start(settings);
        List<Integer> again = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            again.add(http.chat("Q" + i).statusCode());
        }

        assertThat(stats.requests()).isEqualTo(300);
        assertThat(stats.count(Outcome.RATE_LIMITED)).isBetween(35L, 85L);
        assertThat(stats.count(Outcome.SERVER_ERROR)).isBetween(35L, 85L);
        assertThat(stats.count(Outcome.UNAVAILABLE)).isBetween(35L, 85L);
        assertThat(stats.count(Outcome.OK)).isBetween(95L, 145L);
        assertThat(stats.count(Outcome.OK) + stats.count(Outcome.RATE_LIMITED) + stats.count(Outcome.SERVER_ERROR)
                + stats.count(Outcome.UNAVAILABLE)).isEqualTo(300);
        assertThat(again).isEqualTo(statuses);
    }

    @Test
    void beyondMaxConcurrentRejectAnswers503AtOnce() throws Exception {
        // Two requests take both places (the simulator says so itself); four more, one after another, are turned
        // away at once while those two are still being served. Their 5 s are far above the time the four take, so
        // no load lets a place come free in between.
        start(SimulatorSettings.builder().latency(Duration.ofSeconds(5)).maxConcurrent(2)
                .whenBusy(SimulatorSettings.WhenBusy.REJECT));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<HttpResponse<String>>> served = List.of(pool.submit(() -> http.chat("First")),
                    pool.submit(() -> http.chat("Second")));
            awaitPeakInFlight(2);

            List<HttpResponse<String>> busy = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                busy.add(http.chat("One too many " + i));
            }

            assertThat(served).noneMatch(Future::isDone);
            assertThat(busy).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(503))
                    .allSatisfy(r -> assertThat(r.body()).contains("server busy"));
            for (Future<HttpResponse<String>> f : served) {
                assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(sim.stats().count(Outcome.BUSY)).isEqualTo(4);
            assertThat(sim.stats().count(Outcome.OK)).isEqualTo(2);
            assertThat(sim.stats().peakInFlight()).isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void beyondMaxConcurrentQueueMakesRequestsWaitTheirTurn() throws Exception {
        start(SimulatorSettings.builder().latency(Duration.ofMillis(200)).maxConcurrent(2)
                .whenBusy(SimulatorSettings.WhenBusy.QUEUE));

        long t0 = System.nanoTime();
        List<HttpResponse<String>> responses = concurrently(6);
        long millis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        assertThat(millis).as("3 waves of 200 ms").isGreaterThanOrEqualTo(590);
        System.out.printf("6 requests queued for 2 places, 200 ms each: %d ms%n", millis);
        assertThat(sim.stats().peakInFlight()).isEqualTo(2);
    }

    @Test
    void withoutALimitManyRequestsAreServedAtOnce() throws Exception {
        // 3 s each: the 64 requests reach the server far within that, even on a loaded machine.
        start(SimulatorSettings.builder().latency(Duration.ofSeconds(3)));

        long t0 = System.nanoTime();
        List<HttpResponse<String>> responses = concurrently(64);
        long millis = (System.nanoTime() - t0) / 1_000_000;

        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        // That they were served at once is told by the simulator's own count of requests in flight, not by a time.
        assertThat(sim.stats().peakInFlight()).isGreaterThan(32);
        System.out.printf("64 requests of 3 s at once: %d ms%n", millis);
    }

    @Test
    void requestsWaitingOutTheirLatencyHoldNoThreadEach() throws Exception {
        // A benchmark keeps a thousand requests in flight on the same two cores as the simulator: a sleeping thread
        // per request would make the simulator's wake-ups, not the client, the figure. 100 requests of 10 s all wait
        // at once (the server's own count says so); the threads serving them are counted then. Each thread is busy
        // for the moments it reads a request and hands it to the timer, so a few serve all 100; with a thread held
        // per request there would be 100 at least.
        start(SimulatorSettings.builder().latency(Duration.ofSeconds(10)));
        int n = 100;
        ExecutorService clients = Executors.newFixedThreadPool(n);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String prompt = "Waiting question " + i;
                answers.add(clients.submit(() -> http.chat(prompt)));
            }
            awaitPeakInFlight(n);
            long serving = Thread.getAllStackTraces().keySet().stream()
                    .map(Thread::getName)
                    .filter(name -> name.startsWith("stride-sim-") && !name.startsWith("stride-sim-timer-"))
                    .count();

            assertThat(serving).as("threads serving %d requests that wait at once", n).isLessThan(n / 2);
            for (Future<HttpResponse<String>> answer : answers) {
                assertThat(answer.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(sim.stats().count(Outcome.OK)).isEqualTo(n);
            System.out.printf("%d requests waiting at once: %d threads serving them%n", n, serving);
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aRequestHasLeftTheServersCountsAndItsSlotOnceItsClientHasTheAnswer() throws Exception {
        // A client that sends its next request the moment it has an answer (as stride does, on the same connection)
        // must find the first one gone: one place, refusing the rest, and never a 503 or a second in flight. Whole
        // answers (sent by the timer) and streams, one after another.
        start(SimulatorSettings.builder().latency(Duration.ofMillis(5)).maxConcurrent(1)
                .whenBusy(SimulatorSettings.WhenBusy.REJECT));
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> whole = http.chat("Question " + i);
            assertThat(sim.inFlight()).as("in flight once answer %d is in", i).isZero();
            assertThat(whole.statusCode()).isEqualTo(200);
            HttpResponse<String> streamed = http.post("/chat/completions",
                    Http.chatBody("Streamed " + i, ",\"stream\":true"));
            assertThat(sim.inFlight()).as("in flight once stream %d has ended", i).isZero();
            assertThat(streamed.statusCode()).isEqualTo(200);
        }
        assertThat(sim.stats().count(Outcome.BUSY)).isZero();
        assertThat(sim.stats().peakInFlight()).isEqualTo(1);
    }

    @Test
    void settingsRefuseImpossibleValues() {
        assertThatThrownBy(() -> SimulatorSettings.builder().rateLimited(0.6).dropped(0.6).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 1");
        assertThatThrownBy(() -> SimulatorSettings.builder().serverError(-0.1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimulatorSettings.builder().maxConcurrent(-1).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Waits until the simulator has served {@code n} requests at once (the requests' latency keeps them there). */
    private void awaitPeakInFlight(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sim.stats().peakInFlight() < n) {
            assertThat(System.nanoTime()).as("%d in flight at once within 60 s", n).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private List<HttpResponse<String>> concurrently(int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String prompt = "Concurrent question " + i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return http.chat(prompt);
                }));
            }
            go.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> f : futures) {
                responses.add(f.get(60, TimeUnit.SECONDS));
            }
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }
}
