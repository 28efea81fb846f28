package dev.stride.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * A blocking client for one OpenAI-compatible server (chat completions, completions) or one Ollama server (native
 * chat), with or without streaming. Thread-safe: run up to {@link ClientSettings#maxConcurrency()} calls at once from
 * your own threads. It does not retry; {@link CallFailure#verdict()} tells the caller whether to. For several servers
 * of one model, see {@link ServerPool}.
 */
public final class ModelClient implements AutoCloseable {

    private static final MediaType JSON = MediaType.get("application/json");
    /** Keep-alive for idle connections; servers commonly close theirs after a minute or more. */
    private static final Duration IDLE_KEEP_ALIVE = Duration.ofMinutes(5);
    private static final Runnable NOTHING = () -> { };

    private final ClientSettings settings;
    /** The base URL as it may be stored and shown: its secrets masked. */
    private final String shownBase;
    /** From the base URL's user-info, for a server behind a basic-auth proxy; null without one. */
    private final String basicAuthorization;
    private final OkHttpClient http;
    private final Map<Api, HttpUrl> urls = new EnumMap<>(Api.class);
    private final ChatRequestEncoder encoder;
    private final PromptEncoder promptEncoder;
    private final ResponseParser parser;
    private final ErrorBodies errorBodies;
    private final Clock clock;
    /** Bumped by {@link #cancelAll()}, so a failed call can tell our cancel from OkHttp's own (deadline) cancel. */
    private final AtomicLong cancelEpoch = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** What every request passes before it is sent: the server's rate limits, given or reported. */
    private final RateGate gate;

    public ModelClient(ClientSettings settings) {
        this(settings, Clock.systemUTC());
    }

    ModelClient(ClientSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        BaseUrl base = settings.base();
        this.shownBase = base.shown();
        this.basicAuthorization = base.basicAuthorization();
        // The path goes before the base's query: Azure's ?api-version=... must ride on every request.
        urls.put(Api.OPENAI_CHAT, base.endpoint("/chat/completions", false));
        urls.put(Api.OPENAI_COMPLETIONS, base.endpoint("/completions", false));
        urls.put(Api.OLLAMA_CHAT, base.endpoint("/api/chat", true));
        this.http = buildHttp(settings, urls.get(Api.OPENAI_CHAT).isHttps());
        ObjectMapper mapper = JsonMapper.builder().build();
        this.encoder = new ChatRequestEncoder(mapper);
        this.promptEncoder = new PromptEncoder(mapper);
        this.parser = new ResponseParser(mapper);
        this.errorBodies = new ErrorBodies(mapper);
        this.gate = new RateGate(settings.rateLimits(), System::nanoTime);
    }

    private static OkHttpClient buildHttp(ClientSettings settings, boolean https) {
        int n = settings.maxConcurrency();
        Dispatcher dispatcher = new Dispatcher();
        // The defaults (64 total, 5 per host) would quietly cap us: every request goes to the same host.
        dispatcher.setMaxRequests(Math.max(n, dispatcher.getMaxRequests()));
        dispatcher.setMaxRequestsPerHost(n);
        OkHttpClient.Builder builder = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                // With fewer idle slots than workers, connections would be closed and re-opened all run long.
                .connectionPool(QuietConnectionPool.create(n, IDLE_KEEP_ALIVE.toMillis()))
                .connectTimeout(settings.connectTimeout())
                .readTimeout(socketTimeout(settings))
                .writeTimeout(socketTimeout(settings))
                .callTimeout(settings.callTimeout())
                // Kept on: it only replays a request on a stale pooled connection, which the server never saw.
                .retryOnConnectionFailure(true)
                .addNetworkInterceptor(Connected.MARK);
        if (settings.httpLog() != null) {
            builder.addInterceptor(new RequestLog(settings.httpLog(), settings::mask));
        }
        if (!https) {
            // A client with a TLS connection spec loads the JDK's trust store (cacerts, ~0.04 s of CPU) as it is
            // built, before the first request, even if every URL is http://. This one only ever speaks plain HTTP;
            // a redirect to https:// comes back as the redirect, which the caller reports, instead of a TLS error.
            builder.connectionSpecs(List.of(ConnectionSpec.CLEARTEXT)).followSslRedirects(false);
        }
        return builder.build();
    }

    /** OkHttp's client, for tests that check what it was built to speak. */
    OkHttpClient http() {
        return http;
    }

    /**
     * The read (and write) timeout given to OkHttp: none when the call's deadline comes first anyway. A read timeout
     * at least as long as the call timeout can never fire before it (the deadline started earlier), as with stride's
     * own settings, where both are {@code --timeout}. Without one, a response is read with one blocking read()
     * instead of a non-blocking read, a poll() and a read() again, and no read enters Okio's watchdog queue: CPU
     * saved on every call, for the same failures (the deadline cancels a blocked read by closing its socket).
     */
    static Duration socketTimeout(ClientSettings settings) {
        return settings.readTimeout().compareTo(settings.callTimeout()) >= 0 ? Duration.ZERO : settings.readTimeout();
    }

    public ClientSettings settings() {
        return settings;
    }

    /**
     * Sends one chat-completions request (any number of turns) and waits for the whole answer, unstreamed.
     *
     * @throws CallFailure for every way it can fail; see {@link CallFailure#verdict()}
     */
    public ChatResult chat(ChatRequest request) throws CallFailure {
        ensureOpen();
        return send(Api.OPENAI_CHAT, encoder.encode(request), false, false, request.maxTokens(), NOTHING);
    }

    /**
     * Sends one prompt to the endpoint of {@link PromptRequest#api()} and returns the whole answer; with
     * {@link PromptRequest#stream()} the stream is read to its end and accumulated into the same result.
     *
     * @throws CallFailure for every way it can fail, an error event mid-stream and a cut stream included;
     *                     see {@link CallFailure#verdict()}
     */
    public ChatResult complete(PromptRequest request) throws CallFailure {
        return complete(request, NOTHING);
    }

    /**
     * As {@link #complete(PromptRequest)}, telling {@code passedGate} each time the request passes the rate gate and
     * goes out: what came before was waiting here, not at the server ({@link ServerPool}'s learnt limit must not
     * take it for a queue there).
     */
    ChatResult complete(PromptRequest request, Runnable passedGate) throws CallFailure {
        ensureOpen();
        return send(request.api(), promptEncoder.encode(request), request.stream(), request.keepRaw(),
                maxTokens(request), passedGate);
    }

    /** Requests held at the rate gate now, not yet sent. */
    int waitingAtGate() {
        return gate.waiting();
    }

    /** The answer's ceiling the request asks for, for the gate's token estimate; null when it sets none. */
    private static Integer maxTokens(PromptRequest request) {
        if (request.body() == null) {
            return request.sampling().maxTokens();
        }
        JsonNode n = request.body().has("max_completion_tokens")
                ? request.body().get("max_completion_tokens") : request.body().get("max_tokens");
        return n != null && n.canConvertToInt() && n.asInt() > 0 ? n.asInt() : null;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("ModelClient is closed");
        }
    }

    /**
     * Passes the gate, then sends; a 429 the gate takes on (it paces this server) is waited out and sent again, a few
     * times at most, without the caller hearing of it.
     */
    private ChatResult send(Api api, byte[] body, boolean stream, boolean keepRaw, Integer maxTokens,
                            Runnable passedGate) throws CallFailure {
        for (int refusals = 0; ; refusals++) {
            RateGate.Permit permit = gate.enter(gate.estimate(body.length, maxTokens));
            if (permit == null) {
                // Never sent: not a request the server has to answer, nor one a stopped run counts as asked again.
                throw CallFailure.unreached(CallFailure.Kind.CANCELLED, "stopped while waiting for the rate limit",
                        null).at(shownBase);
            }
            passedGate.run();
            try {
                return execute(api, body, stream, keepRaw, permit);
            } catch (CallFailure f) {
                boolean refusal = f.status() == 429 && f.verdict() == CallFailure.Verdict.RETRY
                        && refusals < RateGate.MAX_ABSORBED_REFUSALS;
                if (refusal && gate.refused(permit, f.retryAfter().orElse(null), f.rateLimits())) {
                    continue;
                }
                if (!refusal) {
                    gate.failed(permit, f.rateLimits());
                }
                throw f;
            }
        }
    }

    private ChatResult execute(Api api, byte[] body, boolean stream, boolean keepRaw, RateGate.Permit permit)
            throws CallFailure {
        HttpUrl url = urls.get(api);
        Request.Builder request = new Request.Builder()
                .url(url)
                .header("Accept", !stream ? "application/json"
                        : api == Api.OLLAMA_CHAT ? "application/x-ndjson" : "text/event-stream")
                .post(RequestBody.create(body, JSON));
        Connected connected = new Connected();
        request.tag(Connected.class, connected);
        if (settings.apiKey() != null) {
            request.header("Authorization", "Bearer " + settings.apiKey());
        }
        if (basicAuthorization != null) {
            // The URL's own user:password is the more specific word than a key variable that happens to be set.
            request.header("Authorization", basicAuthorization);
        }
        // Last, so that a header the user names wins over the ones made from the key or the URL.
        settings.headers().forEach(request::header);
        long epoch = cancelEpoch.get();
        Call call = this.http.newCall(request.build());
        long start = System.nanoTime();
        int status = 0;
        try (Response response = call.execute()) {
            status = response.code();
            RateLimitReading reading = reading(response);
            if (status < 200 || status > 299) {
                String errorBody = response.body().string();
                ErrorBody error = redact(errorBodies.parse(errorBody));
                throw CallFailure.httpStatus(status, error,
                        RetryAfter.parse(response.header("retry-after-ms"), response.header("Retry-After"),
                                clock.instant()).orElse(null), BaseUrl.redact(url.toString())).at(shownBase)
                        .withRateLimits(reading);
            }
            ChatResult result;
            if (stream && !isPlainJson(response)) {
                result = readStream(api, response.body().source(), keepRaw, start);
            } else if (!keepRaw && isUtf8(response)) {
                // Not streamed (or a server that ignored "stream": true), its text not kept: parsed from its bytes.
                byte[] bytes = response.body().bytes();
                Duration latency = Duration.ofNanos(System.nanoTime() - start);
                result = parser.parse(api, bytes, latency).withRawBodyAndServer(null, shownBase);
            } else {
                // Not streamed, or a server that ignored "stream": true and answered with one JSON body.
                String text = response.body().string();
                Duration latency = Duration.ofNanos(System.nanoTime() - start);
                result = parser.parse(api, text, latency).withRawBodyAndServer(keepRaw ? mask(text) : null,
                        shownBase);
            }
            gate.answered(permit, result.promptTokens(), result.completionTokens(), reading);
            return result;
        } catch (IOException e) {
            boolean cancelledByUs = call.isCanceled() && cancelEpoch.get() != epoch;
            throw TransportErrors.classify(e, cancelledByUs, connected.yes, settings).at(shownBase);
        } catch (MalformedResponse e) {
            String serverMessage = redact(new ErrorBody(e.serverMessage(), false)).message();
            throw CallFailure.malformed(status, settings.mask(e.getMessage()), serverMessage, e.getCause())
                    .at(shownBase);
        }
    }

    /**
     * Reads the body line by line as it arrives. After the end marker the rest of the body is still read, so that
     * the connection can be reused and the raw text is whole; a failure after the marker does not undo the answer.
     */
    private ChatResult readStream(Api api, BufferedSource source, boolean keepRaw, long start)
            throws IOException, MalformedResponse {
        StreamDecoder decoder = api == Api.OLLAMA_CHAT ? new NdjsonDecoder(parser) : new SseDecoder(api, parser);
        StringBuilder raw = keepRaw ? new StringBuilder() : null;
        try {
            while (true) {
                long newline = source.indexOf((byte) '\n');
                String line = newline < 0 ? source.readUtf8() : source.readUtf8(newline + 1);
                if (line.isEmpty()) {
                    break;
                }
                if (raw != null) {
                    raw.append(line);
                }
                if (!decoder.done()) {
                    decoder.line(stripLineEnd(line));
                }
                if (newline < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            if (!decoder.done()) {
                throw e;
            }
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        return decoder.finish(latency).withRawBodyAndServer(raw == null ? null : mask(raw.toString()), shownBase);
    }

    private static String stripLineEnd(String line) {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\n') {
            end--;
        }
        if (end > 0 && line.charAt(end - 1) == '\r') {
            end--;
        }
        return line.substring(0, end);
    }

    /** The server's rate-limit headers, if it sends any; most local servers send none, found in one pass. */
    private RateLimitReading reading(Response response) {
        okhttp3.Headers headers = response.headers();
        for (int i = 0, n = headers.size(); i < n; i++) {
            String name = headers.name(i);
            if (name.regionMatches(true, 0, "x-ratelimit", 0, 11)
                    || name.regionMatches(true, 0, "anthropic-ratelimit", 0, 19)) {
                return RateLimitReading.of(response::header, clock.instant());
            }
        }
        return RateLimitReading.NONE;
    }

    /**
     * Whether the body is UTF-8 as OkHttp would decode it: no other charset declared and no byte-order mark of another
     * encoding (OkHttp's text follows a BOM; UTF-8's own is skipped by both readers).
     */
    private static boolean isUtf8(Response response) throws IOException {
        MediaType type = response.body().contentType();
        Charset declared = type == null ? null : type.charset();
        if (declared != null && !declared.equals(StandardCharsets.UTF_8)) {
            return false;
        }
        BufferedSource source = response.body().source();
        if (!source.request(2)) {
            return true; // nothing or one byte: not JSON either way, and the text path will say so
        }
        int first = source.getBuffer().getByte(0) & 0xff;
        int second = source.getBuffer().getByte(1) & 0xff;
        return first != 0 && second != 0 && first != 0xfe && first != 0xff;
    }

    private static boolean isPlainJson(Response response) {
        MediaType type = response.body().contentType();
        return type != null && "application".equals(type.type()) && "json".equals(type.subtype());
    }

    /** Servers sometimes echo the key (or a header, or the URL); a kept body must not carry it to the store. */
    private String mask(String raw) {
        return settings.mask(raw);
    }

    private ErrorBody redact(ErrorBody error) {
        ErrorBody redacted = error;
        for (String secret : settings.secrets()) {
            redacted = redacted.redact(secret);
        }
        return redacted;
    }

    /**
     * Cancels every call in flight, blocking ones included; each fails with kind {@link CallFailure.Kind#CANCELLED}.
     * Calls started afterwards run normally.
     */
    public void cancelAll() {
        cancelEpoch.incrementAndGet();
        gate.cancelAll();
        http.dispatcher().cancelAll();
    }

    /**
     * Sends no new request: those waiting at the rate-limit gate, and all later ones, fail at once with
     * {@link CallFailure.Kind#CANCELLED}; calls in flight go on (see {@link #cancelAll()}).
     */
    public void stopSending() {
        gate.stopSending();
    }

    /** For tests: the gate this client's requests pass. */
    RateGate gate() {
        return gate;
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
