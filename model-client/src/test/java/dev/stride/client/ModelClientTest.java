package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(120)
class ModelClientTest {

    private static final String OK_BODY = """
            {"id":"x","model":"m","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}""";
    private static final String KEY = "sk-secret-test-key-123";

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private ModelClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
    }

    private ModelClient client(ClientSettings settings) {
        client = new ModelClient(settings);
        return client;
    }

    private CallFailure failureOf(ClientSettings settings) {
        ModelClient c = client(settings);
        return catchThrowableOfType(CallFailure.class, () -> c.chat(Fixtures.hello()));
    }

    private CallFailure failureOf(MockResponse response) {
        server.enqueue(response);
        return failureOf(Fixtures.fastSettings(server).withApiKey(KEY));
    }

    // --- request shape ---

    @Test
    void requestThreadsOneAfterAnotherReuseTheSameJsonBuffers() throws Exception {
        // A caller keeps a thread per request in flight; with Jackson's default (a set of buffers per thread, which
        // counts no pooled sets at all) a thousand threads keep a thousand sets. The pool is shared by the whole JVM
        // and keeps what earlier tests' threads left in it, so only what these calls add is counted.
        ModelClient c = client(Fixtures.fastSettings(server));
        int before = c.bufferPool().pooledCount();
        for (int i = 0; i < 20; i++) {
            server.enqueue(Fixtures.response(200, "application/json", OK_BODY));
            CompletableFuture<ChatResult> answer = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    answer.complete(c.chat(Fixtures.hello()));
                } catch (CallFailure | RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
            caller.start();
            caller.join();
            assertThat(answer.get().content()).isEqualTo("hi");
        }
        int after = c.bufferPool().pooledCount();
        assertThat(after).isPositive();
        assertThat(after - before).isBetween(0, 1);
    }

    @Test
    void postsOpenAiChatJsonWithBearerKey() throws Exception {
        server.enqueue(Fixtures.response(200, "application/json", OK_BODY));
        ChatRequest request = new ChatRequest("llama-3",
                List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi \"there\"\n")), 64, 0.2);

        ChatResult result = client(Fixtures.fastSettings(server).withApiKey(KEY)).chat(request);

        assertThat(result.content()).isEqualTo("hi");
        RecordedRequest recorded = server.takeRequest(60, TimeUnit.SECONDS);
        assertThat(recorded.getMethod()).isEqualTo("POST");
        assertThat(recorded.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(recorded.getHeaders().get("Content-Type")).startsWith("application/json");
        JsonNode body = new ObjectMapper().readTree(recorded.getBody().utf8());
        assertThat(body.path("model").asText()).isEqualTo("llama-3");
        assertThat(body.path("messages")).hasSize(2);
        assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(body.path("messages").get(0).path("content").asText()).isEqualTo("Be brief.");
        assertThat(body.path("messages").get(1).path("role").asText()).isEqualTo("user");
        assertThat(body.path("messages").get(1).path("content").asText()).isEqualTo("Hi \"there\"\n");
        assertThat(body.path("max_tokens").intValue()).isEqualTo(64);
        assertThat(body.path("temperature").doubleValue()).isEqualTo(0.2);
        assertThat(body.path("stream").isBoolean()).isTrue();
        assertThat(body.path("stream").booleanValue()).isFalse();
    }

    @Test
    void omitsAbsentOptionsAndAuthorization() throws Exception {
        server.enqueue(Fixtures.response(200, "application/json", OK_BODY));

        client(Fixtures.fastSettings(server)).chat(ChatRequest.of("m", null, "Hello"));

        RecordedRequest recorded = server.takeRequest(60, TimeUnit.SECONDS);
        assertThat(recorded.getHeaders().get("Authorization")).isNull();
        JsonNode body = new ObjectMapper().readTree(recorded.getBody().utf8());
        assertThat(body.fieldNames()).toIterable().containsExactly("model", "messages", "stream");
        assertThat(body.path("messages")).hasSize(1);
    }

    @Test
    void baseUrlWithoutTrailingSlashWorksToo() throws Exception {
        server.enqueue(Fixtures.response(200, "application/json", OK_BODY));
        String base = server.url("/v1").toString();
        assertThat(base).doesNotEndWith("/");

        client(ClientSettings.of(base)).chat(Fixtures.hello());

        assertThat(server.takeRequest(60, TimeUnit.SECONDS).getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
    }

    // --- transport failures ---

    @Test
    void aRefusedConnectionReachedNoServer() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        CallFailure f = failureOf(Fixtures.fastSettings(server)
                .withApiKey(KEY).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4))
                .withBaseUrl("http://127.0.0.1:" + port + "/v1"));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.CONNECTION);
        assertThat(f.status()).isZero();
        assertThat(f.code()).isEqualTo("connection");
        assertThat(f.reachedServer()).isFalse();
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.UNREACHABLE);
        assertThat(f.getMessage()).startsWith("connection refused: ").contains(String.valueOf(port));
    }

    @Test
    void connectionDroppedAfterRequest() {
        // OkHttp may replay once on a fresh connection; every attempt is dropped.
        for (int i = 0; i < 3; i++) {
            server.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
        }
        CallFailure f = failureOf(Fixtures.fastSettings(server));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.CONNECTION);
        assertThat(f.reachedServer()).as("the server took the request, then dropped it").isTrue();
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
    }

    @Test
    void connectionDroppedMidBody() {
        server.enqueue(new MockResponse.Builder().code(200).body(OK_BODY + " ".repeat(4096))
                .throttleBody(1024, 10, TimeUnit.MILLISECONDS)
                .onResponseBody(new SocketEffect.CloseSocket()).build());
        CallFailure f = failureOf(Fixtures.fastSettings(server));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.CONNECTION);
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
    }

    @Test
    void anUnknownHostReachedNoServer() {
        // RFC 6761 guarantees .invalid never resolves; the call deadline only guards against a hung resolver. It was
        // 5 s, which a loaded machine's resolver (a 5 s timeout per try in resolv.conf's default) could reach first,
        // and the failure would then be a timeout: 60 s is an order of magnitude above an answer, and a hang still ends.
        CallFailure f = failureOf(ClientSettings.of("http://stride-test.invalid/v1")
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(60)));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.UNKNOWN_HOST);
        assertThat(f.code()).isEqualTo("unknown_host");
        assertThat(f.reachedServer()).isFalse();
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.UNREACHABLE);
        assertThat(f.getMessage()).contains("stride-test.invalid");
    }

    @Test
    void tlsAgainstAPlainHttpServerReachedNoServer() throws Exception {
        try (ServerSocket plain = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            plain.setSoTimeout(5000);
            CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> answerPlainHttp(plain));

            CallFailure f = failureOf(ClientSettings.of("https://127.0.0.1:" + plain.getLocalPort() + "/v1")
                    .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(60)));

            assertThat(f.kind()).isEqualTo(CallFailure.Kind.TLS);
            assertThat(f.code()).isEqualTo("tls");
            assertThat(f.reachedServer()).isFalse();
            assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.UNREACHABLE);
            plain.close();
            answering.get(60, TimeUnit.SECONDS);
        }
    }

    /** Answers every connection with plain HTTP, which a TLS client cannot read as a handshake. */
    private static void answerPlainHttp(ServerSocket plain) {
        while (!plain.isClosed()) {
            try (Socket s = plain.accept(); OutputStream out = s.getOutputStream()) {
                out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closedOrTimedOut) {
                return;
            }
        }
    }

    @Test
    void readTimeoutWhileTheServerThinks() {
        // The server's silence (60 s) is two hundred times the read timeout: a loaded machine cannot close that gap.
        server.enqueue(new MockResponse.Builder().body(OK_BODY).headersDelay(60, TimeUnit.SECONDS).build());
        CallFailure f = failureOf(Fixtures.fastSettings(server)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(300), Duration.ofSeconds(90)));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.TIMEOUT);
        assertThat(f.code()).isEqualTo("timeout");
        assertThat(f.reachedServer()).isTrue();
        assertThat(f.verdict()).as("no answer in time").isEqualTo(CallFailure.Verdict.UNREACHABLE);
        assertThat(f.getMessage()).contains("read timed out");
    }

    /**
     * A request held past its deadline at a server that answers a GET of its models at once: up, so the timeout is the
     * request's own (a generation too long for the timeout), retried; one whose check fails (a 502 from a proxy whose
     * server is away, or no answer) is a server no one reaches, as before.
     */
    @ParameterizedTest(name = "check answered with {0}")
    @CsvSource({"200, RETRY", "404, RETRY", "502, UNREACHABLE"})
    void aTimeoutIsTheRequestsOwnWhenTheServerAnswersItsCheck(int checkStatus, CallFailure.Verdict verdict) {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.List<String> checked = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                if (request.getMethod().equals("GET")) {
                    checked.add(request.getUrl().encodedPath());
                    return Fixtures.response(checkStatus, "application/json", "{\"data\":[]}");
                }
                // Held far past the deadline (a hundred times it): no load closes that gap.
                release.await(60, TimeUnit.SECONDS);
                return Fixtures.response(200, "application/json", OK_BODY);
            }
        });
        try {
            CallFailure f = failureOf(Fixtures.fastSettings(server)
                    .withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(600), Duration.ofMillis(600)));

            assertThat(f.kind()).isEqualTo(CallFailure.Kind.TIMEOUT);
            assertThat(f.verdict()).isEqualTo(verdict);
            assertThat(f.serverUp()).isEqualTo(verdict == CallFailure.Verdict.RETRY);
            assertThat(checked).containsExactly("/v1/models");
            if (f.serverUp()) {
                assertThat(f.getMessage()).isEqualTo("call deadline of 600 ms passed while the server was up (it"
                        + " answered GET " + server.url("/v1/models") + " with HTTP " + checkStatus + ")");
            }
        } finally {
            release.countDown();
        }
    }

    @Test
    void callDeadlineCutsASlowDripBody() {
        // Each byte arrives well within the read timeout (20 ms apart, read timeout 30 s), and the whole body would
        // take 60 s, a hundred times the deadline: only the deadline can stop this, as the failure says.
        // Its check after the timeout gets a proxy's 502: no sign that the server is up.
        server.setDispatcher(Fixtures.postsAndChecks(new MockResponse.Builder()
                .body(OK_BODY + " ".repeat(3000 - OK_BODY.length())).throttleBody(1, 20, TimeUnit.MILLISECONDS).build(),
                Fixtures.response(502, "text/plain", "Bad Gateway")));
        CallFailure f = failureOf(Fixtures.fastSettings(server)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMillis(600)));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.TIMEOUT);
        assertThat(f.verdict()).as(f.getMessage()).isEqualTo(CallFailure.Verdict.UNREACHABLE);
        assertThat(f.getMessage()).contains("deadline");
    }

    @Test
    void aReadTimeoutAsLongAsTheDeadlineLeavesTheDeadlineToCutASilentServer() {
        // stride gives both the same --timeout: the socket reads block without a timeout of their own, and the
        // deadline (600 ms, a hundredth of the server's silence) must still end the call, as a timeout.
        server.enqueue(new MockResponse.Builder().body(OK_BODY).headersDelay(60, TimeUnit.SECONDS).build());
        ClientSettings settings = Fixtures.fastSettings(server)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(600), Duration.ofMillis(600));
        try (ModelClient c = new ModelClient(settings)) {
            assertThat(c.okHttp().readTimeoutMillis()).isZero();
            assertThat(c.okHttp().writeTimeoutMillis()).isZero();
        }
        CallFailure f = failureOf(settings);

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.TIMEOUT);
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.UNREACHABLE);
        assertThat(f.getMessage()).contains("deadline");
    }

    @Test
    void aReadTimeoutShorterThanTheDeadlineIsKept() {
        try (ModelClient c = new ModelClient(Fixtures.fastSettings(server)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(300), Duration.ofSeconds(90)))) {
            assertThat(c.okHttp().readTimeoutMillis()).isEqualTo(300);
            assertThat(c.okHttp().writeTimeoutMillis()).isEqualTo(300);
        }
    }

    // --- HTTP statuses ---

    @ParameterizedTest(name = "HTTP {0} -> {1}")
    @CsvSource({
            "400, FAIL_RECORD", "401, STOP_RUN", "403, STOP_RUN", "404, STOP_RUN", "405, STOP_RUN",
            "408, RETRY", "409, RETRY", "413, FAIL_RECORD", "418, FAIL_RECORD", "422, FAIL_RECORD", "429, RETRY",
            "500, RETRY", "501, STOP_RUN", "502, RETRY", "503, RETRY", "504, RETRY", "529, RETRY",
    })
    void statusVerdicts(int status, CallFailure.Verdict verdict) {
        MockResponse response = Fixtures.response(status, "application/json",
                "{\"error\":{\"message\":\"status " + status + "\",\"type\":\"x\"}}");
        // OkHttp itself repeats a request once after a 408; the second 408 reaches us.
        server.enqueue(response);
        CallFailure f = failureOf(response);

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.HTTP_STATUS);
        assertThat(f.status()).isEqualTo(status);
        assertThat(f.code()).isEqualTo("http_" + status);
        assertThat(f.verdict()).isEqualTo(verdict);
        assertThat(f.serverMessage()).isEqualTo("status " + status);
    }

    @Test
    void overLongPromptFailsOnlyThatRecordAndKeepsTheServerMessage() {
        // vLLM's wording; the message is what tells a user to shorten the prompt.
        String message = "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens "
                + "(4900 in the messages, 100 in the completion). Please reduce the length of the messages or completion.";
        CallFailure f = failureOf(Fixtures.response(400, "application/json",
                "{\"object\":\"error\",\"message\":\"" + message + "\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"));

        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.FAIL_RECORD);
        assertThat(f.serverMessage()).isEqualTo(message);
        assertThat(f.getMessage()).isEqualTo("HTTP 400: " + message);
    }

    @Test
    void exhaustedQuotaStopsTheRunInsteadOfRetrying() {
        CallFailure f = failureOf(Fixtures.response(429, "application/json",
                "{\"error\":{\"message\":\"You exceeded your current quota.\",\"type\":\"insufficient_quota\","
                        + "\"param\":null,\"code\":\"insufficient_quota\"}}"));

        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.STOP_RUN);
        assertThat(f.code()).isEqualTo("http_429");
    }

    @Test
    void aRefusalPastThoseTheGateWaitsOutHoldsTheGateAllTheSame() throws Exception {
        // --rpm engages the rate gate: each 429 asks for 300 ms. The gate waits out five within the call and sends
        // again; the sixth goes back to the caller (whose retry is its own). That sixth still says "not before 300 ms"
        // of the server: the next request waits for it, not only for the pace (10 ms at 6,000 rpm).
        MockResponse refusal = new MockResponse.Builder().code(429).setHeader("Content-Type", "application/json")
                .setHeader("retry-after-ms", "300").body("{\"error\":{\"message\":\"Rate limit reached\"}}").build();
        for (int i = 0; i <= RateGate.MAX_ABSORBED_REFUSALS; i++) {
            server.enqueue(refusal);
        }
        server.enqueue(Fixtures.response(200, "application/json", OK_BODY));
        ModelClient c = client(Fixtures.fastSettings(server).withRateLimits(new RateLimits(6000, 0)));

        CallFailure sixth = catchThrowableOfType(CallFailure.class, () -> c.chat(Fixtures.hello()));
        long refusedAt = System.nanoTime();
        assertThat(sixth.status()).isEqualTo(429);
        assertThat(c.sentAgainAfterRefusal()).isEqualTo(RateGate.MAX_ABSORBED_REFUSALS);

        c.chat(Fixtures.hello());
        // A lower bound only: a busy machine can make the wait longer, never shorter.
        assertThat(Duration.ofNanos(System.nanoTime() - refusedAt)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(server.getRequestCount()).isEqualTo(RateGate.MAX_ABSORBED_REFUSALS + 2);
    }

    @Test
    void aRequestLargerThanTheTokenBudgetAllowsInAMinuteIsTheRecordsFailureAndIsNotSent() throws Exception {
        // --tpm 10: any request is estimated at its body's bytes / 4 plus the mean answer (256 before the first), so
        // it would wait over an hour for its turn. It fails at once, the server never asked.
        ModelClient c = client(Fixtures.fastSettings(server).withRateLimits(new RateLimits(0, 10)));

        CallFailure f = catchThrowableOfType(CallFailure.class, () -> c.chat(Fixtures.hello()));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.OVER_BUDGET);
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.FAIL_RECORD);
        assertThat(f.code()).isEqualTo("over_budget");
        assertThat(f.requestSent()).isFalse();
        assertThat(f.getMessage()).contains("more than --tpm 10 allows in a minute: give a --tpm of at least ");
        assertThat(server.getRequestCount()).isZero();

        // At a budget that takes it, the same request goes.
        server.enqueue(Fixtures.response(200, "application/json", OK_BODY));
        client(Fixtures.fastSettings(server).withRateLimits(new RateLimits(0, 100_000))).chat(Fixtures.hello());
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void anAnswerWithoutUsageIsChargedItsEstimateSoTheTokenBudgetLearnsShortAnswers() throws Exception {
        // A server that reports no usage: the answer "ok" is charged as its bytes / 4, not the first guess of 256.
        String noUsage = "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}";
        ModelClient c = client(Fixtures.fastSettings(server).withRateLimits(new RateLimits(0, 600_000)));
        long firstGuess = c.gate().estimate(0, null);
        for (int i = 0; i < 10; i++) {
            server.enqueue(Fixtures.response(200, "application/json", noUsage));
            c.chat(Fixtures.hello());
        }

        assertThat(firstGuess).isEqualTo(RateGate.FIRST_ANSWER_TOKENS);
        assertThat(c.gate().estimate(0, null)).as("the mean answer learnt")
                .isLessThan(RateGate.FIRST_ANSWER_TOKENS / 2);
    }

    @Test
    void notFoundNamesTheUrlItWasPostedTo() {
        CallFailure f = failureOf(Fixtures.response(404, "application/json", "{\"detail\":\"Not Found\"}"));

        assertThat(f.serverMessage()).isEqualTo("Not Found");
        assertThat(f.getMessage()).isEqualTo("HTTP 404: Not Found (POST " + server.url("/v1/chat/completions") + ")");
    }

    @Test
    void aNotFoundUrlAndTheServerAreNamedWithTheirSecretsMasked() throws Exception {
        server.enqueue(Fixtures.response(404, "application/json",
                "{\"detail\":\"no route for key QueryKey1 or header HeaderTok2\"}"));
        String base = server.url("/v1").toString().replace("://", "://u:UrlPass3@") + "?api-version=1&key=QueryKey1";
        CallFailure f = failureOf(ClientSettings.of(base).withHeaders(java.util.Map.of("X-Token", "HeaderTok2")));

        assertThat(f.getMessage()).contains("(POST " + server.url("/v1/chat/completions") + "?api-version=1&key=***)")
                .doesNotContain("QueryKey1", "HeaderTok2", "UrlPass3");
        assertThat(f.server()).isEqualTo(server.url("/v1").toString().replace("://", "://u:***@")
                + "?api-version=1&key=***");
        var sent = server.takeRequest(60, TimeUnit.SECONDS);
        assertThat(sent.getUrl().encodedQuery()).isEqualTo("api-version=1&key=QueryKey1");
        assertThat(sent.getHeaders().get("X-Token")).isEqualTo("HeaderTok2");
    }

    @Test
    void theApiKeyNeverLeaksIntoMessages() {
        CallFailure f = failureOf(Fixtures.response(401, "application/json",
                "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ".\"}}"));

        assertThat(f.serverMessage()).isEqualTo("Incorrect API key provided: ***.");
        assertThat(f.getMessage()).doesNotContain(KEY);
        assertThat(client.settings().toString()).doesNotContain(KEY).contains("apiKey=***");
    }

    @Test
    void multiLineAndHugeBodiesBecomeOneShortLine() {
        CallFailure f = failureOf(Fixtures.response(500, "text/plain", "Traceback:\n  line 1\n" + "x".repeat(5000)));

        assertThat(f.serverMessage()).doesNotContain("\n").startsWith("Traceback: line 1 xxx");
        assertThat(f.serverMessage().length()).isLessThanOrEqualTo(ErrorBodies.MAX_MESSAGE_CHARS);
        assertThat(f.getMessage()).doesNotContain("\n");
    }

    // --- malformed 2xx bodies ---

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "truncated JSON | application/json | '{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hal' | not JSON or truncated",
            "not JSON       | text/plain       | 'OK'                                                        | not JSON or truncated",
            "HTML page      | text/html        | '<html><head><title>Sign in</title></head></html>'         | Sign in",
            "empty body     | application/json | ''                                                          | empty body",
            "no choices     | application/json | '{\"id\":\"x\",\"choices\":[]}'                             | no choices",
            "no message     | application/json | '{\"choices\":[{\"text\":\"completion style\"}]}'           | no message",
            "JSON array     | application/json | '[]'                                                        | JSON object",
    })
    void malformedSuccessBodiesAreRetried(String name, String contentType, String body, String expected) {
        CallFailure f = failureOf(Fixtures.response(200, contentType, body));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.MALFORMED_RESPONSE);
        assertThat(f.code()).isEqualTo("malformed_response");
        assertThat(f.status()).isEqualTo(200);
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
        assertThat(f.getMessage()).contains(expected).doesNotContain("\n");
    }

    @Test
    void errorObjectInA200IsMalformedAndKeepsTheMessage() {
        CallFailure f = failureOf(Fixtures.response(200, "application/json",
                "{\"error\":{\"message\":\"upstream overloaded\",\"code\":502}}"));

        assertThat(f.kind()).isEqualTo(CallFailure.Kind.MALFORMED_RESPONSE);
        assertThat(f.serverMessage()).isEqualTo("upstream overloaded");
        assertThat(f.verdict()).isEqualTo(CallFailure.Verdict.RETRY);
    }

    // --- lifecycle ---

    @Test
    void closedClientRefusesNewCalls() {
        ModelClient c = client(Fixtures.fastSettings(server));
        c.close();
        c.close();

        assertThatThrownBy(() -> c.chat(Fixtures.hello())).isInstanceOf(IllegalStateException.class);
    }
}
