package dev.stride.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
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
    /**
     * {@code -Dstride.http.transport=okhttp} sends every call through OkHttp, as before the lean transport for plain
     * http:// ({@link PlainHttp1}): a way back if a server and that transport ever disagree.
     */
    static final String TRANSPORT_PROPERTY = "stride.http.transport";
    static final String OKHTTP_ONLY = "okhttp";

    private final ClientSettings settings;
    /** The base URL as it may be stored and shown: its secrets masked. */
    private final String shownBase;
    /** From the base URL's user-info, for a server behind a basic-auth proxy; null without one. */
    private final String basicAuthorization;
    private final OkHttpClient http;
    /**
     * For the check of a server whose request timed out ({@link #timedOut}): the same client under a short deadline,
     * the least of the settings' timeouts (a server that is up answers a list of its models at once, busy or not).
     */
    private final OkHttpClient checkHttp;
    /** What each API's server is checked with: its list of models (OpenAI), its version (Ollama's own API). */
    private final Map<Api, HttpUrl> checks = new EnumMap<>(Api.class);
    /** The lean transport for plain http:// calls answered whole; null when every call goes through OkHttp. */
    private final PlainHttp1 plain;
    /**
     * Set once the lean transport got a redirect that OkHttp follows: later calls go to OkHttp at once. Each such call
     * asked the first server twice (once here, once from OkHttp, which then follows), for every record of a run.
     */
    private volatile boolean redirectedToOkHttp;
    /** The request log of {@link ClientSettings#httpLog()} for {@link #plain}'s calls; null without one. */
    private final RequestLog plainLog;
    /** Each API's request line and headers for {@link #plain}. */
    private final Map<Api, byte[]> plainHeads = new EnumMap<>(Api.class);
    private final Map<Api, HttpUrl> urls = new EnumMap<>(Api.class);
    private final ObjectMapper mapper;
    private final ChatRequestEncoder encoder;
    private final PromptEncoder promptEncoder;
    private final ResponseParser parser;
    private final ErrorBodies errorBodies;
    private final Clock clock;
    /** Bumped by {@link #cancelAll()}, so a failed call can tell our cancel from OkHttp's own (deadline) cancel. */
    private final AtomicLong cancelEpoch = new AtomicLong();
    /**
     * OkHttp's calls from before their head is sent until their body is read, for {@link #cancelAll()}: OkHttp's
     * dispatcher lets go of a call once {@code execute()} returns its head, and a streamed body read after that was
     * out of its reach (a stop waited for every stream in flight to its end or deadline).
     */
    private final Set<Call> callsInFlight = ConcurrentHashMap.newKeySet();
    /** 429s the rate gate took on and sent again within their call: requests the server received, all the same. */
    private final AtomicLong sentAgainAfterRefusal = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** What every request passes before it is sent: the server's rate limits, given or reported. */
    private final RateGate gate;

    public ModelClient(ClientSettings settings) {
        this(settings, Clock.systemUTC());
    }

    ModelClient(ClientSettings settings, Clock clock) {
        this(settings, clock, System::nanoTime, !OKHTTP_ONLY.equals(System.getProperty(TRANSPORT_PROPERTY)));
    }

    /**
     * One of {@link ServerPool}'s servers: its rate gate keeps the pool's time, so that a test that moves the pool's
     * clock by hand moves the time a request waits at the gate with it (and the learnt limit sees both on one scale).
     */
    ModelClient(ClientSettings settings, LongSupplier nanoTime) {
        this(settings, Clock.systemUTC(), nanoTime, !OKHTTP_ONLY.equals(System.getProperty(TRANSPORT_PROPERTY)));
    }

    /** For tests of OkHttp's own set-up: every call through OkHttp. */
    static ModelClient throughOkHttp(ClientSettings settings) {
        return new ModelClient(settings, Clock.systemUTC(), System::nanoTime, false);
    }

    private ModelClient(ClientSettings settings, Clock clock, LongSupplier nanoTime, boolean plainAllowed) {
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
        checks.put(Api.OPENAI_CHAT, base.endpoint("/models", false));
        checks.put(Api.OPENAI_COMPLETIONS, checks.get(Api.OPENAI_CHAT));
        checks.put(Api.OLLAMA_CHAT, base.endpoint("/api/version", true));
        Duration check = settings.connectTimeout();
        for (Duration d : List.of(settings.readTimeout(), settings.callTimeout())) {
            check = d.isZero() || d.compareTo(check) >= 0 ? check : d;
        }
        this.checkHttp = http.newBuilder().callTimeout(check).readTimeout(check).build();
        HttpUrl chat = urls.get(Api.OPENAI_CHAT);
        Map<String, String> headers = headersOf(Map.of("Accept", "application/json"));
        // The body's type wins over a header of that name, as in OkHttp, which sets it from the body.
        headers.keySet().removeIf("Content-Type"::equalsIgnoreCase);
        headers.put("Content-Type", JSON.toString());
        if (plainAllowed && !chat.isHttps() && direct(chat) && acceptedByOkHttp(headers)) {
            this.plain = new PlainHttp1(chat.host(), chat.port(), settings.connectTimeout(), socketTimeout(settings),
                    settings.callTimeout(), IDLE_KEEP_ALIVE, settings.maxConcurrency());
            for (Api api : Api.values()) {
                plainHeads.put(api, PlainHttp1.head(target(urls.get(api)), hostHeader(urls.get(api)), headers));
            }
        } else {
            this.plain = null;
        }
        this.plainLog = plain == null || settings.httpLog() == null ? null
                : new RequestLog(settings.httpLog(), settings::mask);
        // Buffers from one pool for every thread, not a set per thread (Jackson's default): a caller may keep a
        // thread per request in flight, a thousand of them (BENCHMARKS.md, "Memory at 1,024 in flight").
        this.mapper = JsonMapper.builder(
                JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build()).build();
        this.encoder = new ChatRequestEncoder(mapper);
        this.promptEncoder = new PromptEncoder(mapper);
        this.parser = new ResponseParser(mapper);
        this.errorBodies = new ErrorBodies(mapper);
        this.gate = new RateGate(settings.rateLimits(), nanoTime);
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
                // Off: OkHttp would send a POST again on any connection that broke before the answer, even one the
                // server had read (and done the work of) before it dropped it; that send again is ours to count and
                // to decide, under --retries. A pooled connection idle for 10 s or more is still checked first.
                .retryOnConnectionFailure(false)
                .addNetworkInterceptor(Connected.MARK);
        if (settings.httpLog() != null) {
            builder.addInterceptor(new RequestLog(settings.httpLog(), settings::mask));
        }
        if (https) {
            HandshakeBound.install(builder, settings.connectTimeout());
        } else {
            // A client with a TLS connection spec loads the JDK's trust store (cacerts, ~0.04 s of CPU) as it is
            // built, before the first request, even if every URL is http://. This one only ever speaks plain HTTP;
            // a redirect to https:// comes back as the redirect, which the caller reports, instead of a TLS error.
            builder.connectionSpecs(List.of(ConnectionSpec.CLEARTEXT)).followSslRedirects(false);
        }
        return builder.build();
    }

    /** Whether the system's proxy settings send {@code url} straight to the server (a proxy is OkHttp's to speak to). */
    private static boolean direct(HttpUrl url) {
        ProxySelector selector = ProxySelector.getDefault();
        if (selector == null) {
            return true;
        }
        return selector.select(url.uri()).stream().allMatch(p -> p.type() == Proxy.Type.DIRECT);
    }

    /**
     * Whether OkHttp would send these headers: no line break, control or non-ASCII character in a name or value (a
     * key read from a file with Windows line ends would end in a CR). Those it refuses go through OkHttp, which says
     * so for each call, masking an Authorization value, instead of being written onto the wire.
     */
    private static boolean acceptedByOkHttp(Map<String, String> headers) {
        try {
            okhttp3.Headers.Builder check = new okhttp3.Headers.Builder();
            headers.forEach(check::add);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String target(HttpUrl url) {
        return url.encodedQuery() == null ? url.encodedPath() : url.encodedPath() + "?" + url.encodedQuery();
    }

    /** As OkHttp writes it: the port only when it is not the scheme's default, an IPv6 literal in brackets. */
    private static String hostHeader(HttpUrl url) {
        String host = url.host().contains(":") ? "[" + url.host() + "]" : url.host();
        return url.port() == HttpUrl.defaultPort(url.scheme()) ? host : host + ":" + url.port();
    }

    /**
     * {@code fixed} and the headers every request carries, for either transport: the key, or the URL's user-info (the
     * more specific word than a key variable that happens to be set), then the user's own, which win over both.
     */
    private Map<String, String> headersOf(Map<String, String> fixed) {
        Map<String, String> headers = new LinkedHashMap<>(fixed);
        if (settings.apiKey() != null) {
            headers.put("Authorization", "Bearer " + settings.apiKey());
        }
        if (basicAuthorization != null) {
            headers.put("Authorization", basicAuthorization);
        }
        settings.headers().forEach((name, value) -> {
            headers.keySet().removeIf(name::equalsIgnoreCase);
            headers.put(name, value);
        });
        return headers;
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
        return send(Api.OPENAI_CHAT, encoder.encode(request), false, false, request.maxTokens(), NOTHING,
                NOTHING);
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
        return complete(request, passedGate, NOTHING);
    }

    /**
     * As {@link #complete(PromptRequest, Runnable)}, telling {@code sentAgain} each time a 429 the gate waited out is
     * sent again: a request the caller's record took beyond its call.
     */
    ChatResult complete(PromptRequest request, Runnable passedGate, Runnable sentAgain) throws CallFailure {
        ensureOpen();
        return send(request.api(), promptEncoder.encode(request), request.stream(), request.keepRaw(),
                maxTokens(request), passedGate, sentAgain);
    }

    /** Requests held at the rate gate now, not yet sent. */
    /** Refused requests (429) the rate gate waited out and sent again, unseen by the caller: see {@link #send}. */
    public long sentAgainAfterRefusal() {
        return sentAgainAfterRefusal.get();
    }

    int waitingAtGate() {
        return gate.waiting();
    }

    /** How long the server's word still holds requests back at the gate (a spent budget until its reset); 0 if not. */
    long heldAtGateNanos() {
        return gate.heldNanos();
    }

    /**
     * Tells the gate what an answer cost: the usage it reports or, from a server that reports none, an estimate made
     * as a request's is (its body's and its answer's UTF-8 bytes / 4). Without one the gate kept charging its first
     * guess of an answer (256 tokens), and a --tpm run against such a server went at a tenth of its budget.
     */
    private void answered(RateGate.Permit permit, int bodyBytes, ChatResult result, RateLimitReading reading) {
        Integer prompt = result.promptTokens();
        Integer completion = result.completionTokens();
        if (prompt == null && completion == null && permit.paced()) {
            prompt = bodyBytes / 4;
            completion = (utf8Bytes(result.content()) + utf8Bytes(result.reasoning())) / 4;
        }
        gate.answered(permit, prompt, completion, reading);
    }

    private static int utf8Bytes(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
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
                            Runnable passedGate, Runnable sentAgain) throws CallFailure {
        for (int refusals = 0; ; refusals++) {
            long estimate = gate.estimate(body.length, maxTokens);
            if (gate.beyondBudget(estimate)) {
                throw CallFailure.overBudget(estimate, settings.rateLimits().tokensPerMinute()).at(shownBase);
            }
            RateGate.Permit permit = gate.enter(estimate);
            if (permit == null) {
                // Never sent: not a request the server has to answer, nor one a stopped run counts as asked again.
                throw CallFailure.unreached(CallFailure.Kind.CANCELLED, "stopped while waiting for the rate limit",
                        null).at(shownBase);
            }
            passedGate.run();
            try {
                return execute(api, body, stream, keepRaw, permit);
            } catch (CallFailure f) {
                if (f.status() != 429 || f.verdict() != CallFailure.Verdict.RETRY) {
                    gate.failed(permit, f.rateLimits());
                    throw f;
                }
                // The gate hears of every refusal, also one past those it waits out: the server's "not before" holds
                // for the next requests whoever sends this one again.
                boolean takenOn = gate.refused(permit, f.retryAfter().orElse(null), f.rateLimits());
                if (takenOn && refusals < RateGate.MAX_ABSORBED_REFUSALS) {
                    sentAgainAfterRefusal.incrementAndGet();
                    sentAgain.run();
                    continue;
                }
                throw f;
            }
        }
    }

    private ChatResult execute(Api api, byte[] body, boolean stream, boolean keepRaw, RateGate.Permit permit)
            throws CallFailure {
        HttpUrl url = urls.get(api);
        if (plain != null && !stream && !redirectedToOkHttp) {
            ChatResult result = executePlain(api, url, body, keepRaw, permit);
            if (result != null) {
                return result;
            }
            redirectedToOkHttp = true;
        }
        Request.Builder request = new Request.Builder()
                .url(url)
                .post(RequestBody.create(body, JSON));
        Connected connected = new Connected();
        request.tag(Connected.class, connected);
        headersOf(Map.of("Accept", !stream ? "application/json"
                : api == Api.OLLAMA_CHAT ? "application/x-ndjson" : "text/event-stream")).forEach(request::header);
        long epoch = cancelEpoch.get();
        Call call = this.http.newCall(request.build());
        callsInFlight.add(call);
        if (cancelEpoch.get() != epoch) {
            call.cancel(); // a cancelAll() that came between: this call was already under way for it
        }
        long start = System.nanoTime();
        int status = 0;
        Heard heard = new Heard();
        try (Response response = call.execute()) {
            heard.now();
            status = response.code();
            RateLimitReading reading = reading(response);
            ChatResult result;
            if (stream && status >= 200 && status <= 299 && !isPlainJson(response)) {
                result = readStream(api, response.body().source(), keepRaw, start, call, heard);
            } else {
                // Not streamed, or a server that ignored "stream": true and answered with one JSON body.
                result = whole(api, url, status, response::header, reading, response.body().bytes(), keepRaw, start);
            }
            answered(permit, body.length, result, reading);
            return result;
        } catch (IOException e) {
            boolean cancelledByUs = call.isCanceled() && cancelEpoch.get() != epoch;
            throw timedOut(TransportErrors.classify(e, cancelledByUs, connected.yes, settings).at(shownBase), api,
                    heard);
        } catch (MalformedResponse e) {
            throw malformed(status, e);
        } finally {
            callsInFlight.remove(call);
        }
    }

    /**
     * The call through {@link PlainHttp1}; null when the server answered with a redirect, which the caller then sends
     * through OkHttp, as it follows them.
     */
    private ChatResult executePlain(Api api, HttpUrl url, byte[] body, boolean keepRaw, RateGate.Permit permit)
            throws CallFailure {
        long epoch = cancelEpoch.get();
        Connected connected = new Connected();
        long start = System.nanoTime();
        int status = 0;
        if (plainLog != null) {
            plainLog.sending("POST", url.toString(), body.length);
        }
        try {
            PlainHttp1.Reply reply = plain.post(plainHeads.get(api), body, connected::mark);
            status = reply.status();
            if (plainLog != null) {
                plainLog.received(status, url.toString(), start, reply.body().length);
            }
            if (status >= 300 && status <= 399 && followedByOkHttp(url, reply.header("Location"))) {
                return null;
            }
            RateLimitReading reading = reply.hasHeaderStartingWith("x-ratelimit")
                    || reply.hasHeaderStartingWith("anthropic-ratelimit")
                    ? RateLimitReading.of(reply::header, clock.instant()) : RateLimitReading.NONE;
            ChatResult result = whole(api, url, status, reply::header, reading, reply.body(), keepRaw, start);
            answered(permit, body.length, result, reading);
            return result;
        } catch (IOException e) {
            if (plainLog != null) {
                plainLog.failed("POST", url.toString(), start, e);
            }
            throw timedOut(TransportErrors.classify(e, cancelEpoch.get() != epoch, connected.yes, settings)
                    .at(shownBase), api, new Heard());
        } catch (MalformedResponse e) {
            throw malformed(status, e);
        }
    }

    /**
     * Whether OkHttp, as built here, follows this redirect: to another http:// URL, yes; to https://, or without a
     * Location, it hands the redirect back, and so does the lean transport (the caller reports it).
     */
    private static boolean followedByOkHttp(HttpUrl url, String location) {
        HttpUrl to = location == null ? null : url.resolve(location);
        return to != null && !to.isHttps();
    }

    /** An answer read whole, from either transport: a failure for a status that is not 2xx, else the parsed result. */
    private ChatResult whole(Api api, HttpUrl url, int status, Function<String, String> header,
                             RateLimitReading reading, byte[] body, boolean keepRaw, long start)
            throws CallFailure, MalformedResponse {
        String contentType = header.apply("Content-Type");
        if (status < 200 || status > 299) {
            ErrorBody error = redact(errorBodies.parse(BodyText.decode(body, contentType)));
            // A redirect reaches here only when it is not followed (to https://): where it points is the fix.
            String location = status >= 300 && status <= 399 ? header.apply("Location") : null;
            HttpUrl to = location == null ? null : url.resolve(location);
            throw CallFailure.httpStatus(status, error,
                    RetryAfter.parse(header.apply("retry-after-ms"), header.apply("Retry-After"), clock.instant())
                            .orElse(null), BaseUrl.redact(url.toString()),
                    to == null ? null : BaseUrl.redact(to.toString())).at(shownBase)
                    .withRateLimits(reading);
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        if (!keepRaw && BodyText.isUtf8(body, contentType)) {
            // Its text not kept: parsed from its bytes.
            return parser.parse(api, body, latency).withRawBodyAndServer(null, shownBase);
        }
        String text = BodyText.decode(body, contentType);
        return parser.parse(api, text, latency).withRawBodyAndServer(keepRaw ? mask(text) : null, shownBase);
    }

    /** When the server last sent bytes of a request's answer (its headers, a line of its stream); 0 before any. */
    private static final class Heard {
        private long at;

        void now() {
            at = System.nanoTime();
        }
    }

    /**
     * A request that timed out at a server: the request's own when the server showed itself up meanwhile, i.e. its
     * answer was still arriving in the later half of the timeout (a stream that trickles tokens), or the server answers a
     * check of it now (a list of its models: a server that is up answers that at once, however busy its slots are).
     * Else, as it was thrown: no server answered (down, hung, a network gone), for the caller to wait for.
     */
    private CallFailure timedOut(CallFailure f, Api api, Heard heard) {
        if (f.kind() != CallFailure.Kind.TIMEOUT || !f.reachedServer()) {
            return f;
        }
        // Bytes in the later half of the timeout that fired (stride's --timeout is both): the answer was arriving.
        Duration read = settings.readTimeout();
        Duration fired = read.isZero() || settings.callTimeout().compareTo(read) < 0 ? settings.callTimeout() : read;
        if (heard.at != 0 && System.nanoTime() - heard.at <= fired.toNanos() / 2) {
            return f.whileServerUp("its answer was still arriving");
        }
        String answered = check(checks.get(api));
        return answered == null ? f : f.whileServerUp(answered);
    }

    /**
     * Whether the server answers a GET of {@code url} within the check's deadline: what it answered, in words, or null
     * for none (refused, silent, or a 5xx: a proxy whose server is away).
     */
    private String check(HttpUrl url) {
        Request.Builder request = new Request.Builder().url(url).get();
        headersOf(Map.of("Accept", "application/json")).forEach(request::header);
        // Tracked as the requests are, so that a stop's cancelAll() ends a check under way too.
        Call call = checkHttp.newCall(request.build());
        callsInFlight.add(call);
        try (Response response = call.execute()) {
            return response.code() >= 500 ? null
                    : "it answered GET " + BaseUrl.redact(url.toString()) + " with HTTP " + response.code();
        } catch (IOException | RuntimeException e) {
            return null;
        } finally {
            callsInFlight.remove(call);
        }
    }

    private CallFailure malformed(int status, MalformedResponse e) {
        String serverMessage = redact(new ErrorBody(e.serverMessage(), false)).message();
        return CallFailure.malformed(status, settings.mask(e.getMessage()), serverMessage, e.getCause())
                .at(shownBase);
    }

    /**
     * Reads the body line by line as it arrives. After the end marker the rest of the body is still read, so that
     * the connection can be reused and the raw text is whole; a failure after the marker does not undo the answer.
     * A connection that drops before the marker (a proxy's timeout, a server that dies mid-answer) ends the stream
     * as its end would: the answer if a finish_reason came, else the stream cut short, said as such.
     */
    private ChatResult readStream(Api api, BufferedSource source, boolean keepRaw, long start, Call call,
                                  Heard heard) throws IOException, MalformedResponse {
        StreamDecoder decoder = api == Api.OLLAMA_CHAT ? new NdjsonDecoder(parser) : new SseDecoder(api, parser);
        StringBuilder raw = keepRaw ? new StringBuilder() : null;
        IOException dropped = null;
        try {
            while (true) {
                long newline = source.indexOf((byte) '\n');
                String line = newline < 0 ? source.readUtf8() : source.readUtf8(newline + 1);
                if (line.isEmpty()) {
                    break;
                }
                heard.now();
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
            // A cancelled call (ours, or its deadline) and a read timeout keep their own names.
            if (!decoder.done() && (call.isCanceled() || !TransportErrors.isDrop(e))) {
                throw e;
            }
            dropped = decoder.done() ? null : e;
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        ChatResult answer;
        try {
            answer = decoder.finish(latency);
        } catch (MalformedResponse cut) {
            throw dropped == null ? cut
                    : new MalformedResponse(cut.getMessage() + " (the connection dropped)", cut.serverMessage(), dropped);
        }
        return answer.withRawBodyAndServer(raw == null ? null : mask(raw.toString()), shownBase);
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
        if (plain != null) {
            plain.cancelAll();
        }
        // Not OkHttp's dispatcher().cancelAll(): it no longer holds a call whose body (a stream) is being read.
        for (Call call : callsInFlight) {
            call.cancel();
        }
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
            if (plain != null) {
                plain.close();
            }
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    /** For tests: the pool the client's parsers and generators take their buffers from. */
    RecyclerPool<BufferRecycler> bufferPool() {
        return mapper.getFactory()._getRecyclerPool();
    }

    /** For tests: the lean transport of plain http:// calls, null when every call goes through OkHttp. */
    PlainHttp1 plain() {
        return plain;
    }

    /** For tests: the pool and dispatcher sizing is part of this class's contract. */
    OkHttpClient okHttp() {
        return http;
    }
}
