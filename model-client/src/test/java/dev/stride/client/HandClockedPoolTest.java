package dev.stride.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --concurrency auto} finding what servers take, on a clock the test moves by hand (as in
 * {@link PacedAdaptivePoolTest}): each server serves {@code slots} requests at once, each exactly {@link #LATENCY}
 * on that clock, and queues, or refuses with a 503 or a 429, the rest. What the learnt limits see is then what the
 * servers did, whatever the machine's load: these were end-to-end tests against the simulator's real sleeps
 * (AutoConcurrencyTest, AutoConcurrencyStrayFailuresTest), where a JVM stalled on a busy machine read as a queue and
 * a slow client never filled a server, so their bounds had to be loosened.
 *
 * <p>The clock moves only when every caller is held where the test can see it (at a server, backing off after a
 * refusal, or waiting for room under the limits while no server has any) and to the next thing due: a request's time at its server is then its
 * queue's and {@link #LATENCY}, to the nanosecond.
 */
@Timeout(300)
class HandClockedPoolTest {

    private static final String OK = """
            {"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}""";
    private static final long LATENCY = TimeUnit.MILLISECONDS.toNanos(20);
    /** How long the test looks away while callers move (real time). */
    private static final long PAUSE = TimeUnit.MICROSECONDS.toNanos(50);
    /**
     * Answers due this close to now are answered together: requests sent together were sent a few of the clock's
     * reads apart (see {@link HandClock}), and one step of the test each would make it slow on a busy machine.
     */
    private static final long SLACK = TimeUnit.MICROSECONDS.toNanos(10);
    /** The runner's backoff before a refused record goes again (its default base, 500 ms): at most this, at random. */
    private static final long BACKOFF = TimeUnit.MILLISECONDS.toNanos(500);

    /** What a server does with a request beyond its slots; as the simulator's {@code --when-busy}. */
    enum WhenBusy { QUEUE, REJECT, RATE_LIMIT }

    @StartStop
    public final MockWebServer first = new MockWebServer();
    @StartStop
    public final MockWebServer second = new MockWebServer();

    private final HandClock clock = new HandClock();
    private final Backoffs backoffs = new Backoffs();
    private final InFlightBound bound = new InFlightBound();
    private final List<SlotServer> servers = new ArrayList<>();
    private ExecutorService callers;
    private ServerPool pool;

    @AfterEach
    void tearDown() throws InterruptedException {
        servers.forEach(SlotServer::releaseAll);
        backoffs.releaseAll();
        if (pool != null) {
            pool.cancelAll();
            pool.close();
        }
        if (callers != null) {
            callers.shutdownNow();
            assertThat(callers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** As the simulator's 8 slots in AutoConcurrencyTest: the limit finds them, few are refused, no queue piles up. */
    @ParameterizedTest
    @EnumSource(WhenBusy.class)
    void findsWhatOneServerTakes(WhenBusy whenBusy) throws Exception {
        int slots = 8;
        SlotServer server = serve(first, slots, whenBusy, 0);
        List<List<Integer>> limits = run(List.of(server), 256, 24, 1_200);

        List<Integer> moved = limits.stream().map(l -> l.get(0)).toList();
        assertThat(server.refused()).as("refused of %d requests", server.requests())
                .isLessThanOrEqualTo(slots + server.requests() / 50);
        assertThat(server.averageHeld()).as("average held at the server").isLessThanOrEqualTo(1.5 * slots);
        // Slow start doubles up to twice what the server takes before the first drop, and never beyond.
        assertThat(server.peak()).as("peak held at the server").isLessThanOrEqualTo(2 * slots + 2);
        if (whenBusy != WhenBusy.QUEUE) {
            // ... and does go past them: the refusals are its probe (AutoConcurrencyRetriesTest: forgiven).
            assertThat(server.refused()).as("refused as slow start overshot").isPositive();
        }
        assertThat(moved).as("the limit as it moved").contains(slots);
        assertThat(moved.get(moved.size() - 1)).as("the limit at the end").isBetween(slots, 2 * slots - 1);
    }

    /** As AutoConcurrencyTest's two simulators of 4 and 16 slots: each server's refusals lower its own limit. */
    @Test
    void eachServerGetsItsOwnLimit() throws Exception {
        SlotServer small = serve(first, 4, WhenBusy.REJECT, 0);
        SlotServer large = serve(second, 16, WhenBusy.REJECT, 0);
        List<List<Integer>> limits = run(List.of(small, large), 256, 48, 2_400);

        assertThat(limits).as("each server's limit as it moved").anySatisfy(l -> assertThat(l.get(0)).isEqualTo(4))
                .anySatisfy(l -> assertThat(l.get(1)).isEqualTo(16));
        for (SlotServer s : List.of(small, large)) {
            // A tenth, as AutoConcurrencyTest allowed: here every probe of 5 at 4 slots is refused (the 4 answers it
            // waits for are due at the same instant), and one refusal at a level not tried yet is no proof of a full
            // server, so a probe can cost two; 2% and one overshoot would allow 14 of the 550 or so the small one gets.
            assertThat(s.refused()).as("refused by %d slots, of %d requests", s.slots, s.requests())
                    .isLessThanOrEqualTo(s.slots + s.requests() / 10);
            assertThat(s.averageHeld()).as("average held by %d slots", s.slots).isLessThanOrEqualTo(1.5 * s.slots);
        }
        // Each answer takes the same time at either server: the one that takes four times as many answers about
        // four times as many (real time, beside a busy build, made this a rate of the client's CPU, not a count).
        assertThat(large.answered()).as("answered by 16 slots, against %d by 4", small.answered())
                .isGreaterThan(2 * small.answered());
    }

    /**
     * As AutoConcurrencyStrayFailuresTest's server that refuses one in twenty at random whatever is in flight: not
     * about the load, so the limit grows as with a server that refuses nothing, to the most it may (with every
     * refusal cutting it, the server held one at most).
     */
    @Test
    void strayRefusalsLeaveTheLimitHigh() throws Exception {
        SlotServer server = serve(first, Integer.MAX_VALUE, WhenBusy.REJECT, 0.05);
        List<List<Integer>> limits = run(List.of(server), 32, 40, 800);

        assertThat(server.refused()).as("refused at random, of %d", server.requests()).isPositive();
        assertThat(limits.stream().map(l -> l.get(0)).toList()).as("the limit as it moved").contains(32);
        // Not all 32: those refused at random back off meanwhile. With every refusal cutting the limit, one at most.
        assertThat(server.peak()).as("the most the server held at once").isGreaterThanOrEqualTo(24);
    }

    private SlotServer serve(MockWebServer on, int slots, WhenBusy whenBusy, double strayShare) {
        SlotServer s = new SlotServer(slots, whenBusy, strayShare);
        on.setDispatcher(s);
        servers.add(s);
        return s;
    }

    /**
     * Sends {@code requests} through an adaptive pool of {@code servers}, each refused one sent again until answered,
     * from {@code callerCount} callers (more than the limits will hold, so that a limit is always filled), moving
     * the clock; returns each server's limit after each answer, where it changed.
     */
    private List<List<Integer>> run(List<SlotServer> slotServers, int max, int callerCount, int requests)
            throws Exception {
        List<ClientSettings> settings = new ArrayList<>();
        for (MockWebServer s : List.of(first, second).subList(0, slotServers.size())) {
            settings.add(Fixtures.fastSettings(s).withMaxConcurrency(callerCount + 8));
        }
        pool = ServerPool.adaptive(settings, max, clock::read);
        callers = Executors.newFixedThreadPool(callerCount);

        AtomicInteger claimed = new AtomicInteger();
        AtomicInteger returned = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger active = new AtomicInteger(callerCount);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < callerCount; i++) {
            running.add(callers.submit(() -> {
                try {
                    while (claimed.getAndIncrement() < requests) {
                        boolean done = false;
                        while (!done) {
                            bound.enter();
                            try {
                                pool.complete(Fixtures.prompt(Api.OPENAI_CHAT));
                                done = true;
                            } catch (CallFailure f) {
                                // Refused: sent again after a while, as the runner's records are. Marked as one the
                                // limit backs off for, it costs the runner's record none of its retries.
                                assertThat(f.status()).as(f.getMessage()).isIn(429, 503);
                                assertThat(f.isLimitLowered()).as("the limit backs off for %s", f.getMessage())
                                        .isTrue();
                            } finally {
                                bound.leave();
                            }
                            if (done) {
                                answered.incrementAndGet();
                            }
                            returned.incrementAndGet();
                            if (!done) {
                                backoffs.await();
                            }
                        }
                    }
                } finally {
                    active.decrementAndGet();
                }
                return null;
            }));
        }

        List<List<Integer>> limits = new CopyOnWriteArrayList<>(List.of(pool.limits()));
        while (active.get() > 0) {
            if (!settled(slotServers, active.get())) {
                LockSupport.parkNanos(PAUSE);
                continue;
            }
            long now = clock.now();
            long due = Math.min(backoffs.nextDue(),
                    slotServers.stream().mapToLong(SlotServer::nextDue).min().orElse(Long.MAX_VALUE));
            if (backoffs.nextDue() - now <= 0) {
                backoffs.endDue(now);
            } else if (due - now <= SLACK) {
                int before = returned.get();
                int n = slotServers.stream().mapToInt(s -> s.answerDue(now + SLACK)).sum();
                // The clock stands still until each of them has read it for its answer's time.
                awaitTrue(() -> returned.get() >= before + n);
                List<Integer> now2 = pool.limits();
                if (!now2.equals(limits.get(limits.size() - 1))) {
                    limits.add(now2);
                }
            } else if (due != Long.MAX_VALUE) {
                slotServers.forEach(s -> s.heldUntil(due));
                clock.moveTo(due);
            } else {
                LockSupport.parkNanos(PAUSE);
            }
        }
        for (Future<?> f : running) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(answered.get()).isEqualTo(requests);
        return limits;
    }

    /**
     * Whether every active caller is held at a server, waits for room that nobody has, or backs off. Read in the order
     * callers move (the runner's bound, the pool's room, a server) reversed: one on its way is missed, never counted
     * twice. (A refused one goes from its server, where it was never held, to its backoff.)
     */
    private boolean settled(List<SlotServer> slotServers, int active) {
        int held = slotServers.stream().mapToInt(SlotServer::held).sum();
        int waitingForRoom = pool.waitingForRoom();
        int waitingAtBound = bound.waiting();
        if (held + waitingForRoom + waitingAtBound + backoffs.count() != active) {
            return false;
        }
        // One waiting while there is room is about to leave (woken as a call ended): let it go first.
        if (waitingAtBound > 0 && !bound.full()) {
            return false;
        }
        if (waitingForRoom > 0) {
            List<Integer> limits = pool.limits();
            for (int i = 0; i < slotServers.size(); i++) {
                if (slotServers.get(i).held() < limits.get(i)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * What the runner does with {@code --concurrency auto}: it keeps its requests in flight under the pool's learnt
     * limit, so that the pool's own wait for room is only a second guard.
     */
    private final class InFlightBound {
        private int inFlight;
        private int waiting;

        synchronized void enter() throws InterruptedException {
            waiting++;
            try {
                while (inFlight >= pool.concurrencyLimit()) {
                    wait();
                }
            } finally {
                waiting--;
            }
            inFlight++;
        }

        synchronized void leave() {
            inFlight--;
            notifyAll();
        }

        synchronized int waiting() {
            return waiting;
        }

        synchronized boolean full() {
            return inFlight >= pool.concurrencyLimit();
        }
    }

    /**
     * The pool's clock, moved by the test. Each of the pool's reads also moves it a nanosecond, as a real clock moves
     * between two things that happen one after the other: a request sent before a refusal lowered the limit was then
     * sent before the drop, as in real time, not at its very instant (where the limit counts it as sent after).
     */
    private static final class HandClock {
        private long nanos = TimeUnit.DAYS.toNanos(1);

        /** What the pool reads. */
        synchronized long read() {
            return ++nanos;
        }

        /** What the test and its servers read. */
        synchronized long now() {
            return nanos;
        }

        synchronized void moveTo(long to) {
            nanos = Math.max(nanos, to);
        }
    }

    /**
     * Callers that wait, as the runner's records do, a random while (full jitter up to {@link #BACKOFF}, seeded) on
     * the test's clock before a refused request goes again.
     */
    private final class Backoffs {
        private final Random random = new Random(15);
        private final List<Slot> waiting = new ArrayList<>();

        void await() throws InterruptedException {
            Slot s = new Slot();
            synchronized (this) {
                s.due = clock.now() + (long) (random.nextDouble() * BACKOFF);
                waiting.add(s);
            }
            assertThat(s.answer.await(60, TimeUnit.SECONDS)).as("the test ended a backoff within 60 s").isTrue();
        }

        synchronized int count() {
            return waiting.size();
        }

        synchronized long nextDue() {
            return waiting.stream().mapToLong(s -> s.due).min().orElse(Long.MAX_VALUE);
        }

        synchronized void endDue(long now) {
            List<Slot> due = waiting.stream().filter(s -> s.due - now <= 0).toList();
            waiting.removeAll(due);
            due.forEach(s -> s.answer.countDown());
        }

        synchronized void releaseAll() {
            endDue(Long.MAX_VALUE / 2);
            waiting.forEach(s -> s.answer.countDown());
            waiting.clear();
        }
    }

    /** A request held at a server, or a caller backing off, until {@link #due} on the test's clock. */
    private static final class Slot {
        long due;
        final CountDownLatch answer = new CountDownLatch(1);
    }

    /**
     * A server of {@code slots} on the test's clock: each request in a slot is answered {@link #LATENCY} after it got
     * there; beyond its slots it queues, or refuses at once; besides, it refuses {@code strayShare} of its requests at
     * random (seeded), whatever is in flight.
     */
    private final class SlotServer extends Dispatcher {
        private final int slots;
        private final WhenBusy whenBusy;
        private final double strayShare;
        private final Random random = new Random(15);
        private final List<Slot> serving = new ArrayList<>();
        private final Deque<Slot> queued = new ArrayDeque<>();
        private int requests;
        private int refused;
        private int answered;
        private int peak;
        /** Held × clock time, for the average held. */
        private double heldArea;
        private long heldSince = -1;
        private long firstAt = -1;

        SlotServer(int slots, WhenBusy whenBusy, double strayShare) {
            this.slots = slots;
            this.whenBusy = whenBusy;
            this.strayShare = strayShare;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            Slot slot = new Slot();
            synchronized (this) {
                long now = clock.now();
                requests++;
                if (firstAt < 0) {
                    firstAt = now;
                    heldSince = now;
                }
                boolean full = serving.size() >= slots;
                if (random.nextDouble() < strayShare || full && whenBusy != WhenBusy.QUEUE) {
                    refused++;
                    return whenBusy == WhenBusy.REJECT && full
                            ? Fixtures.response(503, "application/json", "{\"error\":\"busy\"}")
                            : Fixtures.response(429, "application/json", "{\"error\":\"rate limited\"}");
                }
                if (full) {
                    queued.add(slot);
                } else {
                    slot.due = now + LATENCY;
                    serving.add(slot);
                }
                peak = Math.max(peak, held());
            }
            if (!slot.answer.await(60, TimeUnit.SECONDS)) {
                return Fixtures.response(500, "application/json", "{\"error\":\"the test never answered\"}");
            }
            return Fixtures.response(200, "application/json", OK);
        }

        synchronized int held() {
            return serving.size() + queued.size();
        }

        synchronized long nextDue() {
            return serving.stream().mapToLong(s -> s.due).min().orElse(Long.MAX_VALUE);
        }

        /** Answers every request due by {@code by}, and moves as many queued into the slots freed; how many. */
        synchronized int answerDue(long by) {
            List<Slot> due = serving.stream().filter(s -> s.due - by <= 0).toList();
            serving.removeAll(due);
            while (serving.size() < slots && !queued.isEmpty()) {
                Slot next = queued.poll();
                next.due = clock.now() + LATENCY;
                serving.add(next);
            }
            answered += due.size();
            due.forEach(s -> s.answer.countDown());
            return due.size();
        }

        /** Counts what it held until {@code to}, as the clock is about to move there. */
        synchronized void heldUntil(long to) {
            if (heldSince >= 0) {
                heldArea += (double) held() * (to - heldSince);
                heldSince = to;
            }
        }

        synchronized double averageHeld() {
            return heldSince > firstAt ? heldArea / (heldSince - firstAt) : 0;
        }

        synchronized int requests() {
            return requests;
        }

        synchronized int refused() {
            return refused;
        }

        synchronized int answered() {
            return answered;
        }

        synchronized int peak() {
            return peak;
        }

        synchronized void releaseAll() {
            serving.forEach(s -> s.answer.countDown());
            queued.forEach(s -> s.answer.countDown());
            serving.clear();
            queued.clear();
        }
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("the callers answered within 60 s").isNegative();
            LockSupport.parkNanos(PAUSE);
        }
    }
}
