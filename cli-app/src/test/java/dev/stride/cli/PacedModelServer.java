package dev.stride.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;

/**
 * {@link FakeModelServer}'s echo answers, paced like a real model for the process-level ITs: each answer after a
 * random delay, held until released (or a time limit), or one at a time as the test lets each go. It counts what each
 * "session" (one child process) asked and what it was answered, so a test can tell which requests a killed process
 * lost and which were asked again.
 *
 * <p>A request belongs to the session named in its path when the child was given {@link #baseUrl} (a request a dead
 * process left in the server's socket is then still its own, however late the server reads it); otherwise to the
 * session set last with {@link #session}.
 */
final class PacedModelServer extends Dispatcher {
    /** One request as the server saw it: the session it came in, its prompt, when; answered once its 200 is built. */
    static final class Asked {
        final int session;
        final String prompt;
        final long atNanos;
        volatile boolean answered;

        Asked(int session, String prompt, long atNanos) {
            this.session = session;
            this.prompt = prompt;
            this.atNanos = atNanos;
        }
    }

    private static final Pattern SESSION_PATH = Pattern.compile("/s(\\d+)/");

    private final FakeModelServer echo = new FakeModelServer();
    private final ConcurrentLinkedQueue<Asked> asked = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Long> firstRequestNanos = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> perSession = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> answeredPerSession = new ConcurrentHashMap<>();
    private volatile int session;
    private volatile int minDelayMs;
    private volatile int maxDelayMs;
    private volatile CountDownLatch hold;
    private volatile long holdMaxMs;
    private volatile boolean stepping;
    private volatile boolean midStream;
    private final Semaphore steps = new Semaphore(0);
    /** The session of the request this thread is dispatching, for {@link #pace}, which sees only the prompt. */
    private final ThreadLocal<Integer> dispatching = new ThreadLocal<>();

    PacedModelServer() {
        echo.answering(this::pace);
    }

    /** Answers each request after a random delay between the two bounds (inclusive), in milliseconds. */
    PacedModelServer delay(int minMs, int maxMs) {
        this.minDelayMs = minMs;
        this.maxDelayMs = maxMs;
        return this;
    }

    /** Holds every answer until {@link #release()} or {@code max}, whichever comes first. */
    PacedModelServer holding(Duration max) {
        this.holdMaxMs = max.toMillis();
        this.hold = new CountDownLatch(1);
        return this;
    }

    /** Holds every answer until {@link #releaseOne()} lets it go, one per call, however long that takes. */
    PacedModelServer stepping() {
        this.stepping = true;
        return this;
    }

    /**
     * Answers every request with a stream cut off mid-answer, as a slow server streams: its head and first event
     * come, the rest never does (the connection is held open until the client closes it or the server stops). Such
     * a request is asked, never answered; {@link #release()} answers the later ones whole again.
     */
    PacedModelServer holdingMidStream() {
        this.midStream = true;
        return this;
    }

    /** Lets one answer held by {@link #stepping()} go: the one waiting now, or else the next to come. */
    void releaseOne() {
        steps.release();
    }

    /** Lets every held answer go, and holds no more (a stream held mid-answer stays held: its rest never comes). */
    void release() {
        midStream = false;
        CountDownLatch h = hold;
        hold = null;
        if (h != null) {
            h.countDown();
        }
        if (stepping) {
            stepping = false;
            steps.release(Integer.MAX_VALUE / 2);
        }
    }

    /** From now on, requests count for session {@code n} (unless their path names another). */
    void session(int n) {
        session = n;
    }

    /** The {@code --base-url} of session {@code n}: its requests count for it whenever they arrive. */
    static String baseUrl(MockWebServer server, int n) {
        return server.url("/s" + n + "/v1").toString();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        dispatching.set(sessionOf(request.getUrl().encodedPath()));
        try {
            return echo.dispatch(request);
        } finally {
            dispatching.remove();
        }
    }

    private int sessionOf(String path) {
        Matcher m = SESSION_PATH.matcher(path);
        return m.lookingAt() ? Integer.parseInt(m.group(1)) : session;
    }

    @Override
    public void close() {
        release();
        super.close();
    }

    private MockResponse pace(String prompt) {
        Integer own = dispatching.get();
        int s = own != null ? own : session;
        long now = System.nanoTime();
        Asked a = new Asked(s, prompt, now);
        asked.add(a);
        firstRequestNanos.putIfAbsent(s, now);
        perSession.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
        if (midStream) {
            return halfAStream(FakeModelServer.answerFor(prompt));
        }
        try {
            int min = minDelayMs;
            int max = maxDelayMs;
            if (max > 0) {
                Thread.sleep(ThreadLocalRandom.current().nextInt(min, max + 1));
            }
            CountDownLatch h = hold;
            if (h != null) {
                h.await(holdMaxMs, TimeUnit.MILLISECONDS);
            }
            if (stepping) {
                steps.acquire();
            }
        } catch (InterruptedException e) {
            // The server is shutting down; nobody is listening any more.
            Thread.currentThread().interrupt();
            return FakeModelServer.json(503, "{\"error\":{\"message\":\"shutting down\"}}");
        }
        a.answered = true;
        answeredPerSession.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
        return null; // the echo
    }

    /** An SSE answer of which only the first event is sent (the first half of the body: the effect's point). */
    private static MockResponse halfAStream(String content) {
        int half = content.length() / 2;
        String first = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + content.substring(0, half) + "\"}}]}\n\n";
        String rest = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + content.substring(half) + "\"},\"finish_reason\":\"stop\"}]}\n\n"
                + ": " + "-".repeat(2 * first.length()) + "\n\ndata: [DONE]\n\n";
        return new MockResponse.Builder().code(200).setHeader("Content-Type", "text/event-stream")
                .chunkedBody(first + rest, first.length()).onResponseBody(SocketEffect.Stall.INSTANCE).build();
    }

    /** The prompts session {@code s} asked, in arrival order (a prompt asked twice is there twice). */
    List<String> promptsOf(int s) {
        List<String> prompts = new ArrayList<>();
        for (Asked a : asked) {
            if (a.session == s) {
                prompts.add(a.prompt);
            }
        }
        return prompts;
    }

    /** The prompts session {@code s} was answered with a 200 echo. */
    List<String> answeredOf(int s) {
        List<String> prompts = new ArrayList<>();
        for (Asked a : asked) {
            if (a.session == s && a.answered) {
                prompts.add(a.prompt);
            }
        }
        return prompts;
    }

    int requestsOf(int s) {
        AtomicInteger n = perSession.get(s);
        return n == null ? 0 : n.get();
    }

    /** How many answers of session {@code s} were handed to the server to send (just before they are written). */
    int answeredCount(int s) {
        AtomicInteger n = answeredPerSession.get(s);
        return n == null ? 0 : n.get();
    }

    int requests() {
        return asked.size();
    }

    /** When session {@code s} sent its first request, or null when it sent none. */
    Long firstRequestNanos(int s) {
        return firstRequestNanos.get(s);
    }
}
