package dev.stride.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A blocking client for the chat-completions endpoint of one OpenAI-compatible server. Thread-safe: run up to
 * {@link ClientSettings#maxConcurrency()} calls at once from your own threads. It does not retry HTTP statuses;
 * {@link CallFailure#verdict()} tells the caller whether to.
 */
public final class ModelClient implements AutoCloseable {

    private static final MediaType JSON = MediaType.get("application/json");
    /** Keep-alive for idle connections; servers commonly close theirs after a minute or more. */
    private static final Duration IDLE_KEEP_ALIVE = Duration.ofMinutes(5);

    private final ClientSettings settings;
    private final OkHttpClient http;
    private final HttpUrl chatUrl;
    private final ChatRequestEncoder encoder;
    private final ChatCompletionParser parser;
    private final ErrorBodies errorBodies;
    private final Clock clock;
    /** Bumped by {@link #cancelAll()}, so a failed call can tell our cancel from OkHttp's own (deadline) cancel. */
    private final AtomicLong cancelEpoch = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    public ModelClient(ClientSettings settings) {
        this(settings, Clock.systemUTC());
    }

    ModelClient(ClientSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.chatUrl = HttpUrl.get(settings.baseUrl() + "/chat/completions");
        this.http = buildHttp(settings);
        ObjectMapper mapper = JsonMapper.builder().build();
        this.encoder = new ChatRequestEncoder(mapper);
        this.parser = new ChatCompletionParser(mapper);
        this.errorBodies = new ErrorBodies(mapper);
    }

    private static OkHttpClient buildHttp(ClientSettings settings) {
        int n = settings.maxConcurrency();
        Dispatcher dispatcher = new Dispatcher();
        // The defaults (64 total, 5 per host) would quietly cap us: every request goes to the same host.
        dispatcher.setMaxRequests(Math.max(n, dispatcher.getMaxRequests()));
        dispatcher.setMaxRequestsPerHost(n);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                // With fewer idle slots than workers, connections would be closed and re-opened all run long.
                .connectionPool(new ConnectionPool(n, IDLE_KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS))
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.readTimeout())
                .writeTimeout(settings.readTimeout())
                .callTimeout(settings.callTimeout())
                // Kept on: it only replays a request on a stale pooled connection, which the server never saw.
                .retryOnConnectionFailure(true)
                .build();
    }

    public ClientSettings settings() {
        return settings;
    }

    /**
     * Sends one request and waits for the whole answer.
     *
     * @throws CallFailure for every way it can fail; see {@link CallFailure#verdict()}
     */
    public ChatResult chat(ChatRequest request) throws CallFailure {
        if (closed.get()) {
            throw new IllegalStateException("ModelClient is closed");
        }
        Request.Builder http = new Request.Builder()
                .url(chatUrl)
                .header("Accept", "application/json")
                .post(RequestBody.create(encoder.encode(request), JSON));
        if (settings.apiKey() != null) {
            http.header("Authorization", "Bearer " + settings.apiKey());
        }
        long epoch = cancelEpoch.get();
        Call call = this.http.newCall(http.build());
        long start = System.nanoTime();
        int status;
        String body;
        String retryAfterMs;
        String retryAfter;
        try (Response response = call.execute()) {
            status = response.code();
            retryAfterMs = response.header("retry-after-ms");
            retryAfter = response.header("Retry-After");
            body = response.body().string();
        } catch (IOException e) {
            boolean cancelledByUs = call.isCanceled() && cancelEpoch.get() != epoch;
            throw TransportErrors.classify(e, cancelledByUs, settings);
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        if (status < 200 || status > 299) {
            ErrorBody error = errorBodies.parse(body).redact(settings.apiKey());
            throw CallFailure.httpStatus(status, error,
                    RetryAfter.parse(retryAfterMs, retryAfter, clock.instant()).orElse(null));
        }
        try {
            return parser.parse(body, latency);
        } catch (ChatCompletionParser.Malformed e) {
            String serverMessage = new ErrorBody(e.serverMessage(), false).redact(settings.apiKey()).message();
            throw CallFailure.malformed(status, e.getMessage(), serverMessage, e.getCause());
        }
    }

    /**
     * Cancels every call in flight, blocking ones included; each fails with kind {@link CallFailure.Kind#CANCELLED}.
     * Calls started afterwards run normally.
     */
    public void cancelAll() {
        cancelEpoch.incrementAndGet();
        http.dispatcher().cancelAll();
    }

    /** Frees threads and idle connections. Calls still running finish; call {@link #cancelAll()} first to stop them. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    /** For tests: the pool and dispatcher sizing is part of this class's contract. */
    OkHttpClient okHttp() {
        return http;
    }
}
