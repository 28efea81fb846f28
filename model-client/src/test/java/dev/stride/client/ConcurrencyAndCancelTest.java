package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each case against both transports: the lean one of plain http:// ({@code okHttp} false) and OkHttp. */
@Timeout(120)
class ConcurrencyAndCancelTest {

    private static final String OK_BODY = """
            {"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}""";

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final ExecutorService callers = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws InterruptedException {
        callers.shutdownNow();
        assertThat(callers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }

    private static ModelClient client(ClientSettings settings, boolean okHttp) {
        ModelClient client = okHttp ? ModelClient.throughOkHttp(settings) : new ModelClient(settings);
        assertThat(client.plain() == null).as("through OkHttp").isEqualTo(okHttp);
        return client;
    }

    /** Calls that have a connection or are getting one. */
    private static int callsUnderWay(ModelClient client) {
        return client.plain() != null ? client.plain().connections()
                : client.okHttp().dispatcher().runningCallsCount();
    }

    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void thirtyTwoCallsAreInFlightAtOnce(boolean okHttp) throws Exception {
        int n = 32;
        CountDownLatch arrived = new CountDownLatch(n);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                arrived.countDown();
                // Nobody is answered until all have arrived: only true concurrency gets everyone a 200.
                boolean all = arrived.await(60, TimeUnit.SECONDS);
                return all ? Fixtures.response(200, "application/json", OK_BODY)
                        : new MockResponse.Builder().code(500).body("{\"error\":\"only some arrived\"}").build();
            }
        });
        ClientSettings settings = Fixtures.fastSettings(server)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(100))
                .withMaxConcurrency(n);

        try (ModelClient client = client(settings, okHttp)) {
            assertThat(client.okHttp().dispatcher().getMaxRequestsPerHost()).isGreaterThanOrEqualTo(n);
            assertThat(client.okHttp().dispatcher().getMaxRequests()).isGreaterThanOrEqualTo(n);
            List<Future<ChatResult>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(callers.submit(() -> client.chat(Fixtures.hello())));
            }

            assertThat(arrived.await(60, TimeUnit.SECONDS)).as("all %d requests reached the server", n).isTrue();
            for (Future<ChatResult> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS).content()).isEqualTo("ok");
            }
            // The idle pool keeps every connection for the next round instead of reconnecting.
            assertThat(okHttp ? client.okHttp().connectionPool().idleConnectionCount()
                    : client.plain().idleConnections()).isEqualTo(n);
        }
    }

    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void cancelAllStopsABlockedCallAsCancelled(boolean okHttp) throws Exception {
        CountDownLatch requestArrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                requestArrived.countDown();
                release.await(60, TimeUnit.SECONDS);
                return Fixtures.response(200, "application/json", OK_BODY);
            }
        });

        try (ModelClient client = client(Fixtures.fastSettings(server)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(100)), okHttp)) {
            Future<CallFailure> call = callers.submit(() -> Fixtures.failureOfHello(client));
            assertThat(requestArrived.await(60, TimeUnit.SECONDS)).isTrue();

            client.cancelAll();
            CallFailure f = call.get(60, TimeUnit.SECONDS);
            release.countDown();

            assertThat(f).isNotNull();
            assertThat(f.kind()).isEqualTo(CallFailure.Kind.CANCELLED);
            assertThat(f.code()).isEqualTo("cancelled");
            assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.CANCELLED);
            assertThat(f.status()).isZero();
            assertThat(f.reachedServer()).as("it was sent on a connection to the server").isTrue();

            // Cancelling is not a shutdown: the next call goes through.
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("ok");
        }
    }

    /**
     * A streamed answer whose head and first event came and whose next event does not (a slow local server, mid
     * answer): its body is read after OkHttp's {@code execute()} returned, when its dispatcher no longer holds the
     * call, and a stop of the run waited for it to its deadline. The lean transport sends no streams: OkHttp either way.
     */
    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void cancelAllStopsAStreamHeldMidBody(boolean okHttp) throws Exception {
        String firstEvent = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Half\"}}]}\n\n";
        String rest = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" an answer\"},"
                + "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        // The server writes the first half of the body, then holds the connection open with the rest unsent.
        server.enqueue(new MockResponse.Builder().code(200).setHeader("Content-Type", "text/event-stream")
                .chunkedBody(firstEvent + " ".repeat(Math.max(0, rest.length() - firstEvent.length())) + rest,
                        firstEvent.length())
                .onResponseBody(SocketEffect.Stall.INSTANCE).build());
        server.enqueue(Fixtures.sse(firstEvent + rest));

        try (ModelClient client = client(Fixtures.fastSettings(server)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(100)), okHttp)) {
            CountDownLatch reading = new CountDownLatch(1);
            Future<CallFailure> call = callers.submit(() -> {
                try {
                    client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true), reading::countDown);
                    return null;
                } catch (CallFailure f) {
                    return f;
                }
            });
            assertThat(reading.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(server.takeRequest(60, TimeUnit.SECONDS)).isNotNull();
            // Past execute(): OkHttp's dispatcher counts only calls still waiting for their head.
            while (client.okHttp().dispatcher().runningCallsCount() > 0 && !call.isDone()) {
                Thread.sleep(10);
            }
            assertThat(call.isDone()).as("the stream is held, not ended").isFalse();

            client.cancelAll();
            // A generous bound a loaded machine cannot reach; the client's own deadline is further still.
            CallFailure f = call.get(30, TimeUnit.SECONDS);

            assertThat(f).as("a half-received stream is not an answer").isNotNull();
            assertThat(f.kind()).as(f.getMessage()).isEqualTo(CallFailure.Kind.CANCELLED);
            assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.CANCELLED);
            assertThat(f.reachedServer()).isTrue();

            // Cancelling is not a shutdown: the next stream is read to its end.
            assertThat(client.complete(Fixtures.prompt(Api.OPENAI_CHAT).withStream(true)).content())
                    .isEqualTo("Half an answer");
        }
    }

    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void aCallCancelledWhileItConnectsReachedNoServer(boolean okHttp) throws Exception {
        // A listener whose queue of connections to accept is full: the system drops further SYNs, so the next
        // connect hangs until it times out or is cancelled, as a call to a far, silent host would.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> queued = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 300);
                        queued.add(s);
                    } catch (SocketTimeoutException e) {
                        s.close();
                        break; // the queue is full
                    }
                }
                String url = "http://127.0.0.1:" + full.getLocalPort() + "/v1/";
                try (ModelClient client = client(ClientSettings.of(url)
                        .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(90), Duration.ofSeconds(100)), okHttp)) {
                    Future<CallFailure> call = callers.submit(() -> Fixtures.failureOfHello(client));
                    while (callsUnderWay(client) == 0 && !call.isDone()) {
                        Thread.sleep(10);
                    }
                    Thread.sleep(200); // most likely inside connect() now; cancelled before it, the call reached nothing too

                    client.cancelAll();
                    CallFailure f = call.get(60, TimeUnit.SECONDS);

                    assertThat(f).isNotNull();
                    assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.CANCELLED);
                    // Not a request the server was sent: a stopped run does not count it as asked again.
                    assertThat(f.reachedServer()).as(f.getMessage()).isFalse();
                }
            } finally {
                for (Socket s : queued) {
                    s.close();
                }
            }
        }
    }
}
