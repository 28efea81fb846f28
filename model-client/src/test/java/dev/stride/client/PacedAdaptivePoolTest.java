package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --concurrency auto} behind {@code --rpm}, on a clock the test moves by hand: the rate gate paces on it, the
 * learnt limit times the answers on it, and the server answers exactly {@link #LATENCY} after a request reached it.
 * What the limit sees is then what the test did, whatever the machine's load: a JVM stalled for 60 ms between an
 * answer and its reading (which a real-time run takes for a queue at the server) moves no clock here.
 *
 * <p>The clock moves only while every caller is held somewhere the test can see (at the gate, waiting for room under
 * the limit, or at the server), never while a request is between the gate and its answer: so each request's time at
 * the server is {@link #LATENCY} to the nanosecond, and only time spent waiting at the gate could add to it.
 */
@Timeout(300)
class PacedAdaptivePoolTest {

    private static final String OK = """
            {"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}""";
    /** The server's own time per request, on the test's clock; it serves any number at once. */
    private static final long LATENCY = TimeUnit.MILLISECONDS.toNanos(200);
    /**
     * 40 a second: 8 requests of 0.2 s each at the server, and the gate lets a quarter of a second's worth more go at
     * once. So slow start reaches 16 (the most this pool allows), where once the gate's burst is spent a request
     * waits there about as long as at the server: were that wait taken for the server's, a queue of 8.
     */
    private static final long RPM = 2_400;
    private static final int MAX = 16;
    private static final int CALLERS = 20;
    /** 30 at 1, 20 each at 2, 4 and 8 (slow start's windows), then 110 at 16: five windows there and more. */
    private static final int REQUESTS = 200;
    /**
     * How far the clock moves in one step while requests wait at the gate (and no answer is due sooner): the real
     * time since the last step, within these bounds.
     */
    private static final long STEP = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_STEP = TimeUnit.MILLISECONDS.toNanos(10);
    /** How long the test looks away while callers move (real time). */
    private static final long PAUSE = TimeUnit.MICROSECONDS.toNanos(50);

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final HandClock clock = new HandClock();
    private final HeldServer held = new HeldServer();
    private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    private ServerPool pool;

    @AfterEach
    void tearDown() throws InterruptedException {
        held.releaseAll();
        if (pool != null) {
            pool.cancelAll();
            pool.close();
        }
        callers.shutdownNow();
        assertThat(callers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * The pool's clock (its gate's and its limits'), moved by the test. Every read the pool makes is counted, and a move
     * is refused once anything read it since the test last looked at the callers: a caller that read it as it left
     * the gate (its request's start) just after the test saw it held there is on its way to the server, and a move
     * now would be counted in its time at the server.
     */
    private static final class HandClock {
        private long nanos = TimeUnit.DAYS.toNanos(1);
        private long reads;

        /** What the pool reads. */
        synchronized long read() {
            reads++;
            return nanos;
        }

        /** What the test and its server read: not counted. */
        synchronized long now() {
            return nanos;
        }

        synchronized long reads() {
            return reads;
        }

        /** Moves the clock to {@code to} unless the pool read it since it had been read {@code readsSeen} times. */
        synchronized boolean moveTo(long to, long readsSeen) {
            if (reads != readsSeen) {
                return false;
            }
            nanos = to;
            return true;
        }
    }

    /**
     * Requests held at the server until the test answers them; each due {@link #LATENCY} after it arrived, on the
     * test's clock.
     */
    private final class HeldServer extends Dispatcher {
        private record Held(long due, CountDownLatch answer) {
        }

        private final List<Held> held = new ArrayList<>();

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            Held h = new Held(clock.now() + LATENCY, new CountDownLatch(1));
            synchronized (this) {
                held.add(h);
            }
            if (!h.answer().await(60, TimeUnit.SECONDS)) {
                return Fixtures.response(500, "application/json", "{\"error\":\"the test never answered\"}");
            }
            return Fixtures.response(200, "application/json", OK);
        }

        synchronized int count() {
            return held.size();
        }

        /** When the next answer is due; Long.MAX_VALUE when nothing is held. */
        synchronized long nextDue() {
            return held.stream().mapToLong(Held::due).min().orElse(Long.MAX_VALUE);
        }

        /** Answers every request due by {@code now}; how many. */
        synchronized int answerDue(long now) {
            List<Held> due = held.stream().filter(h -> h.due() - now <= 0).toList();
            held.removeAll(due);
            due.forEach(h -> h.answer().countDown());
            return due.size();
        }

        synchronized void releaseAll() {
            held.forEach(h -> h.answer().countDown());
            held.clear();
        }
    }

    @Test
    void theGatesWaitIsNotTakenForAQueueWhateverTheMachinesLoad() throws Exception {
        server.setDispatcher(held);
        ClientSettings settings = Fixtures.fastSettings(server).withMaxConcurrency(64)
                .withRateLimits(new RateLimits(RPM, 0));
        pool = ServerPool.adaptive(List.of(settings), MAX, clock::read);

        AtomicInteger claimed = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger active = new AtomicInteger(CALLERS);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            running.add(callers.submit(() -> {
                try {
                    while (claimed.getAndIncrement() < REQUESTS) {
                        pool.complete(Fixtures.prompt(Api.OPENAI_CHAT));
                        answered.incrementAndGet();
                    }
                } finally {
                    active.decrementAndGet();
                }
                return null;
            }));
        }

        List<Integer> limits = new CopyOnWriteArrayList<>(List.of(pool.concurrencyLimit()));
        int mostAtGate = 0;
        long stepped = System.nanoTime();
        while (active.get() > 0) {
            long reads = clock.reads();
            // Read in the order callers move (room, gate, server) reversed: one on its way is missed, never counted
            // twice, so all of them seen held means all of them held.
            if (held.count() + pool.waitingForRateLimit() + pool.waitingForRoom() != active.get()) {
                LockSupport.parkNanos(PAUSE);
                continue;
            }
            mostAtGate = Math.max(mostAtGate, pool.waitingForRateLimit());
            long now = clock.now();
            long due = held.nextDue();
            if (due - now <= 0) {
                int before = answered.get();
                int n = held.answerDue(now);
                // The clock stands still until each of them has read it for its answer's time.
                awaitTrue(() -> answered.get() >= before + n);
                int limit = pool.concurrencyLimit();
                if (limit != limits.get(limits.size() - 1)) {
                    limits.add(limit);
                }
            } else if (pool.waitingForRateLimit() > 0) {
                // As fast as real time and no faster: a request at the gate waits the clock's time in real time, then
                // looks. A step that a loaded machine made slow covers more, or the test would take minutes.
                long real = System.nanoTime();
                long step = Math.min(Math.max(STEP, real - stepped), MAX_STEP);
                if (clock.moveTo(now + Math.min(step, due - now), reads)) {
                    stepped = real;
                    LockSupport.parkNanos(STEP);
                }
            } else if (due != Long.MAX_VALUE) {
                clock.moveTo(due, reads);
            } else {
                // Every caller waits for room that an answer just freed: let them move.
                LockSupport.parkNanos(PAUSE);
            }
        }
        for (Future<?> f : running) {
            f.get(60, TimeUnit.SECONDS);
        }

        assertThat(answered.get()).isEqualTo(REQUESTS);
        assertThat(mostAtGate).as("requests held at the gate at once").isGreaterThanOrEqualTo(4);
        // Every answer took the server's LATENCY exactly, so a limit that backed off took the gate's wait for the
        // server's: at 16 in flight that wait is about half of a request's time, a queue of 8 by Vegas's sums.
        assertThat(limits).as("the limit as it moved").contains(16).isSorted();
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("the callers answered within 60 s").isNegative();
            LockSupport.parkNanos(PAUSE);
        }
    }
}
