package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lean transport of plain http:// calls ({@link PlainHttp1}) as a user of {@link ModelClient} meets it: the ways a
 * server may frame and end an answer, a kept connection the server closed, and what still goes through OkHttp. The
 * rest of this module's tests (timeouts, cancels, statuses, fixtures) run through it too, as every http:// call does.
 */
@Timeout(120)
class PlainHttp1Test {
    private static final String OK_BODY = """
            {"id":"x","model":"m","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}""";

    @StartStop
    public final MockWebServer server = new MockWebServer();

    @Test
    void aChunkedAnswerIsReadWholeAndItsConnectionKept() throws Exception {
        server.enqueue(new MockResponse.Builder().chunkedBody(OK_BODY, 7).build());
        server.enqueue(new MockResponse.Builder().chunkedBody(OK_BODY, 1000).build());
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            assertThat(client.plain()).isNotNull();
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
            assertThat(client.plain().idleConnections()).isEqualTo(1);
        }
        assertThat(server.takeRequest().getConnectionIndex()).isEqualTo(server.takeRequest().getConnectionIndex());
    }

    @Test
    void aKeptConnectionTheServerClosedIsReplacedWithoutSendingTheRequestTwice() throws Exception {
        server.enqueue(new MockResponse.Builder().body(OK_BODY)
                .onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE).build());
        server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
            // The answer did not say "Connection: close": the connection went back to the pool, and the server
            // closed it while it sat idle there (a keep-alive timeout), long enough for the pool to check it.
            Thread.sleep(PlainHttp1.CHECK_IDLE_AFTER.toMillis() + 100);
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
        }
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(server.takeRequest().getConnectionIndex()).isNotEqualTo(server.takeRequest().getConnectionIndex());
    }

    @Test
    void aConnectionTheServerClosedWhileTheProcessWasStoppedIsCheckedAndReplacedWithoutSendingTheRequestTwice()
            throws Exception {
        answerThenCloseTheConnection();
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        try (PlainHttp1 http = uncheckedForAnHour()) {
            byte[] head = PlainHttp1.head("/v1/chat/completions", "127.0.0.1", Map.of());
            assertThat(http.post(head, body, () -> { }).status()).isEqualTo(200);
            // The answer came and the server closed the connection (its keep-alive timeout) while this process was
            // stopped; the answer is read only after it wakes, and its connection looks idle for microseconds.
            http.afterPause();
            boolean[] sent = {false};
            assertThat(http.post(head, body, () -> sent[0] = true).status()).isEqualTo(200);
            assertThat(sent[0]).isTrue();
        }
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(server.takeRequest().getConnectionIndex()).isNotEqualTo(server.takeRequest().getConnectionIndex());
    }

    @Test
    void aWatchdogThatHasNotTickedSinceAStopHasEveryConnectionChecked() throws Exception {
        try (PlainHttp1 http = uncheckedForAnHour()) {
            assertThat(http.watchdogBehind(System.nanoTime(), System.currentTimeMillis()))
                    .as("no connection yet, no watchdog").isFalse();
            server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
            assertThat(http.post(PlainHttp1.head("/v1/chat/completions", "127.0.0.1", Map.of()),
                    "{}".getBytes(StandardCharsets.UTF_8), () -> { }).status()).isEqualTo(200);
            long now = System.nanoTime();
            long wall = System.currentTimeMillis();
            // Its tick is at most a few of its 25 ms old however slowly this runs, unless a pause was just seen
            assertThat(http.watchdogBehind(now + Duration.ofSeconds(6).toNanos(), wall + 6_000))
                    .as("the process stopped 6 s, the watchdog not run since").isTrue();
            assertThat(http.watchdogBehind(now, wall + 60_000)).as("the machine slept a minute").isTrue();
        }
    }

    @Test
    void aRequestThreadThatWakesBeforeTheWatchdogChecksTheConnectionTheServerClosedMeanwhile() throws Exception {
        answerThenCloseTheConnection();
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        try (PlainHttp1 http = uncheckedForAnHour()) {
            byte[] head = PlainHttp1.head("/v1/chat/completions", "127.0.0.1", Map.of());
            assertThat(http.post(head, body, () -> { }).status()).isEqualTo(200);
            // The process was stopped 6 s and this thread runs first: the watchdog has not marked any connection.
            http.watchdogLastTickedAgo(Duration.ofSeconds(6));
            assertThat(http.post(head, body, () -> { }).status()).isEqualTo(200);
        }
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    /** An answer the server closes its connection after, without saying so, then an answer on a new one. */
    private void answerThenCloseTheConnection() {
        server.enqueue(new MockResponse.Builder().body(OK_BODY)
                .onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE).build());
        server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
    }

    /** Idle connections unchecked for an hour: only a stop can make the pool check one. */
    private PlainHttp1 uncheckedForAnHour() {
        return new PlainHttp1("127.0.0.1", server.getPort(), Duration.ofSeconds(10), Duration.ofSeconds(60),
                Duration.ZERO, Duration.ofHours(1), 8, Duration.ofHours(1));
    }

    @Test
    void aStopIsToldFromASlowTickOfEitherClock() {
        long ms = 1_000_000;
        assertThat(PlainHttp1.pausedBetween(25 * ms, 25)).as("a tick as slept").isFalse();
        assertThat(PlainHttp1.pausedBetween(400 * ms, 400)).as("a busy machine's late tick").isFalse();
        assertThat(PlainHttp1.pausedBetween(6_000 * ms, 6_000)).as("a stopped process (SIGSTOP)").isTrue();
        assertThat(PlainHttp1.pausedBetween(25 * ms, 60_025)).as("a machine that slept a minute").isTrue();
        assertThat(PlainHttp1.pausedBetween(25 * ms, -3_600_000)).as("a wall clock set back").isFalse();
    }

    @Test
    void onceAConnectionBrokeTheIdleOnesAreCheckedAndARequestNoServerReadIsNotCountedAsSent() throws Exception {
        byte[] answer = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + OK_BODY.length()
                + "\r\n\r\n" + OK_BODY).getBytes(StandardCharsets.UTF_8);
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             // Idle connections unchecked for an hour: what follows holds however slowly this test runs.
             PlainHttp1 http = new PlainHttp1("127.0.0.1", listener.getLocalPort(), Duration.ofSeconds(10),
                     Duration.ofSeconds(60), Duration.ZERO, Duration.ofHours(1), 8, Duration.ofHours(1))) {
            byte[] head = PlainHttp1.head("/v1/chat/completions", "127.0.0.1", Map.of());
            // Two calls at once, both read before either is answered: the pool keeps two connections.
            CompletableFuture<List<Socket>> served = CompletableFuture.supplyAsync(() -> {
                try {
                    List<Socket> both = List.of(listener.accept(), listener.accept());
                    for (Socket s : both) {
                        RawRequest.read(s.getInputStream());
                    }
                    for (Socket s : both) {
                        s.getOutputStream().write(answer);
                    }
                    return both;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> {
                try {
                    return http.post(head, body, () -> { }).status();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(http.post(head, body, () -> { }).status()).isEqualTo(200);
            assertThat(other.get(60, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(http.idleConnections()).isEqualTo(2);

            // The server dies: both kept connections closed at its end, nothing listening any more.
            for (Socket s : served.get(60, TimeUnit.SECONDS)) {
                s.close();
            }
            listener.close();

            // The first call after it writes on a kept connection the server had closed, and learns so only then:
            // no client can tell that from a server that read the request and died, so it counts as sent.
            boolean[] sent = {false};
            assertThatThrownBy(() -> http.post(head, body, () -> sent[0] = true)).isInstanceOf(IOException.class);
            assertThat(sent[0]).isTrue();
            // The other kept connection went idle before that break: checked before use, it is dropped, and the call
            // finds no server. Written on unchecked, it would be one more request counted that no server read.
            sent[0] = false;
            assertThatThrownBy(() -> http.post(head, body, () -> sent[0] = true))
                    .isInstanceOf(ConnectException.class);
            assertThat(sent[0]).as("a request written on a connection the dead server had closed").isFalse();
        }
    }

    @Test
    void aConnectionCheckedAfterItsIdleTimeStillWaitsForItsAnswersInOneBlockingRead() throws Exception {
        Assumptions.assumeTrue(SocketFlags.readable(), "needs Linux's /proc to see a socket's flags");
        for (int i = 0; i < 3; i++) {
            server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        }
        // As the CLI has it (no read timeout of its own under the call's), every kept connection checked before use.
        try (PlainHttp1 http = new PlainHttp1("127.0.0.1", server.getPort(), Duration.ofSeconds(10), Duration.ZERO,
                Duration.ofSeconds(60), Duration.ofHours(1), 8, Duration.ZERO)) {
            byte[] head = PlainHttp1.head("/v1/chat/completions", "127.0.0.1", Map.of());
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            assertThat(http.post(head, body, () -> { }).status()).isEqualTo(200);
            assertThat(SocketFlags.nonBlockingTo(server.getPort())).containsExactly(false);
            // The check waits a moment for the server's end of the stream; the reads after it must block again,
            // or each answer costs a read that finds nothing, a poll() and the read again (BENCHMARKS.md).
            assertThat(http.post(head, body, () -> { }).status()).isEqualTo(200);
            assertThat(http.post(head, body, () -> { }).status()).isEqualTo(200);
            assertThat(SocketFlags.nonBlockingTo(server.getPort())).containsExactly(false);
        }
        assertThat(server.takeRequest().getConnectionIndex()).isEqualTo(server.takeRequest().getConnectionIndex());
    }

    /**
     * A walk's {@code --timeout 1ms} against a 20 ms server: through this transport some answers were stored as done,
     * at 42 to 69 ms, beside others that timed out, as the watchdog (a look every 25 ms) came for their connection
     * before or after the answer; OkHttp's deadline refuses every one. Each answer here comes 10 ms after its 1 ms
     * deadline: a timeout on both transports, however fast or slow the machine.
     */
    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void anAnswerWholeOnlyAfterTheDeadlineIsATimeoutOnBothTransports(boolean okHttp) {
        ClientSettings settings = Fixtures.fastSettings(server)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMillis(1));
        try (ModelClient client = okHttp ? ModelClient.throughOkHttp(settings) : new ModelClient(settings)) {
            for (int i = 0; i < 5; i++) {
                server.enqueue(new MockResponse.Builder().body(OK_BODY).headersDelay(10, TimeUnit.MILLISECONDS)
                        .build());
                CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));
                assertThat(f).as("answer %d, 10 ms after its deadline", i).isNotNull();
                assertThat(f.kind()).isEqualTo(CallFailure.Kind.TIMEOUT);
                assertThat(f.getMessage()).contains("call deadline of 1 ms passed");
            }
        }
    }

    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void aKeptConnectionDroppedAfterTheServerReadTheRequestFailsTheCallWithoutSendingItAgain(boolean okHttp)
            throws Exception {
        server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        // Read whole, then the connection is dropped before any answer: the server may have done the work.
        server.enqueue(new MockResponse.Builder().body(OK_BODY)
                .onResponseStart(SocketEffect.ShutdownConnection.INSTANCE).build());
        server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        ClientSettings settings = Fixtures.fastSettings(server);
        try (ModelClient client = okHttp ? ModelClient.throughOkHttp(settings) : new ModelClient(settings)) {
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
            CallFailure f = Fixtures.failureOfHello(client);

            assertThat(f).isNotNull();
            assertThat(f.kind()).isEqualTo(CallFailure.Kind.CONNECTION);
            assertThat(f.requestSent()).isTrue();
            assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
        }
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(server.takeRequest().getConnectionIndex()).isEqualTo(server.takeRequest().getConnectionIndex());
    }

    @Test
    void interimAnswersAreSkipped() throws Exception {
        server.enqueue(new MockResponse.Builder().body(OK_BODY)
                .addInformationalResponse(new MockResponse.Builder().code(100).build()).build());
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
        }
    }

    @Test
    void anAnswerSayingConnectionCloseIsNotKept() throws Exception {
        server.enqueue(new MockResponse.Builder().body(OK_BODY).setHeader("Connection", "close").build());
        server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
            assertThat(client.plain().idleConnections()).isZero();
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
            assertThat(client.plain().idleConnections()).isEqualTo(1);
        }
    }

    @Test
    void aBodyEndedByClosingTheConnectionIsReadWhole() throws Exception {
        String answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + OK_BODY;
        try (RawServer raw = new RawServer(answer)) {
            try (ModelClient client = new ModelClient(ClientSettings.of(raw.url()))) {
                assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
                assertThat(client.plain().idleConnections()).isZero();
            }
        }
    }

    @Test
    void bytesBeyondTheAnswerRetireItsConnection() throws Exception {
        String answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + OK_BODY.length()
                + "\r\n\r\n" + OK_BODY + "HTTP/1.1 200 OK\r\n";
        try (RawServer raw = new RawServer(answer)) {
            try (ModelClient client = new ModelClient(ClientSettings.of(raw.url()))) {
                assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
                assertThat(client.plain().idleConnections()).isZero();
            }
        }
    }

    @Test
    void somethingOtherThanHttpFailsTheCallAsAConnectionFailure() throws Exception {
        try (RawServer raw = new RawServer("SSH-2.0-OpenSSH_9.6\r\n")) {
            try (ModelClient client = new ModelClient(ClientSettings.of(raw.url()))) {
                CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));

                assertThat(f.kind()).isEqualTo(CallFailure.Kind.CONNECTION);
                assertThat(f.getMessage()).contains("Unexpected status line: SSH-2.0-OpenSSH_9.6");
                assertThat(f.reachedServer()).isTrue();
            }
        }
    }

    @Test
    void aCutChunkedBodyFailsTheCall() throws Exception {
        String answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"choices\":[";
        try (RawServer raw = new RawServer(answer)) {
            try (ModelClient client = new ModelClient(ClientSettings.of(raw.url()))) {
                CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));

                assertThat(f.kind()).isEqualTo(CallFailure.Kind.CONNECTION);
                assertThat(f.getMessage()).contains("unexpected end of stream");
                assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
            }
        }
    }

    @Test
    void aChunkedBodyCutBetweenChunksThroughOkHttpIsSaidInWords() throws Exception {
        // OkHttp's end of stream between two chunks is okio's EOFException, which has no message: its class name
        // was the stored error ("connection failed: EOFException").
        String answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n{\"choices\":[\r\n";
        String before = System.getProperty(ModelClient.TRANSPORT_PROPERTY);
        System.setProperty(ModelClient.TRANSPORT_PROPERTY, ModelClient.OKHTTP_ONLY);
        try (RawServer raw = new RawServer(answer); ModelClient client = new ModelClient(ClientSettings.of(raw.url()))) {
            CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));

            assertThat(f.kind()).isEqualTo(CallFailure.Kind.CONNECTION);
            assertThat(f.getMessage()).startsWith("connection failed: the connection closed before the answer's end")
                    .doesNotContain("Exception");
            assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
        } finally {
            restore(before);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Content-Length: 2000000000\r\n\r\n", "Transfer-Encoding: chunked\r\n\r\n7ffffff0\r\n"})
    void aLengthTheBodyDoesNotHaveFailsAsACutAnswerWithoutAllocatingIt(String framing) throws Exception {
        String answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + framing + OK_BODY;
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (RawServer raw = new RawServer(answer)) {
            try (ModelClient client = new ModelClient(ClientSettings.of(raw.url()))) {
                long before = threads.getCurrentThreadAllocatedBytes();
                CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;

                assertThat(f.kind()).isEqualTo(CallFailure.Kind.CONNECTION);
                assertThat(f.getMessage()).contains("unexpected end of stream");
                assertThat(allocated).as("bytes allocated by the call").isLessThan(16 * 1024 * 1024);
                assertThat(client.plain().connections()).isZero();
            }
        }
    }

    @Test
    void foldedHeaderLinesAndLinesWithoutANameAreToleratedAsOkHttpDoes() throws Exception {
        String answer = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nX-Note: a\r\n"
                + "\tb\r\nnot a header\r\nRetry-After:\r\n 7\r\nContent-Length: 2\r\n\r\n{}";
        try (RawServer raw = new RawServer(answer)) {
            try (ModelClient client = new ModelClient(ClientSettings.of(raw.url()))) {
                CallFailure f = catchThrowableOfType(CallFailure.class, () -> client.chat(Fixtures.hello()));

                assertThat(f.status()).isEqualTo(429);
                assertThat(f.retryAfter()).contains(java.time.Duration.ofSeconds(7));
            }
        }
    }

    @Test
    void aKeyWithALineBreakIsNeverWrittenOntoTheWire() {
        // A key read from a file with Windows line ends, or worse: OkHttp refuses it, and so the call goes its way.
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server)
                .withApiKey("sk-abc\r\nX-Injected: yes"))) {
            assertThat(client.plain()).isNull();
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> client.chat(Fixtures.hello()));

            assertThat(t).isInstanceOf(IllegalArgumentException.class);
            assertThat(t.getMessage()).contains("Authorization").doesNotContain("sk-abc");
        }
        assertThat(server.getRequestCount()).isZero();
    }

    @ParameterizedTest(name = "through OkHttp: {0}")
    @ValueSource(booleans = {false, true})
    void aCallInFlightKeepsItsDeadlineWhenTheClientIsClosed(boolean okHttp) throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> holding = CompletableFuture.runAsync(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().readAllBytes(); // reads the request and never answers
                } catch (IOException ignored) {
                    // the client closed it: what the test waits for
                }
            });
            ClientSettings settings = ClientSettings.of("http://127.0.0.1:" + silent.getLocalPort() + "/v1")
                    .withTimeouts(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(2),
                            java.time.Duration.ofSeconds(2));
            ModelClient client = okHttp ? ModelClient.throughOkHttp(settings) : new ModelClient(settings);
            CompletableFuture<CallFailure> call = CompletableFuture.supplyAsync(() -> Fixtures.failureOfHello(client));
            while (okHttp ? client.okHttp().connectionPool().connectionCount() == 0
                    : client.plain().connections() == 0) {
                Thread.sleep(10);
            }

            client.close();
            CallFailure f = call.get(60, TimeUnit.SECONDS);

            assertThat(f).isNotNull();
            assertThat(f.kind()).isEqualTo(CallFailure.Kind.TIMEOUT);
            assertThat(f.getMessage()).contains("deadline");
            holding.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRedirectToAnotherHttpUrlIsFollowedByOkHttpWhichTakesEveryLaterCall() throws Exception {
        // The lean transport hands a redirect it would have to follow to OkHttp, which asks the first URL again; the
        // calls after it go to OkHttp at once, so that the first server is not asked twice for every record.
        for (int call = 0; call < 3; call++) {
            int redirects = call == 0 ? 2 : 1;
            for (int i = 0; i < redirects; i++) {
                server.enqueue(new MockResponse.Builder().code(307).setHeader("Location", "/v1/elsewhere").build());
            }
            server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        }
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            for (int call = 0; call < 3; call++) {
                assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
            }
        }
        List<String> asked = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            RecordedRequest r = server.takeRequest();
            assertThat(r.getMethod()).isEqualTo("POST");
            asked.add(r.getTarget());
        }
        assertThat(asked).containsExactly("/v1/chat/completions", "/v1/chat/completions", "/v1/elsewhere",
                "/v1/chat/completions", "/v1/elsewhere", "/v1/chat/completions", "/v1/elsewhere");
        assertThat(server.getRequestCount()).isEqualTo(7);
    }

    @Test
    void theRequestNamesEachHeaderOnceTheUsersWinningAndTheBodyTypeWinningOverThem() throws Exception {
        server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        ClientSettings settings = Fixtures.fastSettings(server).withApiKey("sk-key")
                .withHeaders(Map.of("authorization", "Bearer gateway", "X-Gateway", "g1",
                        "Content-Type", "text/plain", "Content-Length", "1"));
        try (ModelClient client = new ModelClient(settings)) {
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
        }
        RecordedRequest r = server.takeRequest();
        assertThat(r.getHeaders().values("Authorization")).containsExactly("Bearer gateway");
        assertThat(r.getHeaders().get("X-Gateway")).isEqualTo("g1");
        assertThat(r.getHeaders().values("Content-Type")).containsExactly("application/json");
        assertThat(r.getHeaders().values("Content-Length"))
                .containsExactly(String.valueOf(r.getBody().size()));
        assertThat(r.getHeaders().get("Host")).isEqualTo(server.getHostName() + ":" + server.getPort());
        assertThat(r.getBody().utf8()).contains("\"messages\"");
    }

    @Test
    void theTransportPropertySendsEveryCallThroughOkHttp() throws Exception {
        server.enqueue(new MockResponse.Builder().body(OK_BODY).build());
        String before = System.getProperty(ModelClient.TRANSPORT_PROPERTY);
        System.setProperty(ModelClient.TRANSPORT_PROPERTY, ModelClient.OKHTTP_ONLY);
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            assertThat(client.plain()).isNull();
            assertThat(client.chat(Fixtures.hello()).content()).isEqualTo("hi");
            assertThat(client.okHttp().connectionPool().connectionCount()).isEqualTo(1);
        } finally {
            restore(before);
        }
    }

    @Test
    void aProxyInTheSystemsSettingsIsOkHttpsToSpeakTo() {
        ProxySelector before = ProxySelector.getDefault();
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                return List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", 3128)));
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            }
        });
        try (ModelClient client = new ModelClient(Fixtures.fastSettings(server))) {
            assertThat(client.plain()).isNull();
        } finally {
            ProxySelector.setDefault(before);
        }
    }

    @Test
    void httpsGoesThroughOkHttp() {
        try (ModelClient tls = new ModelClient(ClientSettings.of("https://127.0.0.1:1/v1"))) {
            assertThat(tls.plain()).isNull();
        }
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty(ModelClient.TRANSPORT_PROPERTY);
        } else {
            System.setProperty(ModelClient.TRANSPORT_PROPERTY, before);
        }
    }
}
