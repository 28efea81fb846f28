package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ServerPoolTest {

    private static final String OK = """
            {"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}""";

    @StartStop
    public final MockWebServer a = new MockWebServer();
    @StartStop
    public final MockWebServer b = new MockWebServer();

    private final ExecutorService callers = Executors.newCachedThreadPool();
    /** A clock the set-aside tests move by hand. */
    private final AtomicLong now = new AtomicLong();
    private ServerPool pool;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (pool != null) {
            pool.cancelAll();
            pool.close();
        }
        callers.shutdownNow();
        assertThat(callers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }

    private static ClientSettings settings(MockWebServer server) {
        return Fixtures.fastSettings(server).withMaxConcurrency(64)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(100));
    }

    private ServerPool pool(Duration firstSetAside, Duration maxSetAside) {
        pool = new ServerPool(List.of(settings(a), settings(b)), 3, firstSetAside, maxSetAside, now::get);
        return pool;
    }

    private static Dispatcher answering(int status) {
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return status == 200 ? Fixtures.response(200, "application/json", OK)
                        : Fixtures.response(status, "application/json", "{\"error\":\"status " + status + "\"}");
            }
        };
    }

    private static Dispatcher holding(CountDownLatch arrived, CountDownLatch release) {
        return new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                arrived.countDown();
                // Held until the test lets go: a call that came back by itself would change the counts in flight.
                release.await(60, TimeUnit.SECONDS);
                return Fixtures.response(200, "application/json", OK);
            }
        };
    }

    private Future<ChatResult> submit() {
        return callers.submit(() -> pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)));
    }

    private CallFailure failure() {
        return catchThrowableOfType(CallFailure.class, () -> pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)));
    }

    private String baseOf(MockWebServer server) {
        return settings(server).baseUrl();
    }

    @Test
    void anAdaptiveServerThatIsFullIsNotSetAsideItsLimitFallsInstead() {
        a.setDispatcher(answering(503));
        b.setDispatcher(answering(200));
        pool = ServerPool.adaptive(List.of(settings(a)), 64);
        assertThat(pool.concurrencyLimit()).isEqualTo(AdaptiveLimit.INITIAL);

        for (int i = 0; i < 5; i++) {
            assertThat(failure().status()).isEqualTo(503);
        }

        // Five 503s in a row: a fixed pool would have set the server aside after three; this one keeps it in
        // rotation with a lower limit (no other in flight: down to 1), which its answers raise again.
        assertThat(pool.stats().get(0).setAside()).isFalse();
        assertThat(pool.concurrencyLimit()).isEqualTo(1);
        assertThat(pool.limits()).containsExactly(1);
    }

    @Test
    void eachAdaptiveServerHasItsOwnLimitAndTheMostRoomWins() throws Exception {
        a.setDispatcher(answering(503));
        b.setDispatcher(answering(200));
        pool = ServerPool.adaptive(List.of(settings(a), settings(b)), 64);
        assertThat(pool.limits()).containsExactly(AdaptiveLimit.INITIAL, AdaptiveLimit.INITIAL);

        // Calls one at a time: the server that answers fills its first limit (one) until it grows to two; the full
        // one's refusals keep its own at one.
        for (int i = 0; i < 200 && !pool.limits().equals(List.of(1, 2)); i++) {
            catchThrowable(() -> pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)));
        }
        assertThat(pool.limits()).containsExactly(1, 2);
        assertThat(pool.stats()).as("what status shows per server").extracting(ServerStats::limit)
                .containsExactly(1, 2);
        assertThat(pool.concurrencyLimit()).isEqualTo(3);
        assertThat(a.getRequestCount()).as("calls the full server got").isPositive();

        // With nothing in flight, the server with more room under its own limit takes every call.
        int refusedByA = a.getRequestCount();
        int before = b.getRequestCount();
        for (int i = 0; i < 10; i++) {
            assertThat(pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)).server()).isEqualTo(baseOf(b));
        }
        assertThat(a.getRequestCount()).isEqualTo(refusedByA);
        assertThat(b.getRequestCount()).isEqualTo(before + 10);
    }

    /**
     * An adaptive pool of server {@code a} alone, which holds every request until {@code release}, with as many
     * calls at it as its learnt limit; returns them.
     */
    private List<Future<ChatResult>> adaptiveServerAtItsLimit(CountDownLatch release) throws InterruptedException {
        a.setDispatcher(holding(new CountDownLatch(0), release));
        pool = ServerPool.adaptive(List.of(settings(a)), 64);
        int limit = pool.concurrencyLimit();
        List<Future<ChatResult>> held = new ArrayList<>();
        for (int i = 0; i < limit; i++) {
            held.add(submit());
        }
        waitFor(() -> a.getRequestCount() == limit);
        return held;
    }

    @Test
    void aCallBeyondAnAdaptiveServersLimitWaitsForOneInFlightToEnd() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Future<ChatResult>> held = adaptiveServerAtItsLimit(release);
        int limit = held.size();

        // One more than the server takes: sent, it would be refused (a 429 the limit backs off for) or queued.
        held.add(submit());
        for (int look = 0; look < 30; look++) {
            Thread.sleep(10);
            assertThat(a.getRequestCount()).as("requests at a server at its limit of %d", limit).isEqualTo(limit);
        }
        assertThat(held.get(limit)).isNotDone();

        release.countDown();
        for (Future<ChatResult> f : held) {
            assertThat(f.get(60, TimeUnit.SECONDS).server()).isEqualTo(baseOf(a));
        }
        assertThat(a.getRequestCount()).isEqualTo(limit + 1);
    }

    @Test
    void aCallWaitingForRoomIsCancelledWhenThePoolStopsSending() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        int limit = adaptiveServerAtItsLimit(release).size();
        Future<ChatResult> waiting = submit();
        waitFor(() -> pool.waitingForRoom() == 1);

        pool.stopSending();

        Throwable thrown = catchThrowable(() -> waiting.get(60, TimeUnit.SECONDS));
        assertThat(thrown).hasCauseInstanceOf(CallFailure.class);
        assertThat(((CallFailure) thrown.getCause()).kind()).isEqualTo(CallFailure.Kind.CANCELLED);
        release.countDown();
        assertThat(a.getRequestCount()).isEqualTo(limit);
    }

    /**
     * Callers let go at once, and woken together when a call ends, all find the one place free: the pool hands it to
     * one of them, never more than its limit in all. (The runner keeps its own bound under the limit too; this is the
     * pool alone.) A round is a new pool, whose limit stays at its first 1 for the few answers it gets; the race it
     * guards against is a few instructions wide, hence many rounds.
     */
    @Test
    void callersLetGoTogetherNeverTakeMoreThanTheLimit() throws Exception {
        int together = 8;
        AtomicInteger held = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        for (int round = 0; round < 150; round++) {
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            a.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                    peak.accumulateAndGet(held.incrementAndGet(), Math::max);
                    try {
                        release.await(60, TimeUnit.SECONDS);
                        return Fixtures.response(200, "application/json", OK);
                    } finally {
                        held.decrementAndGet();
                    }
                }
            });
            // A clock that only ticks: nothing here may depend on how long the round takes.
            AtomicLong ticks = new AtomicLong();
            pool = ServerPool.adaptive(List.of(settings(a)), 64, ticks::incrementAndGet);
            assertThat(pool.concurrencyLimit()).isEqualTo(AdaptiveLimit.INITIAL);
            List<Future<ChatResult>> calls = new ArrayList<>();
            for (int i = 0; i < together; i++) {
                calls.add(callers.submit(() -> {
                    go.await();
                    return pool.complete(Fixtures.prompt(Api.OPENAI_CHAT));
                }));
            }
            go.countDown();
            // Every caller at the server or waiting for room: then let the server answer, one after the other.
            waitFor(() -> held.get() + pool.waitingForRoom() == together);
            release.countDown();
            for (Future<ChatResult> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
            assertThat(pool.limits()).as("the limit in round %d", round).containsExactly(AdaptiveLimit.INITIAL);
            assertThat(peak.get()).as("the most the server held at once, by round %d", round)
                    .isEqualTo(AdaptiveLimit.INITIAL);
            pool.close();
            pool = null;
        }
    }

    /**
     * What the runner is told of an answer too late for the timeout at an adaptive server (the wiring that
     * AutoConcurrencyStrayFailuresTest showed end to end against real latencies): a timeout at the server, not a
     * refusal the limit backs off for, and the server stays in rotation for the next call. What the runner and the
     * limit then do with it is BatchRunnerUnreachableTest's and AdaptiveLimitTest's.
     */
    @Test
    void anAnswerTooLateAtAnAdaptiveServerIsATimeoutNotARefusal() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        a.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                if (seen.getAndIncrement() == 0) {
                    // Held until the test ends, far past the read timeout: no machine is that slow to answer.
                    release.await(60, TimeUnit.SECONDS);
                }
                return Fixtures.response(200, "application/json", OK);
            }
        });
        pool = ServerPool.adaptive(List.of(settings(a).withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(300),
                Duration.ofSeconds(90))), 64);
        try {
            CallFailure late = failure();

            assertThat(late.kind()).isEqualTo(CallFailure.Kind.TIMEOUT);
            assertThat(late.reachedServer()).isTrue();
            assertThat(late.isLimitLowered()).as("backed off for as a refusal").isFalse();
            assertThat(pool.stats().get(0).setAside()).isFalse();
            assertThat(pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)).server()).isEqualTo(baseOf(a));
        } finally {
            release.countDown();
        }
    }

    @Test
    void aPoolWithoutLimitsSaysSo() {
        pool(Duration.ofSeconds(5), Duration.ofSeconds(60));
        assertThat(pool.concurrencyLimit()).isEqualTo(-1);
        assertThat(pool.limits()).isEmpty();
    }

    @Test
    void theNextCallGoesToTheServerWithFewerInFlight() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        a.setDispatcher(holding(new CountDownLatch(0), release));
        b.setDispatcher(holding(new CountDownLatch(0), release));
        pool(Duration.ofSeconds(5), Duration.ofSeconds(60));
        List<Future<ChatResult>> held = new ArrayList<>();

        // One held call, then a second: it goes to the idle server.
        held.add(submit());
        waitFor(() -> a.getRequestCount() + b.getRequestCount() == 1);
        held.add(submit());
        waitFor(() -> a.getRequestCount() == 1 && b.getRequestCount() == 1);
        assertThat(pool.stats()).extracting(ServerStats::inFlight).containsExactly(1, 1);

        // A third: a tie, so either; then the fourth must go to the other one.
        held.add(submit());
        waitFor(() -> a.getRequestCount() + b.getRequestCount() == 3);
        MockWebServer busier = a.getRequestCount() == 2 ? a : b;
        MockWebServer other = busier == a ? b : a;
        held.add(submit());
        waitFor(() -> other.getRequestCount() == 2);
        assertThat(busier.getRequestCount()).isEqualTo(2);
        assertThat(pool.stats()).extracting(ServerStats::inFlight).containsExactly(2, 2);

        release.countDown();
        for (Future<ChatResult> f : held) {
            assertThat(f.get(60, TimeUnit.SECONDS).server()).isIn(baseOf(a), baseOf(b));
        }
        assertThat(pool.stats()).extracting(ServerStats::inFlight).containsExactly(0, 0);
    }

    @Test
    void equalsTakeTurns() throws Exception {
        a.setDispatcher(answering(200));
        b.setDispatcher(answering(200));
        pool(Duration.ofSeconds(5), Duration.ofSeconds(60));

        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            servers.add(pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)).server());
        }

        assertThat(servers).containsExactly(servers.get(0), servers.get(1), servers.get(0), servers.get(1),
                servers.get(0), servers.get(1));
        assertThat(servers.get(0)).isNotEqualTo(servers.get(1));
    }

    @Test
    void threeRetryableFailuresSetAServerAsideUntilItsTimeIsUp() throws Exception {
        AtomicInteger statusOfA = new AtomicInteger(503);
        a.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                return answering(statusOfA.get()).dispatch(request);
            }
        });
        b.setDispatcher(answering(200));
        pool(Duration.ofSeconds(5), Duration.ofSeconds(60));

        // Calls alternate; A fails each of its turns.
        int failures = 0;
        for (int i = 0; i < 6; i++) {
            try {
                pool.complete(Fixtures.prompt(Api.OPENAI_CHAT));
            } catch (CallFailure f) {
                failures++;
                assertThat(f.server()).isEqualTo(baseOf(a));
                assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
            }
        }
        assertThat(failures).isEqualTo(3);
        assertThat(pool.stats().get(0)).isEqualTo(new ServerStats(baseOf(a), 3, 0, 3, 0, 3, 0, true, -1, 0));
        assertThat(pool.stats().get(1)).isEqualTo(new ServerStats(baseOf(b), 3, 3, 0, 0, 0, 0, false, -1, 0));

        // Set aside: everything goes to B.
        for (int i = 0; i < 4; i++) {
            assertThat(pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)).server()).isEqualTo(baseOf(b));
        }
        assertThat(a.getRequestCount()).isEqualTo(3);

        // 5 s later A is back in rotation; on probation, one more failure sets it aside again, for 10 s.
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(pool.stats().get(0).setAside()).isFalse();
        CallFailure again = null;
        for (int i = 0; i < 2 && again == null; i++) {
            again = catchThrowableOfType(CallFailure.class, () -> pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)));
        }
        assertThat(again).isNotNull();
        assertThat(pool.stats().get(0).setAside()).isTrue();
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertThat(pool.stats().get(0).setAside()).as("doubled to 10 s").isTrue();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(pool.stats().get(0).setAside()).isFalse();

        // A heals; a success clears its record: it takes three failures again to set it aside.
        statusOfA.set(200);
        for (int i = 0; i < 4; i++) {
            pool.complete(Fixtures.prompt(Api.OPENAI_CHAT));
        }
        statusOfA.set(503);
        int newFailures = 0;
        for (int i = 0; i < 4; i++) {
            try {
                pool.complete(Fixtures.prompt(Api.OPENAI_CHAT));
            } catch (CallFailure f) {
                newFailures++;
            }
        }
        assertThat(newFailures).isEqualTo(2);
        assertThat(pool.stats().get(0).setAside()).isFalse();
    }

    @Test
    void theSetAsideTimeDoublesUpToItsCeiling() throws Exception {
        a.setDispatcher(answering(502));
        b.setDispatcher(answering(200));
        pool = new ServerPool(List.of(settings(a)), 1, Duration.ofSeconds(5), Duration.ofSeconds(12), now::get);

        long[] expected = {5, 10, 12, 12};
        for (long seconds : expected) {
            // Only one server: a set-aside server is still used (it comes back first), and fails again.
            assertThat(failure().server()).isEqualTo(baseOf(a));
            now.addAndGet(Duration.ofSeconds(seconds).toNanos() - 1);
            assertThat(pool.stats().get(0).setAside()).as("set aside for %d s", seconds).isTrue();
            now.addAndGet(1);
            assertThat(pool.stats().get(0).setAside()).isFalse();
        }
    }

    @Test
    void stopRunAndFailRecordSayNothingAboutHealth() {
        a.setDispatcher(answering(400));
        b.setDispatcher(answering(401));
        pool(Duration.ofSeconds(5), Duration.ofSeconds(60));

        for (int i = 0; i < 8; i++) {
            assertThat(failure().verdict()).isIn(CallFailure.Verdict.FAIL_RECORD, CallFailure.Verdict.STOP_RUN);
        }

        assertThat(pool.stats()).extracting(ServerStats::setAside).containsExactly(false, false);
        assertThat(pool.stats()).extracting(ServerStats::failed).containsExactly(4L, 4L);
    }

    @Test
    void whenEveryServerIsSetAsideTheOneBackFirstIsStillUsed() {
        a.setDispatcher(answering(503));
        b.setDispatcher(answering(503));
        pool(Duration.ofSeconds(30), Duration.ofSeconds(60));

        // Calls alternate A, B, A, B...; 200 ms apart, so A's third failure comes before B's.
        for (int i = 0; i < 6; i++) {
            assertThat(failure().server()).isEqualTo(baseOf(i % 2 == 0 ? a : b));
            now.addAndGet(Duration.ofMillis(200).toNanos());
        }
        assertThat(pool.stats()).extracting(ServerStats::setAside).containsExactly(true, true);

        // A comes back first, so A is used, at once, and the failure is the server's own.
        CallFailure f = failure();

        assertThat(f.server()).isEqualTo(baseOf(a));
        assertThat(f.kind()).isEqualTo(CallFailure.Kind.HTTP_STATUS);
        assertThat(f.status()).isEqualTo(503);
        assertThat(a.getRequestCount()).isEqualTo(4);
        assertThat(b.getRequestCount()).isEqualTo(3);
    }

    /** The base URL of a port on this machine where nothing listens (it was free a moment ago). */
    private static String nothingListening() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort() + "/v1";
        }
    }

    @Test
    void aRefusedConnectionIsSentOnToAServerThatAnswersWithinTheSameCall() throws Exception {
        a.setDispatcher(answering(200));
        String down = nothingListening();
        pool = new ServerPool(List.of(settings(a).withBaseUrl(down), settings(a)), 3, Duration.ofSeconds(5),
                Duration.ofSeconds(60), now::get);

        for (int i = 0; i < 6; i++) {
            assertThat(pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)).server()).isEqualTo(baseOf(a));
        }

        assertThat(a.getRequestCount()).isEqualTo(6);
        ServerStats refused = pool.stats().get(0);
        assertThat(refused.baseUrl()).isEqualTo(down);
        assertThat(refused.failed()).as("tried on its turns until set aside").isEqualTo(3);
        assertThat(refused.setAside()).isTrue();
        assertThat(pool.stats().get(1).succeeded()).isEqualTo(6);
    }

    /**
     * Under learnt limits a request that reached no server is sent on only where there is room: the server it goes
     * to next is at its limit, so it waits there for a call to end, as a first try would.
     */
    @Test
    void aRefusedConnectionSentOnWaitsForRoomUnderTheNextServersLimit() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        a.setDispatcher(holding(new CountDownLatch(0), release));
        String down = nothingListening();
        // The hand clock stands still: each limit stays at its first value.
        pool = ServerPool.adaptive(List.of(settings(a).withBaseUrl(down), settings(a)), 64, now::get);
        assertThat(pool.limits()).containsExactly(AdaptiveLimit.INITIAL, AdaptiveLimit.INITIAL);

        List<Future<ChatResult>> calls = new ArrayList<>();
        for (int i = 0; i < AdaptiveLimit.INITIAL; i++) {
            calls.add(submit());
        }
        waitFor(() -> a.getRequestCount() == AdaptiveLimit.INITIAL);
        // The refused server has room and is tried first; the one that answers is full.
        calls.add(submit());
        waitFor(() -> pool.stats().get(0).failed() == AdaptiveLimit.INITIAL + 1);
        for (int look = 0; look < 30; look++) {
            Thread.sleep(10);
            assertThat(a.getRequestCount()).as("requests at a server at its limit").isEqualTo(AdaptiveLimit.INITIAL);
        }
        waitFor(() -> pool.waitingForRoom() == 1);

        release.countDown();
        for (Future<ChatResult> call : calls) {
            assertThat(call.get(60, TimeUnit.SECONDS).server()).isEqualTo(baseOf(a));
        }
        assertThat(a.getRequestCount()).isEqualTo(AdaptiveLimit.INITIAL + 1);
    }

    @Test
    void aRequestInFlightWhenItsServerDiedIsARetryAndTheNextFindsTheServerGone() throws Exception {
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        String url = "http://127.0.0.1:" + listener.getLocalPort() + "/v1";
        // One connection, kept alive: the first request answered; the second read, then the server dies with it.
        Future<?> server = callers.submit(() -> {
            try (listener; Socket s = listener.accept()) {
                InputStream in = s.getInputStream();
                assertThat(RawRequest.read(in)).isTrue();
                byte[] ok = OK.getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                        + ok.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().write(ok);
                assertThat(RawRequest.read(in)).isTrue();
                listener.close(); // nothing listens before the connection breaks: the next request is refused
            }
            return null;
        });
        pool = new ServerPool(List.of(settings(a).withBaseUrl(url)), 3, Duration.ofSeconds(5), Duration.ofSeconds(60),
                now::get);

        assertThat(pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)).content()).isEqualTo("ok");
        CallFailure f = catchThrowableOfType(CallFailure.class, () -> pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)));
        server.get(30, TimeUnit.SECONDS);
        CallFailure next = catchThrowableOfType(CallFailure.class,
                () -> pool.complete(Fixtures.prompt(Api.OPENAI_CHAT)));

        assertThat(f.verdict()).as("the server read it and may have done the work: an attempt, not sent again")
                .isEqualTo(CallFailure.Verdict.RETRY);
        assertThat(f.requestSent()).isTrue();
        assertThat(next.verdict()).as("the server is gone: waited for, not a retry spent").isEqualTo(
                CallFailure.Verdict.UNREACHABLE);
        assertThat(next.requestSent()).isFalse();
        ServerStats stats = pool.stats().get(0);
        assertThat(stats.requests()).isEqualTo(3);
        assertThat(stats.unreached()).as("only the third found nothing listening").isEqualTo(1);
    }

    @Test
    void whenNoServerCanBeReachedTheCallFailsOnceEachWasTried() throws Exception {
        String down1 = nothingListening();
        String down2 = nothingListening();
        pool = new ServerPool(List.of(settings(a).withBaseUrl(down1), settings(a).withBaseUrl(down2)), 3,
                Duration.ofSeconds(5), Duration.ofSeconds(60), now::get);

        CallFailure f = failure();

        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.UNREACHABLE);
        assertThat(f.reachedServer()).isFalse();
        assertThat(f.getSuppressed()).singleElement().isInstanceOf(CallFailure.class);
        CallFailure other = (CallFailure) f.getSuppressed()[0];
        assertThat(List.of(f.server(), other.server())).containsExactlyInAnyOrder(down1, down2);
        assertThat(pool.stats()).extracting(ServerStats::failed).containsExactly(1L, 1L);
        assertThat(pool.stats()).extracting(ServerStats::inFlight).containsExactly(0, 0);
    }

    @Test
    void aRequestAServerTookIsNotSentToAnother() {
        a.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build();
            }
        });
        b.setDispatcher(answering(200));
        pool = new ServerPool(List.of(settings(a), settings(b)), 3, Duration.ofSeconds(5), Duration.ofSeconds(60),
                now::get);

        // Calls alternate; each of A's turns fails on its own, B is asked only on its own turns.
        int failures = 0;
        for (int i = 0; i < 4; i++) {
            try {
                pool.complete(Fixtures.prompt(Api.OPENAI_CHAT));
            } catch (CallFailure f) {
                failures++;
                assertThat(f.reachedServer()).isTrue();
                assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
                assertThat(f.getSuppressed()).isEmpty();
            }
        }
        assertThat(failures).isEqualTo(2);
        assertThat(b.getRequestCount()).isEqualTo(2);
    }

    @Test
    void sixtyFourCallsAcrossTwoServersAllFinish() throws Exception {
        int n = 64;
        CountDownLatch arrived = new CountDownLatch(n);
        Dispatcher waitForAll = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                arrived.countDown();
                arrived.await(60, TimeUnit.SECONDS);
                return Fixtures.response(200, "application/json", OK);
            }
        };
        a.setDispatcher(waitForAll);
        b.setDispatcher(waitForAll);
        pool = new ServerPool(List.of(settings(a), settings(b)));

        List<Future<ChatResult>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            results.add(submit());
        }
        assertThat(arrived.await(60, TimeUnit.SECONDS)).as("all %d calls in flight at once", n).isTrue();
        for (Future<ChatResult> r : results) {
            assertThat(r.get(60, TimeUnit.SECONDS).content()).isEqualTo("ok");
        }

        List<ServerStats> stats = pool.stats();
        assertThat(stats).extracting(ServerStats::requests).containsExactly(32L, 32L);
        assertThat(stats).extracting(ServerStats::succeeded).containsExactly(32L, 32L);
        assertThat(stats).extracting(ServerStats::inFlight).containsExactly(0, 0);
        assertThat(stats).extracting(ServerStats::baseUrl).containsExactly(baseOf(a), baseOf(b));
    }

    @Test
    void manyThreadsPickingAtOnceKeepTheCountsRight() throws Exception {
        a.setDispatcher(answering(200));
        b.setDispatcher(answering(200));
        pool = new ServerPool(List.of(settings(a), settings(b)));
        int threads = 256;
        int each = 4;

        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(callers.submit(() -> {
                start.await();
                for (int i = 0; i < each; i++) {
                    pool.complete(Fixtures.prompt(Api.OPENAI_CHAT));
                }
                return each;
            }));
        }
        start.countDown();
        int total = 0;
        for (Future<Integer> f : done) {
            total += f.get(100, TimeUnit.SECONDS);
        }

        List<ServerStats> stats = pool.stats();
        assertThat(total).isEqualTo(threads * each);
        assertThat(stats.get(0).succeeded() + stats.get(1).succeeded()).isEqualTo(threads * each);
        assertThat(stats).extracting(ServerStats::inFlight).containsExactly(0, 0);
        // Least-in-flight keeps two equal servers close to even.
        assertThat(Math.abs(stats.get(0).requests() - stats.get(1).requests())).isLessThan(threads * each / 4);
    }

    @Test
    void cancelAllReachesEveryServer() throws Exception {
        CountDownLatch arrived = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        a.setDispatcher(holding(arrived, release));
        b.setDispatcher(holding(arrived, release));
        pool(Duration.ofSeconds(5), Duration.ofSeconds(60));

        Future<ChatResult> one = submit();
        Future<ChatResult> two = submit();
        assertThat(arrived.await(60, TimeUnit.SECONDS)).isTrue();
        pool.cancelAll();

        for (Future<ChatResult> f : List.of(one, two)) {
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(CallFailure.class)
                    .cause().satisfies(c -> assertThat(((CallFailure) c).verdict())
                            .isEqualTo(CallFailure.Verdict.CANCELLED));
        }
        release.countDown();
        assertThat(pool.stats()).extracting(ServerStats::setAside).containsExactly(false, false);
    }

    @Test
    void aRepeatedBaseUrlIsOneServerAndAnEmptyListIsRefused() {
        pool = new ServerPool(List.of(settings(a), settings(a), settings(b)));
        assertThat(pool.stats()).extracting(ServerStats::baseUrl).containsExactly(baseOf(a), baseOf(b));
        assertThatThrownBy(() -> new ServerPool(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 60 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
