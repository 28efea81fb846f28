package dev.stride.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible inference server for rehearsals, demos and benchmarks, on the JDK's own HTTP server.
 *
 * <p>Serves {@code POST /v1/chat/completions} and {@code POST /v1/completions} (with {@code "stream": true} as
 * server-sent events), {@code GET /v1/models} and {@code GET /health}. Answers are deterministic per prompt and
 * contain the prompt (see {@link #answerFor(String)}); latency, generation speed, the concurrency limit and failures
 * follow {@link SimulatorSettings}. Waiting is never a spin. The plain wait before a whole answer (the latency, when
 * no generation speed is set) is a timer's: the request's thread hands the answer to {@value #TIMER_THREADS} timer
 * threads and is free again, so a thousand requests and more wait at once without a thread each, and the benchmarks
 * that share this machine's two cores with the simulator measure the client rather than a thousand sleeping threads
 * waking up (bench/e2e.sh keeps 1,024 in flight against a 1 s server). Streams, token speeds and a queue for free
 * slots wait on the request's own thread; the pool makes a thread only when none is idle.
 *
 * <p>Where each failure happens: 429 and 503 at once (admission refused), a 500, a dropped connection and a truncated
 * body after the latency (the server broke while working).
 */
public final class Simulator implements AutoCloseable {
    /** The model listed by {@code /v1/models} before any request named one. */
    public static final String DEFAULT_MODEL = "stride-sim";
    /** Idle connections kept open between requests (the JDK server's own default is 200). */
    static final int IDLE_CONNECTIONS = 2048;
    static final int TIMER_THREADS = 2;

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // The JDK server writes the headers and the body in two packets; without TCP_NODELAY, Nagle's algorithm holds
        // the body until the client's delayed ACK (~40 ms) on every response. Read once, when the server classes load.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // The JDK server keeps at most 200 idle connections and closes the rest after each response: with 1,024
        // requests in flight most clients would connect again for every request, which a real server does not make
        // them do. Keep twice what the benchmarks keep in flight.
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", Integer.toString(IDLE_CONNECTIONS));
        }
    }
    private static final String BUSY_BODY =
            "{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}";

    private final SimulatorSettings settings;
    private final AnswerKey answerKey;
    private final Random random;
    private final Semaphore slots;
    private final Set<String> models = new LinkedHashSet<>(List.of(DEFAULT_MODEL));
    private final Map<Outcome, AtomicLong> outcomes = new EnumMap<>(Outcome.class);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    /** Time completion requests spent admitted or queued, summed: over the busy span, the average in flight. */
    private final AtomicLong heldNanos = new AtomicLong();
    /** Completion requests admitted or queued now, and the most at once: what a client piles up at the server. */
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger peakHeld = new AtomicInteger();
    private final AtomicLong firstArrival = new AtomicLong(Long.MAX_VALUE);
    /** Answers that ended in each second after the first arrival (the first hour), for a rate once warmed up. */
    private final java.util.concurrent.atomic.AtomicLongArray answeredBySecond =
            new java.util.concurrent.atomic.AtomicLongArray(3600);
    private final AtomicLong lastDeparture = new AtomicLong(Long.MIN_VALUE);
    /** The rate limit it enforces; null without one. */
    private final BudgetMeter budget;
    private HttpServer server;
    private ThreadPoolExecutor executor;
    private ScheduledThreadPoolExecutor timer;
    private String host;

    public Simulator(SimulatorSettings settings) {
        this(settings, null);
    }

    /**
     * A simulator that answers the questions of {@code answerKey} as a model of known accuracy would (see
     * {@link AnswerKey}); other prompts get the usual echo. Null: no key.
     */
    public Simulator(SimulatorSettings settings, AnswerKey answerKey) {
        this.settings = settings;
        this.answerKey = answerKey;
        this.random = new Random(settings.seed());
        this.slots = settings.maxConcurrent() > 0 ? new Semaphore(settings.maxConcurrent(), true) : null;
        this.budget = settings.rateBudget().any() ? new BudgetMeter(settings.rateBudget(), System::nanoTime) : null;
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, new AtomicLong());
        }
    }

    /** The answer the simulator gives {@code prompt} when {@code max_tokens} does not cut it short. */
    public static String answerFor(String prompt) {
        return Answers.answer(prompt);
    }

    /**
     * A simulator of {@code settings} listening on 127.0.0.1 at {@code port}, tried again while another socket holds
     * the port, for up to {@code patience}: a port chosen free, or one a simulator just closed, may be taken a moment
     * by another socket (an outgoing connection's local port comes from the same range), as a server restarted on its
     * own port meets in the tests that stop and start one.
     */
    public static Simulator startedWhenFree(SimulatorSettings settings, int port, Duration patience)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return new Simulator(settings).start(port);
            } catch (BindException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Listens on 127.0.0.1; port 0 picks a free one. */
    public Simulator start(int port) throws IOException {
        return start("127.0.0.1", port);
    }

    public synchronized Simulator start(String bindHost, int port) throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        // A thread only when none is idle (a pool of 2,048 core threads made a new one for each of the first 2,048
        // requests, whatever was in flight: 0.8 s of the simulator's CPU in a 50,000-request benchmark).
        executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemons("stride-sim-"));
        timer = new ScheduledThreadPoolExecutor(TIMER_THREADS, daemons("stride-sim-timer-"));
        HttpServer s = HttpServer.create(new InetSocketAddress(bindHost, port), 1024);
        s.setExecutor(executor);
        s.createContext("/", this::handle);
        s.start();
        server = s;
        host = bindHost;
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The OpenAI base URL, e.g. {@code http://127.0.0.1:8000/v1}. */
    public String url() {
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + shown + ":" + port() + "/v1";
    }

    public SimulatorSettings settings() {
        return settings;
    }

    public SimulatorStats stats() {
        Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
        outcomes.forEach((o, n) -> counts.put(o, n.get()));
        return new SimulatorStats(requests.get(), counts, peakInFlight.get());
    }

    /** The completion requests being served now (queued ones not counted); none once their answers are out. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * What {@code GET /stats} answers, for a benchmark in another process: the counts by outcome, the peak in
     * flight, and the time requests were held (served or queued) with the span from the first arrival to the last
     * answer, whose ratio is the average number in flight at the server, queue included.
     */
    private String statsJson() {
        ObjectNode o = JSON.createObjectNode();
        SimulatorStats stats = stats();
        o.put("requests", stats.requests());
        ObjectNode by = o.putObject("byOutcome");
        stats.byOutcome().forEach((k, v) -> by.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        o.put("peakInFlight", stats.peakInFlight());
        Held h = held();
        o.put("peakHeld", h.peak());
        o.put("heldSeconds", h.seconds());
        o.put("spanSeconds", h.spanSeconds());
        o.put("averageInFlight", h.averageInFlight());
        ArrayNode perSecond = o.putArray("answeredBySecond");
        int seconds = (int) Math.min(answeredBySecond.length(), Math.ceil(h.spanSeconds()));
        for (int i = 0; i < seconds; i++) {
            perSecond.add(answeredBySecond.get(i));
        }
        return o.toString();
    }

    /**
     * The completion requests the server held, served or queued (a refusal is held for no time).
     *
     * @param peak        the most held at once
     * @param seconds     the time they were held, summed
     * @param spanSeconds from the first arrival to the last answer
     */
    public record Held(int peak, double seconds, double spanSeconds) {
        /** The average number held: in flight at the server, queue included. */
        public double averageInFlight() {
            return spanSeconds > 0 ? seconds / spanSeconds : 0;
        }
    }

    /** What requests the server held so far; see {@link Held}. */
    public Held held() {
        long first = firstArrival.get();
        long last = lastDeparture.get();
        double span = first == Long.MAX_VALUE || last < first ? 0 : (last - first) / 1e9;
        return new Held(peakHeld.get(), heldNanos.get() / 1e9, span);
    }

    /** Stops listening and ends requests still being served (their clients see the connection close). */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            timer.shutdownNow();
            executor.shutdownNow();
            server = null;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger ids = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Sends a response, or hands the exchange to the timer, which sends it later (true). */
    private interface Reply {
        boolean send() throws IOException, InterruptedException;
    }

    private void handle(HttpExchange exchange) {
        reply(exchange, () -> route(exchange));
    }

    /** Runs {@code reply} and closes the exchange, unless the reply handed the exchange to the timer. */
    private void reply(HttpExchange exchange, Reply reply) {
        boolean handedOver = false;
        try {
            handedOver = reply.send();
        } catch (IOException | UncheckedIOException e) {
            // The client went away or a failure was simulated: nothing more to tell anyone.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            try {
                sendError(exchange, 500, "simulator bug: " + e, "server_error");
            } catch (IOException ignored) {
                // the client is gone
            }
        } finally {
            if (!handedOver) {
                exchange.close();
            }
        }
    }

    private boolean route(HttpExchange exchange) throws IOException, InterruptedException {
        String path = exchange.getRequestURI().getPath();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String method = exchange.getRequestMethod();
        switch (path) {
            case "/health" -> {
                if (requireMethod(exchange, method, "GET")) {
                    sendJson(exchange, 200, "{\"status\":\"ok\"}");
                }
            }
            case "/stats" -> {
                if (requireMethod(exchange, method, "GET")) {
                    sendJson(exchange, 200, statsJson());
                }
            }
            case "/v1/models" -> {
                if (requireMethod(exchange, method, "GET")) {
                    sendJson(exchange, 200, modelList());
                }
            }
            case "/v1/chat/completions" -> {
                return requireMethod(exchange, method, "POST") && complete(exchange, true);
            }
            case "/v1/completions" -> {
                return requireMethod(exchange, method, "POST") && complete(exchange, false);
            }
            default -> sendError(exchange, 404, "Invalid URL (" + method + " " + path + "); the simulator serves"
                    + " /v1/chat/completions, /v1/completions, /v1/models and /health", "invalid_request_error");
        }
        return false;
    }

    private boolean requireMethod(HttpExchange exchange, String method, String wanted) throws IOException {
        if (wanted.equals(method) || "HEAD".equals(method) && "GET".equals(wanted)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", wanted);
        sendError(exchange, 405, "Method " + method + " not allowed; use " + wanted, "invalid_request_error");
        return false;
    }

    /** One parsed completion request. */
    private record Ask(String model, String prompt, int promptTokens, Integer maxTokens, boolean stream,
                       boolean includeUsage) {
    }

    /** False when the response was sent here; true when the timer sends it. */
    private boolean complete(HttpExchange exchange, boolean chat) throws IOException, InterruptedException {
        requests.incrementAndGet();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Ask ask;
        try {
            ask = parse(body, chat);
        } catch (IllegalArgumentException e) {
            count(Outcome.BAD_REQUEST);
            sendError(exchange, 400, e.getMessage(), "invalid_request_error");
            return false;
        }
        synchronized (models) {
            models.add(ask.model());
        }
        if (budget != null && !withinBudget(exchange, ask)) {
            return false;
        }
        Outcome planned;
        long latencyMillis;
        synchronized (random) {
            planned = drawFailure();
            latencyMillis = drawLatency();
        }
        if (planned == Outcome.RATE_LIMITED) {
            count(planned);
            exchange.getResponseHeaders().set("Retry-After", Long.toString(settings.retryAfter().toSeconds()));
            sendError(exchange, 429, "Rate limit reached for " + ask.model() + " (simulated); retry after "
                    + settings.retryAfter().toSeconds() + " s", "requests");
            return false;
        }
        if (planned == Outcome.UNAVAILABLE) {
            count(planned);
            sendError(exchange, 503, "The server is overloaded or not ready yet (simulated).", "server_error");
            return false;
        }
        long arrived = System.nanoTime();
        firstArrival.accumulateAndGet(arrived, Math::min);
        peakHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
        boolean admitted;
        try {
            admitted = admit();
        } finally {
            held.decrementAndGet();
        }
        if (!admitted) {
            if (settings.whenBusy() == SimulatorSettings.WhenBusy.RATE_LIMIT) {
                count(Outcome.BUSY_429);
                if (!settings.retryAfter().isZero()) {
                    exchange.getResponseHeaders().set("Retry-After",
                            Long.toString(Math.max(1, settings.retryAfter().toSeconds())));
                }
                sendError(exchange, 429, "Too many requests at once (simulated): at most " + settings.maxConcurrent(),
                        "requests");
            } else {
                count(Outcome.BUSY);
                sendJson(exchange, 503, BUSY_BODY);
            }
            return false;
        }
        int now = inFlight.incrementAndGet();
        peakInFlight.accumulateAndGet(now, Math::max);
        held.incrementAndGet();
        if (latencyMillis > 0 && !ask.stream() && tokenNanos() == 0) {
            timer.schedule(() -> reply(exchange, () -> serve(exchange, chat, ask, planned, arrived)), latencyMillis,
                    TimeUnit.MILLISECONDS);
            return true;
        }
        Thread.sleep(latencyMillis);
        return serve(exchange, chat, ask, planned, arrived);
    }

    /**
     * The admitted request's answer, once its latency has passed; false: the caller closes the exchange. The request
     * leaves the server's counts (and gives back its slot) before the end of its answer goes out: a client that sends
     * its next request the moment it has this answer finds it gone, as it would at a real server, rather than one
     * more in flight than it sends (a 1,025th at 1,024 in flight, a 503 at a slot not yet given back).
     */
    private boolean serve(HttpExchange exchange, boolean chat, Ask ask, Outcome planned, long arrived)
            throws IOException, InterruptedException {
        Runnable leave = new Leaving(arrived);
        try {
            switch (planned) {
                case SERVER_ERROR -> {
                    count(planned);
                    leave.run();
                    sendError(exchange, 500, "The server had an error while processing your request (simulated).",
                            "server_error");
                }
                case DROPPED -> {
                    count(planned);
                    leave.run();
                    exchange.close(); // before any header: the connection is closed, no response at all
                }
                default -> answer(exchange, chat, ask, planned == Outcome.TRUNCATED, leave);
            }
            return false;
        } finally {
            leave.run();
        }
    }

    /** An admitted request leaving the server's counts, once, whichever path of its answer gets there first. */
    private final class Leaving implements Runnable {
        private final long arrived;
        private boolean left;

        Leaving(long arrived) {
            this.arrived = arrived;
        }

        @Override
        public void run() {
            if (left) {
                return;
            }
            left = true;
            inFlight.decrementAndGet();
            if (slots != null) {
                slots.release();
            }
            held.decrementAndGet();
            long now = System.nanoTime();
            long second = (now - firstArrival.get()) / 1_000_000_000L;
            if (second >= 0 && second < answeredBySecond.length()) {
                answeredBySecond.incrementAndGet((int) second);
            }
            heldNanos.addAndGet(now - arrived);
            lastDeparture.accumulateAndGet(now, Math::max);
        }
    }

    /**
     * Charges the request to the rate budget (its prompt's tokens and its answer's, as the usage will say) and puts
     * the rate-limit headers on the response; false, with a 429 sent, when the budget does not cover it.
     */
    private boolean withinBudget(HttpExchange exchange, Ask ask) throws IOException {
        int answerTokens = Answers.tokens(fullAnswer(ask)).size();
        if (ask.maxTokens() != null) {
            answerTokens = Math.min(answerTokens, ask.maxTokens());
        }
        BudgetMeter.Admission admission = budget.admit(ask.promptTokens() + answerTokens);
        admission.headers().forEach(exchange.getResponseHeaders()::set);
        if (!admission.admitted()) {
            count(Outcome.RATE_LIMITED);
            sendError(exchange, 429, "Rate limit reached for " + ask.model() + " (simulated budget); retry after "
                    + admission.headers().get("retry-after-ms") + " ms", "requests");
            return false;
        }
        return true;
    }

    private boolean admit() throws InterruptedException {
        if (slots == null) {
            return true;
        }
        if (settings.whenBusy() == SimulatorSettings.WhenBusy.QUEUE) {
            slots.acquire();
            return true;
        }
        return slots.tryAcquire();
    }

    private Outcome drawFailure() {
        SimulatorSettings.FailureRates f = settings.failures();
        if (f.equals(SimulatorSettings.FailureRates.NONE)) {
            return Outcome.OK;
        }
        double u = random.nextDouble();
        double[] rates = {f.rateLimited(), f.serverError(), f.unavailable(), f.dropped(), f.truncated()};
        Outcome[] kinds = {Outcome.RATE_LIMITED, Outcome.SERVER_ERROR, Outcome.UNAVAILABLE, Outcome.DROPPED,
            Outcome.TRUNCATED};
        double edge = 0;
        for (int i = 0; i < rates.length; i++) {
            edge += rates[i];
            if (rates[i] > 0 && u < edge) {
                return kinds[i];
            }
        }
        return Outcome.OK;
    }

    /** A request's wait before its answer starts, in milliseconds. */
    long drawLatency() {
        long mean = settings.latency().toMillis();
        long jitter = settings.jitter().toMillis();
        long latency = jitter == 0 ? mean
                : Math.max(0, mean - jitter + (long) (random.nextDouble() * (2 * jitter + 1)));
        double sigma = settings.latencySpread();
        if (sigma == 0) {
            return latency;
        }
        // Log-normal with a mean of 1, so that the mean latency (and a server's capacity) stays what --latency says.
        return Math.round(latency * Math.exp(sigma * random.nextGaussian() - sigma * sigma / 2));
    }

    /** The answer before {@code max_tokens} cuts it; the rate budget charges the same one the client is sent. */
    private String fullAnswer(Ask ask) {
        return answerKey == null ? Answers.answer(ask.prompt())
                : answerKey.answer(ask.model(), ask.prompt()).orElseGet(() -> Answers.answer(ask.prompt()));
    }

    private void answer(HttpExchange exchange, boolean chat, Ask ask, boolean truncate, Runnable leave)
            throws IOException, InterruptedException {
        String full = fullAnswer(ask);
        List<String> tokens = Answers.tokens(full);
        String finish = "stop";
        if (ask.maxTokens() != null && tokens.size() > ask.maxTokens()) {
            tokens = tokens.subList(0, ask.maxTokens());
            finish = "length";
        }
        String id = (chat ? "chatcmpl-sim-" : "cmpl-sim-") + ids.incrementAndGet();
        long created = Instant.now().getEpochSecond();
        if (ask.stream()) {
            stream(exchange, chat, ask, tokens, finish, id, created, truncate, leave);
            return;
        }
        sleepFor(tokens.size());
        String text = String.join("", tokens);
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", chat ? "chat.completion" : "text_completion");
        root.put("created", created);
        root.put("model", ask.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            choice.putObject("message").put("role", "assistant").put("content", text);
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        root.set("usage", usage(ask.promptTokens(), tokens.size()));
        byte[] bytes = JSON.writeValueAsBytes(root);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (truncate) {
            count(Outcome.TRUNCATED);
            sendTruncated(exchange, List.of(bytes), leave);
            return;
        }
        count(Outcome.OK); // before the last byte leaves, so a client that got its answer sees it counted
        leave.run();
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Server-sent events in OpenAI's chunk format, one token per chunk at the configured speed. */
    private void stream(HttpExchange exchange, boolean chat, Ask ask, List<String> tokens, String finish, String id,
                        long created, boolean truncate, Runnable leave) throws IOException, InterruptedException {
        List<byte[]> events = new ArrayList<>();
        if (chat) {
            ObjectNode first = chunk(chat, ask, id, created, null);
            first.putArray("choices").addObject().put("index", 0).putNull("logprobs").putNull("finish_reason")
                    .putObject("delta").put("role", "assistant").put("content", "");
            events.add(event(first));
        }
        for (String token : tokens) {
            ObjectNode c = chunk(chat, ask, id, created, null);
            ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
            if (chat) {
                choice.putObject("delta").put("content", token);
            } else {
                choice.put("text", token);
            }
            choice.putNull("logprobs").putNull("finish_reason");
            events.add(event(c));
        }
        ObjectNode last = chunk(chat, ask, id, created, null);
        ObjectNode lastChoice = last.putArray("choices").addObject().put("index", 0);
        if (chat) {
            lastChoice.putObject("delta");
        } else {
            lastChoice.put("text", "");
        }
        lastChoice.putNull("logprobs").put("finish_reason", finish);
        events.add(event(last));
        if (ask.includeUsage()) {
            ObjectNode u = chunk(chat, ask, id, created, usage(ask.promptTokens(), tokens.size()));
            u.putArray("choices");
            events.add(event(u));
        }
        events.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));

        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        if (truncate) {
            count(Outcome.TRUNCATED);
            sendTruncated(exchange, events, leave);
            return;
        }
        count(Outcome.OK);
        exchange.sendResponseHeaders(200, 0);
        long pause = tokenNanos();
        try (OutputStream out = exchange.getResponseBody()) {
            for (int i = 0; i < events.size(); i++) {
                if (i > 0 && i <= tokens.size()) {
                    sleepNanos(pause);
                }
                if (i == events.size() - 1) {
                    leave.run();
                }
                out.write(events.get(i));
                out.flush();
            }
        }
    }

    private ObjectNode chunk(boolean chat, Ask ask, String id, long created, ObjectNode usage) {
        ObjectNode c = JSON.createObjectNode();
        c.put("id", id);
        c.put("object", chat ? "chat.completion.chunk" : "text_completion");
        c.put("created", created);
        c.put("model", ask.model());
        if (ask.includeUsage()) {
            c.set("usage", usage == null ? JSON.nullNode() : usage);
        }
        return c;
    }

    private static byte[] event(JsonNode data) throws IOException {
        return ("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Promises the whole body in Content-Length, sends the first half, then closes the connection. */
    private void sendTruncated(HttpExchange exchange, List<byte[]> parts, Runnable leave)
            throws IOException, InterruptedException {
        int total = parts.stream().mapToInt(p -> p.length).sum();
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        exchange.sendResponseHeaders(200, total);
        OutputStream out = exchange.getResponseBody();
        out.write(all, 0, Math.max(1, total / 2));
        out.flush();
        sleepNanos(parts.size() > 1 ? tokenNanos() * (parts.size() / 2) : 0);
        leave.run();
        exchange.close(); // fewer bytes than promised: the server closes the connection
    }

    private ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", promptTokens + completionTokens);
        return u;
    }

    private long tokenNanos() {
        return settings.tokensPerSecond() == 0 ? 0 : (long) (1e9 / settings.tokensPerSecond());
    }

    private void sleepFor(int tokens) throws InterruptedException {
        sleepNanos(tokenNanos() * tokens);
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }

    private Ask parse(byte[] body, boolean chat) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        String model = root.path("model").asText("");
        if (model.isBlank()) {
            throw new IllegalArgumentException("you must provide a model parameter");
        }
        String prompt;
        int promptTokens;
        if (chat) {
            JsonNode messages = root.get("messages");
            if (messages == null || !messages.isArray() || messages.isEmpty()) {
                throw new IllegalArgumentException("'messages' must be a non-empty array");
            }
            prompt = null;
            promptTokens = 0;
            for (JsonNode m : messages) {
                String text = content(m.get("content"));
                promptTokens += Answers.countTokens(text);
                if ("user".equals(m.path("role").asText())) {
                    prompt = text;
                }
            }
            if (prompt == null) {
                prompt = content(messages.get(messages.size() - 1).get("content"));
            }
        } else {
            JsonNode p = root.get("prompt");
            if (p == null || p.isNull()) {
                throw new IllegalArgumentException("'prompt' is required");
            }
            prompt = p.isArray() ? (p.isEmpty() ? "" : p.get(0).asText()) : p.asText();
            promptTokens = Answers.countTokens(prompt);
        }
        Integer maxTokens = null;
        JsonNode mt = root.has("max_completion_tokens") ? root.get("max_completion_tokens") : root.get("max_tokens");
        if (mt != null && !mt.isNull()) {
            if (!mt.canConvertToInt() || mt.asInt() < 1) {
                throw new IllegalArgumentException("max_tokens must be a positive integer, got " + mt);
            }
            maxTokens = mt.asInt();
        }
        boolean stream = root.path("stream").asBoolean(false);
        boolean includeUsage = stream && root.path("stream_options").path("include_usage").asBoolean(false);
        return new Ask(model, prompt, promptTokens, maxTokens, stream, includeUsage);
    }

    /** A message's text: a string, or the text parts of an array of content parts. */
    private static String content(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isArray()) {
            StringBuilder s = new StringBuilder();
            for (JsonNode part : content) {
                if (part.has("text")) {
                    s.append(part.get("text").asText());
                }
            }
            return s.toString();
        }
        return content.asText();
    }

    private String modelList() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        long created = Instant.now().getEpochSecond();
        synchronized (models) {
            for (String m : models) {
                data.addObject().put("id", m).put("object", "model").put("created", created)
                        .put("owned_by", "stride-sim");
            }
        }
        return JSON.writeValueAsString(root);
    }

    private void count(Outcome outcome) {
        outcomes.get(outcome).incrementAndGet();
    }

    private static void sendError(HttpExchange exchange, int status, String message, String type)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.putNull("param");
        error.putNull("code");
        sendJson(exchange, status, JSON.writeValueAsString(root));
    }

    private static void sendJson(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
