package dev.stride.core;

import dev.stride.core.PredictionException.Disposition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Drives one run to its end as one of its workers: claims the records still to do from the store in input order
 * under a lease (renewed by the writer while it works), keeps up to {@code concurrency} of them in flight (or, with
 * {@code --concurrency auto}, what the predictor's servers take now: {@link InFlightBound}), retries passing failures
 * with backoff, and hands every outcome to a single writer thread that commits it and, every {@code saveInterval}
 * outcomes, the cursor.
 *
 * <p>Three kinds of thread, and no hand-off between them per record but the outcome's to the writer: the calling
 * thread claims records a round ahead into {@link ClaimedRecords} (woken when the queue runs low, not per record);
 * each request thread takes its next record from there itself, holding one slot of the bound, sends it and queues
 * its outcome for the writer; the writer commits.
 *
 * <p>Request threads never touch the database. A request's slot is free for its thread's next record as soon as its
 * outcome is queued for the writer; the queue holds one save interval, so a slow disk shows up as back-pressure only
 * when the writer falls that far behind, and a killed process asks again for at most the requests in flight plus one
 * save interval.
 *
 * <p>{@link #requestStop()} is the graceful stop of Ctrl+C: no new request is sent, requests in flight get the grace
 * period to finish, the rest are cancelled, every finished outcome is committed and the cursor saved.
 *
 * <p>A record fails only for reasons of its own. A request that finds no server ({@link Disposition#UNREACHABLE})
 * stops the run at once when no server has answered in this session (a wrong URL, a server not started): nothing is
 * marked failed and the same run goes on later. Once a server has answered, such a failure is an outage if nothing was
 * answered since its request was sent: the record waits for the server without spending its retries, and the run
 * stops the same way when the outage outlasts {@link RunnerSettings#serverWait()}. If other requests were answered
 * meanwhile, the failure is the record's own (a generation too long for the timeout) and is retried like any other.
 * A 429 or a 503 ({@link PredictionException#notNow()}) is the other way round: when other requests were answered
 * since it was sent, the server is busy with them (a budget shared by the run, slots that others took: another
 * worker's, another user's), not refusing this record, and the record waits its turn with backoff without spending
 * its retries, for {@link #BUDGET_TURN_WAIT} at most; a record's first try counts answers from
 * {@link #FIRST_TRY_LOOKBACK} before its refusal.
 */
public final class BatchRunner {
    /**
     * The most records one claim takes: claims are small, so that other workers find work too (a worker holds at most
     * two rounds it has not sent, a fraction of a second of its requests).
     */
    private static final int CLAIM_MAX = 256;
    private static final Duration POLL = Duration.ofMillis(100);
    /** How often the claiming thread looks at a learnt limit (it grows the bound and starts request threads). */
    private static final Duration AUTO_POLL = Duration.ofMillis(10);
    /** The shortest wait between two tries at a server that went away, so that a zero backoff cannot spin on it. */
    private static final Duration OUTAGE_FLOOR = Duration.ofMillis(100);
    /** Refusals a learnt limit backed off for that a record is not charged for; beyond these, they are retries. */
    static final int UNCHARGED_REFUSALS = 5;
    /**
     * How long a record may wait its turn at a server whose budget or slots others are using (429s or 503s while other
     * requests are answered) without being charged for those refusals: a run at a fixed concurrency far above a budget
     * without rate headers gets one in concurrency/budget of its requests through, whatever the backoff. Bounded in
     * time, for a 429 that no wait cures (a request larger than the budget) still ends. The backoff grows with the
     * first few of them only, so that a record's turn is not missed by minutes.
     */
    static final Duration BUDGET_TURN_WAIT = Duration.ofMinutes(10);
    /**
     * How far before a record's first refusal others' answers show that the server is busy with them, not refusing
     * this record: a few seconds, a rate window's turn, so that a quota spent for good costs retries soon after.
     */
    static final Duration FIRST_TRY_LOOKBACK = Duration.ofSeconds(5);
    /** The least time a request is out before a server is taken to hold it (see heldLongerThanRefusals). */
    static final Duration HELD_AT_LEAST = Duration.ofSeconds(1);
    private static final int BUDGET_BACKOFF_STEPS = 3;
    /**
     * The tries, all failed with nothing answered in the session, that records giving up must have made before a run
     * stops for it (two records at least): two records' six tries each by default. With --retries 0, two failures
     * say little: a server that fails half its requests fails the first two a quarter of the time.
     */
    static final int UNANSWERED_TRIES_TO_STOP = 10;
    /** Records sleeping out a refusal their learnt limit backed off for; see {@link InFlightBound}. */
    private final AtomicInteger waitingOutRefusals = new AtomicInteger();
    /** The limit last told to the listener and the store, and each server's with it; dispatch thread only. */
    private int toldLimit = -1;
    /** Records the request threads hold now: sent, waiting to be sent, or backing off before a retry. */
    private final AtomicInteger working = new AtomicInteger();
    /** Of those, the records sleeping out a backoff before they are sent again: held, not out. */
    private final AtomicInteger backingOff = new AtomicInteger();
    /** Records waiting for a server that went away before they try it again: they hold a slot and are at no server. */
    private final AtomicInteger awaitingServer = new AtomicInteger();
    /**
     * When each request out now was sent, by a token of its attempt: a server that holds some of the run's requests
     * while it refuses the rest (its slots full of the run's own work) is told apart from one that refuses every
     * request.
     */
    private final Map<Object, Long> outSince = new ConcurrentHashMap<>();
    /** Records that spent their retries while no request of this session had an answer, and their tries. */
    private final AtomicInteger gaveUpUnanswered = new AtomicInteger();
    private final AtomicInteger triesUnanswered = new AtomicInteger();
    private int toldBackingOff;
    private int toldOut = -1;
    private List<ServerLimit> toldServers = List.of();

    private final RunLedger store;
    private final Predictor predictor;
    private final PromptTemplate template;
    private final RunnerSettings settings;
    private final RunListener listener;
    private final TimeSource time;
    private final Clock clock;
    /** How long an idle request thread waits before it looks again on its own (what ends it after a run's end). */
    private final long idleLookNanos;

    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final AtomicReference<Stop> stop = new AtomicReference<>();
    private final ServerWatch servers = new ServerWatch();
    /** The session's claimed records, closed on a stop so that request threads waiting for more end at once. */
    private volatile ClaimedRecords claimedAhead;
    /** What the listener was last told of requests held for a rate limit; the claiming thread's alone. */
    private int toldWaitingForRateLimit;
    /** This session's lease as the worker knows it; set as it joins. */
    private volatile HeldLease lease;

    /** {@code said}: the reason as stride words it, for the reader's language; null when it is another's words. */
    private record Stop(RunState state, String reason, Phrase said, Throwable error, long atNanos,
                        ServerOutage outage) {
    }

    /** A runner on the machine's time, stamping outcomes with {@code clock}. */
    public BatchRunner(RunLedger store, Predictor predictor, PromptTemplate template, RunnerSettings settings,
                       RunListener listener, Clock clock) {
        this(store, predictor, template, settings, listener, TimeSource.system(clock));
    }

    /** A runner whose every timed decision (back-off, grace, heartbeat, latency, elapsed time) asks {@code time}. */
    public BatchRunner(RunLedger store, Predictor predictor, PromptTemplate template, RunnerSettings settings,
                       RunListener listener, TimeSource time) {
        this(store, predictor, template, settings, listener, time, ClaimedRecords.IDLE_LOOK);
    }

    /** As above, with request threads that look again every {@code idleLook} when they have nothing to send. */
    BatchRunner(RunLedger store, Predictor predictor, PromptTemplate template, RunnerSettings settings,
                RunListener listener, TimeSource time, Duration idleLook) {
        this.idleLookNanos = idleLook.toNanos();
        this.store = store;
        this.predictor = predictor;
        this.template = template;
        this.settings = settings;
        this.listener = listener;
        this.time = time;
        this.clock = time.clock();
    }

    /** Asks the run to stop as after Ctrl+C. Safe to call from any thread, any number of times. */
    public void requestStop() {
        stopWith(RunState.INTERRUPTED, "interrupted", null);
    }

    public boolean stopping() {
        return stop.get() != null;
    }

    /** Whether a stop came and its grace is over: the requests still out are being cancelled. */
    private boolean graceOver() {
        Stop s = stop.get();
        return s != null && time.nanoTime() - (s.atNanos() + settings.grace().toNanos()) >= 0;
    }

    private void stopWith(RunState state, String reason, Throwable error) {
        stopWith(state, reason, null, error, null);
    }

    /** A stop for a reason stride words itself: {@code said}, and in English as the outcome's reason. */
    private void stopWith(RunState state, Phrase said, Throwable error) {
        stopWith(state, said.english(), said, error, null);
    }

    private void stopWith(RunState state, String reason, Throwable error, ServerOutage outage) {
        stopWith(state, reason, null, error, outage);
    }

    private void stopWith(RunState state, String reason, Phrase said, Throwable error, ServerOutage outage) {
        if (stop.compareAndSet(null, new Stop(state, reason, said, error, time.nanoTime(), outage))) {
            stopSignal.countDown();
            predictor.stopSending();
            // A database server that is away is waited for no longer than the requests in flight: a stop keeps to
            // its grace, and what is not saved by then is asked again next time.
            store.waitForServerAtMost(settings.grace());
            ClaimedRecords records = claimedAhead;
            if (records != null) {
                records.close();
            }
        }
        servers.wakeWaiters();
    }

    /** Runs until every pending record has an outcome or a stop; returns with the cursor committed. */
    public RunOutcome run(RunInfo run) {
        long started = time.nanoTime();
        servers.begin(started, clock.instant(), run.id());
        // A database server that goes away stops the counts: the listener hears why, not only silence.
        store.tellOutagesTo(listener);
        Stop early = stop.get();
        if (early != null) {
            // Stopped before its start (a Ctrl+C while the client was set up): telling the store of the session
            // took back the stop's bound on its waits, which must hold for what is left of the grace.
            long left = early.atNanos() + settings.grace().toNanos() - time.nanoTime();
            store.waitForServerAtMost(Duration.ofNanos(Math.max(0, left)));
        }
        // Told before joining, so that the worker's row says what it keeps in flight from the start.
        InFlightBound slots = InFlightBound.of(settings, predictor, waitingOutRefusals::get);
        toldLimit = -1;
        toldServers = List.of();
        toldOut = -1;
        tellLimit(run, slots);
        long joining = time.nanoTime();
        listener.joined(store.join(run.id(), settings.lease()));
        lease = new HeldLease(time, settings.lease(), joining);
        Writer writer = new Writer(run, started);
        Thread writerThread = new Thread(writer, "stride-writer");
        writerThread.start();
        ClaimedRecords ahead = new ClaimedRecords(Thread.currentThread(), idleLookNanos);
        GivenBackSlots givenBack = new GivenBackSlots(slots);
        RequestLanes lanes = new RequestLanes(self -> serve(ahead, new Seat(slots, givenBack, self), writer));
        Session session = new Session(run, slots, givenBack, ahead, lanes);
        claimedAhead = ahead;
        if (stopping()) {
            ahead.close();
        }
        // True once the claims are over with every request answered and handed to the writer (dispatch returns
        // only when every slot is free again): the request threads are then idle, and nothing is left to wait for.
        boolean allAnswered = false;
        try {
            dispatch(session);
            allAnswered = !stopping();
            lanes.close();
            if (allAnswered) {
                ahead.closeWithoutWaking();
            } else {
                ahead.close();
                awaitInFlight(lanes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopWith(RunState.INTERRUPTED, "interrupted", null);
            predictor.cancelAll();
        } catch (RuntimeException e) {
            stopWith(RunState.FAILED, e.getMessage(), e);
            predictor.cancelAll();
        } finally {
            if (!allAnswered) {
                ahead.close();
                lanes.interruptAll();
            }
            writer.finish();
            joinQuietly(writerThread);
        }
        try {
            return finish(run, writer, started);
        } finally {
            try {
                store.leave(run.id());
            } catch (RuntimeException e) {
                // Claims left behind are taken by others when the lease runs out; the outcome is already decided.
            }
            store.tellOutagesTo(RunListener.NONE);
        }
    }

    /** What the claiming thread works with in one session. */
    private final class Session {
        final RunInfo run;
        final InFlightBound slots;
        final GivenBackSlots givenBack;
        final ClaimedRecords ahead;
        final RequestLanes lanes;
        long claimedSoFar;

        Session(RunInfo run, InFlightBound slots, GivenBackSlots givenBack, ClaimedRecords ahead, RequestLanes lanes) {
            this.run = run;
            this.slots = slots;
            this.givenBack = givenBack;
            this.ahead = ahead;
            this.lanes = lanes;
        }

        /**
         * Enough request threads for the bound, never more than records claimed so far, and one more for each record
         * asleep with its slot given back.
         */
        void staff() {
            lanes.ensure((int) Math.min(slots.limit(), claimedSoFar), givenBack.away());
        }
    }

    /**
     * Claims records until none is left to claim and no other live worker holds any. Without
     * --retry-failed, every record below the stored low watermark already has an outcome, so the first pass starts
     * there: a resume of a half-done run of a million records reaches its first request without walking the half that
     * is done. A dead worker's records are taken by the claim that finds its lease run out, wherever they lie (the
     * store starts that claim at the lowest of them). Later passes start from the beginning, once this worker's own
     * requests are over: they take what another worker left as it stopped, and an outcome deleted by hand since the
     * watermark was computed.
     * While other workers hold records, this one waits and looks again, so that it takes over a dead worker's claims.
     */
    private void dispatch(Session s) throws InterruptedException {
        long watermark = settings.retryFailed() ? 0 : Math.max(0, s.run.lowWatermark());
        long after = watermark - 1;
        // Since when records left to others were seen with none of them claimable and no one else at work; -1: not.
        long unseenSince = -1;
        while (!stopping()) {
            long claimed = dispatch(s, after);
            if (claimed < 0) {
                return;
            }
            if (claimed > 0 || after >= 0) {
                unseenSince = -1;
            } else if (store.othersAtWork(s.run.id())) {
                unseenSince = -1;
                if (!sleepUnlessStopped(otherWorkersPoll())) {
                    return;
                }
            } else {
                // A dead worker's lease may have run out between the claim above and this look: its records were not
                // claimable then and are now. One more claim takes them, or finds the run over. (Without it a worker
                // ended "interrupted" with a killed worker's records pending: WorkersIT, under load.)
                long late = dispatch(s, after);
                if (late < 0) {
                    return;
                }
                if (late > 0) {
                    unseenSince = -1;
                } else {
                    // Another worker's claim may have been in its open transaction through both looks: its records
                    // were locked to the claims and its own claims not yet seen. (Without this wait a worker ended
                    // "interrupted" with the records of a claim being made: PostgresWorkersIT, in CI.) A claim is a
                    // short transaction: records out of reach for a whole lease are not being claimed, and the run
                    // ends as it did before, interrupted with records pending.
                    unseenSince = unseenSince < 0 ? time.nanoTime() : unseenSince;
                    if (time.nanoTime() - unseenSince >= settings.lease().toNanos()
                            || !store.leftToOthers(s.run.id(), settings.retryFailed())
                            || !sleepUnlessStopped(otherWorkersPoll())) {
                        return;
                    }
                }
            }
            // Later passes go from the beginning, once every request of this worker is over (nor ever claimed twice).
            if (!awaitOwnRequests(s)) {
                return;
            }
            after = -1;
        }
    }

    /** How often a worker with nothing to claim looks whether the others' claims came free: a fraction of a lease. */
    private Duration otherWorkersPoll() {
        Duration quarter = settings.lease().dividedBy(4);
        Duration second = Duration.ofSeconds(1);
        return quarter.compareTo(second) < 0 ? quarter : second;
    }

    /**
     * Waits until every claimed record was taken, no record sleeps with its slot given back, and every slot is free
     * again; false when the run stops first.
     */
    private boolean awaitOwnRequests(Session s) throws InterruptedException {
        while (true) {
            while (!s.ahead.isEmpty() || s.givenBack.away() > 0) {
                if (!look(s)) {
                    return false;
                }
                s.ahead.parkClaimer(POLL.toNanos());
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            // Only this thread changes the bound, so its limit holds while the permits come back.
            while (!s.slots.tryAcquire(s.slots.limit(), POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                if (!look(s)) {
                    return false;
                }
            }
            // A record counts as away before it gives its slot back: with every slot here, none was away unseen.
            boolean over = s.givenBack.away() == 0;
            s.slots.release(s.slots.limit());
            if (over) {
                return true;
            }
        }
    }

    /**
     * What the claiming thread does each time it wakes: follows the bound as the servers' limits move (starting
     * request threads when it grows) and tells the listener of requests held for a rate limit; false once the run
     * stops.
     */
    private boolean look(Session s) {
        boolean changed = s.slots.follow();
        if (s.slots.auto()) {
            // Also when the total stayed: one server's limit may have risen as another's fell.
            tellLimit(s.run, s.slots);
        }
        if (changed) {
            s.staff();
        }
        tellWaitingForRateLimit(s.run.id(), s.slots);
        return !stopping();
    }

    /**
     * Looked at as the claiming thread wakes: requests held at a rate limit, and records sleeping before they are sent
     * again, take slots and are at no server; the requests out are the records held less them (the bound is how many
     * may be, not how many are).
     */
    private void tellWaitingForRateLimit(long runId, InFlightBound slots) {
        int waiting = predictor.waitingForRateLimit();
        int again = backingOff.get();
        // The store first, as the requests out below: whoever hears the listener can already read it back where status
        // does. A look in memory that counts a change only: status said "in flight 0" of a worker whose 8 requests
        // waited for the rate limit, and the run looked idle.
        store.reportRequestsWaiting(runId, waiting, again);
        if (waiting != toldWaitingForRateLimit) {
            toldWaitingForRateLimit = waiting;
            listener.waitingForRateLimit(waiting);
        }
        if (waiting > 0) {
            listener.rateLimitHold(predictor.rateLimitHold());
        }
        // At most the slots taken: a request out holds one. The counts are read one after the other, and records
        // asleep without their slot are among those working: a record that took its slot back as another went to
        // sleep could be counted out twice. Not the bound: one that shrank under --concurrency auto leaves requests
        // out above it until they end. Records waiting out an outage are at no server either: status said "in flight
        // 16" of a worker whose server had been gone for minutes.
        int out = Math.min(slots.taken(), Math.max(0, working.get() - waiting - again - awaitingServer.get()));
        if (out != toldOut) {
            toldOut = out;
            // The store first: whoever hears the listener can already read the figure back where status does.
            store.reportRequestsOut(runId, out);
            listener.requestsOut(out);
        }
        // After the requests out of the same look: whoever hears it can read those too.
        if (again != toldBackingOff) {
            toldBackingOff = again;
            listener.waitingToSendAgain(again);
        }
    }

    /**
     * Tells the listener and the store the limit a user is shown, with each server's when it is learnt, when any of
     * them changed since last told.
     */
    private void tellLimit(RunInfo run, InFlightBound slots) {
        List<ServerLimit> servers = slots.auto() ? predictor.serverLimits() : List.of();
        if (slots.learnt() == toldLimit && servers.equals(toldServers)) {
            return;
        }
        toldLimit = slots.learnt();
        toldServers = servers;
        listener.inFlightLimit(slots.learnt(), slots.auto(), servers);
        store.reportInFlight(run.id(), slots.learnt(), slots.auto(), servers);
    }

    /**
     * Claims records with {@code after < seq} into the queue the request threads take from, a round at a time, each
     * when the queue runs low; the number claimed, or -1 when it stopped early.
     */
    private long dispatch(Session s, long after) throws InterruptedException {
        long claimed = 0;
        // With a learnt limit it looks more often, so that a limit that grew is used without waiting long.
        long poll = s.slots.auto() ? AUTO_POLL.toNanos() : POLL.toNanos();
        while (look(s)) {
            if (!s.ahead.low()) {
                s.ahead.parkClaimer(poll);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                continue;
            }
            // A full round, refilled when half of it is left: claiming only what the free slots take would claim one
            // record per answer in a steady run, a write transaction per record (measured: 385/s instead of 700/s on
            // PostgreSQL at 16 in flight), and a request thread would wait for each. Records claimed but not yet sent
            // are not asked again when this worker dies; others take them when its lease runs out.
            // Two slots' worth: a claim is a write transaction whose fixed part (begin, commit, the worker's lease
            // looked at) cost as much as its rows at one slot's worth (BENCHMARKS.md, "Ingest").
            int round = (int) Math.min(CLAIM_MAX, 2L * s.slots.limit());
            List<InputRecord> batch;
            batch = store.claim(s.run.id(), after, round, settings.retryFailed());
            if (!batch.isEmpty()) {
                s.ahead.add(batch, round / 2);
            }
            if (batch.isEmpty()) {
                return claimed;
            }
            claimed += batch.size();
            s.claimedSoFar += batch.size();
            after = batch.get(batch.size() - 1).seq();
            s.staff();
        }
        return -1;
    }

    private void awaitInFlight(RequestLanes lanes) throws InterruptedException {
        while (!lanes.idle().await(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
            Stop s = stop.get();
            if (s != null) {
                if (!time.await(lanes.idle(), s.atNanos() + settings.grace().toNanos())) {
                    predictor.cancelAll();
                    lanes.awaitTermination(5, TimeUnit.SECONDS);
                }
                return;
            }
        }
    }

    /**
     * A request thread's loop: takes the next claimed record itself, sends it (retrying as need be) and hands its
     * outcome to the writer, holding one slot of the bound from record to record; no other thread is woken per
     * record. It gives its slot back when nothing is queued (so the claiming thread can tell that its requests are
     * over), when the bound shrank below the slots taken, or when a record woken from its backoff waits for a slot
     * (those go before records not yet sent), and ends when the records run out or the run stops.
     */
    private void serve(ClaimedRecords ahead, Seat seat, Writer writer) {
        InFlightBound slots = seat.slots;
        try {
            while (true) {
                if (!seat.held) {
                    if (stopping()) {
                        // Its record was left pending as it waited without a slot: no slot is needed to end.
                        return;
                    }
                    seat.givenBack.letWokenFirst(this::stopping);
                    slots.acquire();
                    seat.held = true;
                } else if (slots.availablePermits() < 0 || seat.givenBack.wokenWaiting()) {
                    slots.release();
                    seat.held = false;
                    continue;
                }
                if (stopping()) {
                    return;
                }
                InputRecord record = ahead.poll();
                if (record == null) {
                    slots.release();
                    seat.held = false;
                    if (!ahead.awaitRecords(this::stopping)) {
                        return;
                    }
                    continue;
                }
                working.incrementAndGet();
                try {
                    predictOne(record, writer, seat);
                } finally {
                    working.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            // The session's last resort (its threads interrupted after the grace and cancellation): end here.
        } finally {
            if (seat.held) {
                slots.release();
            }
        }
    }

    /** A request thread's hold on the bound: whether it has a slot now, which its record may give back to sleep. */
    private static final class Seat {
        final InFlightBound slots;
        final GivenBackSlots givenBack;
        final RequestLanes lanes;
        boolean held;

        Seat(InFlightBound slots, GivenBackSlots givenBack, RequestLanes lanes) {
            this.slots = slots;
            this.givenBack = givenBack;
            this.lanes = lanes;
        }
    }

    /**
     * Sends one record (again as need be) and hands its outcome to the writer. Called holding a slot of the bound;
     * returns holding it, unless the run stopped while the record slept with its slot given back ({@code seat}).
     */
    private void predictOne(InputRecord record, Writer writer, Seat seat) {
        Prompt prompt;
        try {
            prompt = template.prompt(record.id(), Json.read(record.json(), Json.storedRecord(record.id())));
        } catch (InvalidInputException e) {
            writer.submit(RecordOutcome.failed(record, new FailedPrediction("template", e.getMessage(),
                    new Timing(0, 0, clock.instant()))));
            return;
        }
        // Requests the predictor sent again within the attempts (--json-retries, a 429 its rate gate waited out), and
        // its attempts that reached no server: over all of them, not per attempt.
        RecordCost cost = new RecordCost();
        // Attempts charged to the record's retries; those made while no server answered are not.
        int charged = 0;
        int whileUnreachable = 0;
        int refusedOverLimit = 0;
        int refusedOverBudget = 0;
        long firstOverBudgetAt = 0;
        long predictedAtLastTry = 0;
        // A retry told to the listener that reached no server yet: told as sent once an attempt does (one that found
        // no server is no request), and as never sent when the record stops here.
        boolean retryTold = false;
        for (int attempt = 1; ; attempt++) {
            if (stopping() || !stillClaimed(writer.run.id(), record)) {
                retryNotSent(record, retryTold);
                return;
            }
            long t0 = time.nanoTime();
            long answersWhenSent = servers.answers();
            // Predictions made since the record's previous try was sent (or this one, the first time): a 429 comes
            // back at once, so others' answers show in the backoff before it.
            long predictedBefore = predictedAtLastTry;
            predictedAtLastTry = servers.predictions();
            if (attempt == 1) {
                predictedBefore = predictedAtLastTry;
            }
            boolean alone = working.get() == 1;
            int notSentBefore = cost.notSentSoFar();
            int sentAgainBefore = cost.sentAgainSoFar();
            Object attemptOut = new Object();
            outSince.put(attemptOut, t0);
            try {
                Completion c;
                try {
                    c = predictor.predict(prompt, cost);
                } finally {
                    outSince.remove(attemptOut);
                }
                if (retryTold) {
                    listener.retrySent(record);
                }
                servers.answered(true);
                // The request's own time when the predictor measured it: a wait before sending is not latency.
                long latency = c.latency() == null ? elapsedMillis(t0) : c.latency().toMillis();
                Timing timing = new Timing(latency, cost.attempts(attempt), clock.instant());
                // The answers set aside were charged by the server too: their tokens are the record's.
                writer.submit(RecordOutcome.done(record,
                        new Prediction(cost.charge(c.answer()), c.parsed(), timing)));
                return;
            } catch (PredictionException e) {
                long latency = e.latency().map(Duration::toMillis).orElseGet(() -> elapsedMillis(t0));
                boolean sent = cost.notSentSoFar() == notSentBefore;
                if (sent && retryTold) {
                    listener.retrySent(record);
                    retryTold = false;
                }
                if (e.disposition() == Disposition.UNREACHABLE) {
                    ServerWatch.Finding found = servers.unreachable(answersWhenSent, t0, alone, e);
                    if (!found.recordsOwn()) {
                        // A try that reached the server (a timeout) is sent again, uncharged but a retry all the
                        // same: the server received both. One that found none is no request, and its next no retry.
                        int soFar = cost.attempts(attempt);
                        // Not one of the record's retries either: the request that looks whether the server is back
                        // ("24 retries" of a run at --retries 0 whose server hung).
                        boolean[] toldNow = {false};
                        boolean waited = waitForServer(found, ++whileUnreachable, !sent ? null : wait -> {
                            listener.sentAgainWhileServerAway(record, soFar, e, wait);
                            toldNow[0] = true;
                        });
                        retryTold |= toldNow[0];
                        if (!waited) {
                            if (sent && !toldNow[0]) {
                                endedUnanswered(record, e);
                            }
                            retryNotSent(record, retryTold);
                            return;
                        }
                        continue;
                    }
                } else if (e.disposition() != Disposition.CANCELLED
                        && !PredictionException.CONNECTION.equals(e.kind())) {
                    // A server answered, if only with an error: it can be reached. A dropped connection is no answer:
                    // a server killed with requests in flight resets their connections, and its outage is not over.
                    servers.answered(false);
                }
                switch (e.disposition()) {
                    case CANCELLED -> {
                        retryNotSent(record, retryTold);
                        return;
                    }
                    case STOP_RUN -> {
                        retryNotSent(record, retryTold);
                        // The refusal itself goes along: its kind (e.g. http_404) lets the caller say what to check.
                        stopWith(RunState.STOPPED, e.getMessage(), e);
                        return;
                    }
                    case FAIL_RECORD -> {
                        writer.submit(RecordOutcome.failed(record, cost.failure(e.kind(), e.getMessage(),
                                new Timing(latency, cost.attempts(attempt), clock.instant()))));
                        return;
                    }
                    case RETRY, UNREACHABLE -> {
                        if (stopping()) {
                            if (sent) {
                                endedUnanswered(record, e);
                            }
                            retryNotSent(record, retryTold);
                            return;
                        }
                        // Refused as one too many at once, with the limit lowered for it: the run's overshoot.
                        boolean overshoot = e.limitLowered() && ++refusedOverLimit <= UNCHARGED_REFUSALS;
                        // Refused while others got through: the server's budget or its slots are taken, this record
                        // is next. Not when the predictor already waited out refusals of this try (a rate gate that
                        // paces): a 429 that outlasts those waits is one no turn cures (a request larger than the
                        // budget).
                        boolean overBudget = !overshoot && e.notNow()
                                && (servers.predictions() != predictedBefore
                                    || attempt == 1 && firstTryNotNow())
                                && cost.sentAgainSoFar() == sentAgainBefore
                                && (refusedOverBudget == 0
                                    || time.nanoTime() - firstOverBudgetAt < BUDGET_TURN_WAIT.toNanos());
                        if (overBudget && refusedOverBudget++ == 0) {
                            firstOverBudgetAt = time.nanoTime();
                        }
                        if (!overshoot && !overBudget) {
                            charged++;
                        }
                        if (charged > settings.maxRetries()) {
                            int attempts = cost.attempts(attempt);
                            // Records giving up while nothing was answered in this session, after enough tries: the
                            // server answers every request alike (a web page at the URL, a proxy whose model is away),
                            // and going on would spend every record's retries, for hours on a large input. This one
                            // stays pending for a rerun. Those that gave up before it failed as before: one record the
                            // server cannot answer must not stop a run at --concurrency 1 each time it is run again.
                            // A 429 or 503 too: refused while nothing is answered, the run's own requests are not what
                            // fills the server (a llama.cpp server still loading its model answers 503 to each, an
                            // account whose quota is spent 429), and every record failed one by one after its retries.
                            // Unless the server holds others of the run's requests meanwhile: then they are what fills
                            // it.
                            if (servers.predictions() == 0 && !(e.notNow() && heldLongerThanRefusals(latency))) {
                                int records = gaveUpUnanswered.incrementAndGet();
                                int tries = triesUnanswered.addAndGet(attempts);
                                if (records >= 2 && tries >= UNANSWERED_TRIES_TO_STOP) {
                                    stopWith(RunState.STOPPED, Phrase.core("run.noAnswerYet", tries, records,
                                            e.getMessage()), e);
                                    return;
                                }
                            }
                            if (e.disposition() == Disposition.UNREACHABLE
                                    || PredictionException.CONNECTION.equals(e.kind())) {
                                servers.failedUnanswered();
                            }
                            writer.submit(RecordOutcome.failed(record, cost.failure(e.kind(),
                                    "gave up after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ")
                                            + e.getMessage(),
                                    new Timing(latency, attempts, clock.instant()))));
                            return;
                        }
                        // A budget's turn comes round in seconds: its refusals lengthen the wait a few times only.
                        Duration delay = backoff(Math.max(1, charged + (overBudget
                                ? Math.min(refusedOverBudget, BUDGET_BACKOFF_STEPS) : 0)), e.retryAfter().orElse(null));
                        // Told as the record's requests so far, as its stored attempts will count them. A try that
                        // reached no server (a connect timeout while others are answered: a backlog full) is no
                        // request: the next one is no retry of it, and is not told as one.
                        if (sent) {
                            if (overshoot || overBudget) {
                                listener.sentAgainAsBusy(record, cost.attempts(attempt), e, delay);
                            } else {
                                listener.retrying(record, cost.attempts(attempt), e, delay);
                            }
                            retryTold = true;
                        }
                        if (overshoot) {
                            waitingOutRefusals.incrementAndGet();
                        }
                        backingOff.incrementAndGet();
                        try {
                            // A failure of the record's own: its slot serves others while it sleeps. Not a server
                            // that says it is busy (429, 503, a learnt limit's refusal), nor one too slow for the
                            // timeout: fewer requests are what helps those, and holding the slot is how the run
                            // sends fewer. (An outage's wait is waitForServer's, above, and holds it too.) Nor
                            // before the session's first answer: a failure then may be every request's (a web page
                            // at the URL), which the run stops for after ten tries, not every record's five.
                            boolean own = e.disposition() == Disposition.RETRY && !e.notNow() && !overshoot
                                    && !PredictionException.TIMEOUT.equals(e.kind()) && servers.predictions() > 0;
                            if (own && seat.givenBack.giveBack(seat.lanes)) {
                                seat.held = false;
                            }
                            boolean slept = sleepUnlessStopped(delay);
                            if (!seat.held) {
                                seat.held = seat.givenBack.takeBack(this::stopping);
                            }
                            if (!slept || !seat.held) {
                                listener.retryNotSent(record);
                                return;
                            }
                        } finally {
                            backingOff.decrementAndGet();
                            if (overshoot) {
                                waitingOutRefusals.decrementAndGet();
                            }
                        }
                    }
                    default -> throw new IllegalStateException("unknown disposition " + e.disposition());
                }
            } catch (RuntimeException e) {
                stopWith(RunState.FAILED, Phrase.core("run.recordFailed", record.id(), e.toString()), e);
                return;
            }
        }
    }

    /**
     * For a record's first try, which has no previous one to count others' answers from: whether others were answered
     * shortly before its refusal, so that a first 429 or 503 from a busy server costs no retry either (with {@code
     * --retries 0} it was the record's end). Not in a run's opening burst, before any answer: nothing tells a busy
     * budget there from a spent quota.
     */
    /**
     * Whether the server holds a request of this run well past the time a refusal takes to come back
     * ({@code refusedInMs}: ten times it, a second at least): then its 429s and 503s are for the requests over its
     * slots, which the run's own work fills (TGI past its max_concurrent_requests, long generations), not for every
     * request, and the records that give up on them fail as their own.
     */
    private boolean heldLongerThanRefusals(long refusedInMs) {
        long before = time.nanoTime() - Math.max(HELD_AT_LEAST.toNanos(), refusedInMs * 10_000_000L);
        return outSince.values().stream().anyMatch(sentAt -> sentAt - before < 0);
    }

    private boolean firstTryNotNow() {
        return servers.predictedSince(time.nanoTime() - FIRST_TRY_LOOKBACK.toNanos());
    }

    /**
     * After a request found no server and nothing else was answered since it was sent: stops the run when no server
     * has answered in this session, or when the outage has lasted the run's wait for a server; otherwise tells the
     * listener and waits (with backoff, until a server answers again or the run stops) before the record is tried
     * again, uncharged.
     *
     * @param tries the record's attempts so far that found no server
     * @param retrying told the wait before it, when the record's try reached the server and is sent again; or null
     * @return false when the run is stopping
     */
    private boolean waitForServer(ServerWatch.Finding found, int tries, Consumer<Duration> retrying) {
        ServerOutage seen = found.outage();
        Duration left = settings.serverWait().minus(seen.lasted());
        if (!seen.answeredBefore() || left.isNegative() || left.isZero()) {
            stopWith(RunState.UNREACHABLE, seen.reason(), null, seen);
            return false;
        }
        if (stopping()) {
            return false;
        }
        listener.serverUnreachable(seen);
        Duration wait = backoff(tries, null);
        Duration floor = settings.backoffMax().compareTo(OUTAGE_FLOOR) < 0 ? settings.backoffMax() : OUTAGE_FLOOR;
        wait = wait.compareTo(floor) < 0 ? floor : wait;
        wait = wait.compareTo(left) < 0 ? wait : left;
        if (retrying != null) {
            retrying.accept(wait);
        }
        awaitingServer.incrementAndGet();
        try {
            time.await(found.over(), time.nanoTime() + wait.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            awaitingServer.decrementAndGet();
        }
        return !stopping();
    }

    /**
     * Whether {@code record} is still this worker's to send: waits first while the lease may have run out (the process
     * was paused, or could not renew) until the writer's renewal says whether it did. A record another worker took
     * while the lease had lapsed is not sent ({@link RunLedger#stillClaimed}); those no one took were kept.
     */
    private boolean stillClaimed(long runId, InputRecord record) {
        try {
            lease.awaitRenewalIfOverdue(this::stopping);
            return !stopping() && store.stillClaimed(runId, record.id());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Renews the lease, without waiting for a claim in progress: a renewal held up behind claims let a live worker's
     * lease run out under load. After a lapse the store keeps the claims no other worker took, and the records it
     * lost are left unsent as they are taken ({@link #stillClaimed}), so nothing queued is dropped here.
     */
    private void renewLease(long runId) {
        long startedAt = time.nanoTime();
        store.renewLease(runId);
        lease.renewed(startedAt);
    }

    /**
     * A request of {@code record} that reached a server got no answer within the timeout, or came back with a
     * failure, and the record is not tried again in this session: told so that it is not taken for one in flight at
     * the stop, whose answer the stop kept from being saved.
     */
    private void endedUnanswered(InputRecord record, PredictionException e) {
        if (PredictionException.TIMEOUT.equals(e.kind())) {
            listener.noAnswerInTime(record, e);
        } else {
            listener.failedAtStop(record, e);
        }
    }

    /** The record stops here: a retry told for it that reached no server never will. */
    private void retryNotSent(InputRecord record, boolean retryTold) {
        if (retryTold) {
            listener.retryNotSent(record);
        }
    }

    /** Full jitter: a random wait up to base·2^(attempt-1), capped; never shorter than the server asked for. */
    Duration backoff(int attempt, Duration retryAfter) {
        long ceiling = Math.min(settings.backoffMax().toMillis(),
                settings.backoffBase().toMillis() << Math.min(attempt - 1, 30));
        long jittered = ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
        long wait = retryAfter == null ? jittered : Math.max(retryAfter.toMillis(), jittered);
        return Duration.ofMillis(wait);
    }

    private boolean sleepUnlessStopped(Duration delay) {
        try {
            return !time.await(stopSignal, time.nanoTime() + delay.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private RunOutcome finish(RunInfo run, Writer writer, long started) {
        Stop s = stop.get();
        long elapsed = run.elapsedMs() + elapsedMillis(started);
        // A stop (Ctrl+C, SIGTERM) that came before the database failed stays a stop: the database was no longer
        // waited for because of it (a server away), and what it could not save is said beside it, not instead.
        boolean stoppedFirst = s != null && s.state() == RunState.INTERRUPTED;
        if (writer.error != null && stoppedFirst) {
            s = new Stop(RunState.INTERRUPTED, writer.error.getMessage(), null, writer.error, s.atNanos(), null);
        } else if (writer.error != null && (s == null || s.state() != RunState.FAILED)) {
            s = new Stop(RunState.FAILED, writer.error.getMessage(), null, writer.error, time.nanoTime(), null);
        }
        RunState state;
        if (s != null) {
            state = s.state();
        } else {
            RunInfo now = store.findRun(run.name()).orElseThrow();
            if (now.pending() > 0) {
                state = RunState.INTERRUPTED;
            } else if (now.failed() > 0) {
                state = RunState.DONE_WITH_FAILURES;
            } else {
                state = RunState.DONE;
            }
        }
        Cursor cursor = writer.lastCursor;
        Throwable error = s == null ? null : s.error();
        try {
            // Why it stopped, kept with the cursor in its transaction: the stop line is said once, here; status says
            // it again to whoever looks later (a copy of the file, another worker's terminal, the next morning).
            String said = s == null ? null : state == RunState.FAILED && s.reason() == null && error != null
                    ? error.getMessage() : s.reason();
            cursor = store.saveLastCursor(run.id(), elapsed, state, s == null ? null
                    : StopReason.of(state, said, s.said(), error, s.outage()));
            listener.cursorSaved(cursor);
        } catch (RuntimeException e) {
            if (stoppedFirst) {
                // The stop's last save, cut short as the rest: still the user's stop, with what broke beside it.
                if (error == null) {
                    error = e;
                } else {
                    error.addSuppressed(e);
                }
            } else if (error == null || state != RunState.FAILED) {
                // A server's refusal (STOPPED) is no reason to hide a cursor that could not be saved.
                error = e;
                state = RunState.FAILED;
            } else {
                error.addSuppressed(e);
            }
        }
        String reason = s == null ? null : s.reason();
        Phrase said = s == null ? null : s.said();
        if (state == RunState.FAILED && reason == null && error != null) {
            reason = error.getMessage();
        } else if (stoppedFirst && error != null && s.error() == null) {
            reason = error.getMessage(); // the last save's failure, rather than "interrupted"
            said = null;
        }
        ServerOutage outage = s == null || state != RunState.UNREACHABLE ? null : s.outage();
        // Counted, not worded: the one line a user reads says what the database's failure cost, in their language.
        return new RunOutcome(state, cursor, run.total(), writer.completed, writer.failed, reason, error, outage,
                writer.error == null ? 0 : writer.unsaved, said);
    }

    private long elapsedMillis(long fromNanos) {
        return TimeUnit.NANOSECONDS.toMillis(time.nanoTime() - fromNanos);
    }

    private static void joinQuietly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether the run's servers answer: how many requests of this session got an answer (a server's error included),
     * and the outage in progress when the latest ones found no server. An outage's latch opens when a server answers
     * again or the run stops, so records waiting for the server go on (or give up) at once.
     */
    private final class ServerWatch {
        private long sessionStart;
        private Instant sessionStartedAt;
        private long runId;
        private long answers;
        /**
         * Answers that were predictions, in this session: what tells a budget's 429 from a refusal of all. Written
         * under the watch's lock with {@link #answers}, read without it.
         */
        private volatile long predictions;
        /** Records given up as failed on a request that got no answer, since the latest answer. */
        private long failedUnanswered;
        /** When the latest answer came (nanoTime); meaningful once {@link #answers} is above 0. */
        private long lastAnswerAt;
        /** When the latest prediction came (nanoTime); meaningful once {@link #predictions} is above 0. */
        private long lastPredictionAt;
        private Outage outage;

        /** What a request that found no server means. */
        record Finding(boolean recordsOwn, ServerOutage outage, CountDownLatch over) {
        }

        /** An outage in progress: since when, the last failure, and what opens when it is over. Guarded by the watch. */
        private static final class Outage {
            final long since;
            final Instant sinceAt;
            final CountDownLatch over = new CountDownLatch(1);
            String kind;
            String reason;

            Outage(long since, Instant sinceAt) {
                this.since = since;
                this.sinceAt = sinceAt;
            }
        }

        synchronized void begin(long startNanos, Instant startedAt, long runId) {
            this.sessionStart = startNanos;
            this.sessionStartedAt = startedAt;
            this.runId = runId;
        }

        synchronized long answers() {
            return answers;
        }

        long predictions() {
            return predictions;
        }

        /** Whether a prediction came at {@code from} (nanoTime) or later, in this session. */
        synchronized boolean predictedSince(long from) {
            return predictions > 0 && lastPredictionAt - from >= 0;
        }

        /** A server answered; an outage in progress is over. */
        void answered(boolean prediction) {
            ServerOutage ended = null;
            synchronized (this) {
                answers++;
                failedUnanswered = 0;
                lastAnswerAt = time.nanoTime();
                if (prediction) {
                    predictions++;
                    lastPredictionAt = lastAnswerAt;
                }
                if (outage != null) {
                    ended = describe(outage.since, outage.sinceAt, true, outage.kind, outage.reason);
                    outage.over.countDown();
                    outage = null;
                    // Under the watch's lock, as its start was told: a wait told after its end would stay told.
                    store.reportServerWait(runId, null);
                }
            }
            if (ended != null) {
                listener.serverBack(ended);
            }
        }

        /**
         * A request sent at {@code sentAt} when {@code answersWhenSent} answers had come found no server: the record's
         * own trouble when it timed out while others were answered since (or, {@code alone} in flight, shortly
         * before), else an outage (from the session's start when nothing was
         * ever answered). A refused connection, an unknown host or a failed handshake is never one record's: answers
         * that came after it was sent were in flight with it when the server went away (kill -9 a server with 16
         * requests in flight: each was charged a retry, and failed under --retries 0).
         */
        synchronized Finding unreachable(long answersWhenSent, long sentAt, boolean alone, PredictionException e) {
            if (answers == 0) {
                return new Finding(false, describe(sessionStart, sessionStartedAt, false, e.kind(), e.getMessage()),
                        new CountDownLatch(0));
            }
            if (PredictionException.TIMEOUT.equals(e.kind())
                    && (answeredLateInItsWait(answersWhenSent, sentAt) || alone && answeredWithinItsWait(sentAt))) {
                return new Finding(true, null, null);
            }
            if (outage == null) {
                outage = new Outage(time.nanoTime(), clock.instant());
                // For status: the run waits for its server(s), and makes no rate meanwhile. In memory, written with
                // the in-flight figures.
                store.reportServerWait(runId, outage.sinceAt);
            }
            outage.kind = e.kind();
            outage.reason = e.getMessage();
            return new Finding(false, describe(outage.since, outage.sinceAt, true, e.kind(), e.getMessage()),
                    outage.over);
        }

        /**
         * Whether others were answered since the request was sent, the latest in the later half of its wait: the
         * server kept answering while this one was overdue. Answers in the first moments of its wait only are those of
         * the requests in flight with it when the server hung (SIGSTOP, a driver stuck): with "answered since it was
         * sent" each of them but the last sent was charged, and failed under --retries 0.
         */
        private boolean answeredLateInItsWait(long answersWhenSent, long sentAt) {
            long waited = time.nanoTime() - sentAt;
            return answers > answersWhenSent && lastAnswerAt - sentAt >= waited / 2;
        }

        /**
         * Whether the latest answer came no longer before {@code sentAt} than the request then waited. A request alone
         * in flight (the last record of a run, sent again) has no others to be answered while it waits, and one that
         * timed out against a server that had answered within that span is no more an outage than one among many.
         */
        private boolean answeredWithinItsWait(long sentAt) {
            long waited = time.nanoTime() - sentAt;
            return lastAnswerAt - (sentAt - waited) > 0;
        }

        /** A record gives up on a request that got no answer: a failure of the outage if none comes after it. */
        synchronized void failedUnanswered() {
            failedUnanswered++;
        }

        /** The run stops: records waiting for a server stop waiting. */
        synchronized void wakeWaiters() {
            if (outage != null) {
                outage.over.countDown();
            }
        }

        private ServerOutage describe(long since, Instant sinceAt, boolean answeredBefore, String kind,
                                      String reason) {
            return new ServerOutage(sinceAt, Duration.ofNanos(time.nanoTime() - since), answeredBefore,
                    settings.serverWait(), kind, reason, failedUnanswered);
        }
    }

    /**
     * The one thread that writes: the outcomes that queued up since its last commit in one call to the store (one
     * transaction on SQLite), the cursor every saveInterval outcomes, and the renewals of this worker's lease.
     */
    private final class Writer implements Runnable {
        /** Put after the last outcome: the writer stores what came before it and ends. */
        private final RecordOutcome finished = RecordOutcome.failed(new InputRecord(-1, "", 0, "{}", ""),
                new FailedPrediction("", "", new Timing(0, 0, Instant.EPOCH)));
        private final BlockingQueue<RecordOutcome> queue = new LinkedBlockingQueue<>();
        /**
         * Outcomes answered but not yet committed, at most one save interval: taken as an outcome is queued, given
         * back once its commit is done. A request's slot is freed as its outcome is queued, so the cursor's fsync
         * does not hold requests back, while a killed process loses at most the requests in flight plus one save
         * interval of answered-but-uncommitted outcomes (each asked again on resume), however many go in one commit.
         */
        private final Semaphore room;
        private final RunInfo run;
        private final long started;
        private final List<RecordOutcome> batch = new ArrayList<>();
        private volatile Throwable error;
        private volatile Cursor lastCursor;
        private volatile long completed;
        private volatile long failed;
        /** Outcomes received that could not be saved because the database failed. */
        private volatile long unsaved;

        Writer(RunInfo run, long started) {
            this.run = run;
            this.started = started;
            this.room = new Semaphore(Math.max(1, settings.saveInterval()));
        }

        /**
         * Queues an outcome; waits only while the writer is a save interval behind. Its request thread then goes on
         * to its next record with the same slot.
         */
        void submit(RecordOutcome outcome) {
            // An answer already paid for is never dropped because its thread is being interrupted.
            room.acquireUninterruptibly();
            queue.add(outcome);
        }

        void finish() {
            queue.add(finished);
        }

        @Override
        public void run() {
            int sinceSave = 0;
            // Periods count from the session's start, not from when this thread got going: on a busy machine it may
            // start after the first requests, and a period read here would begin late.
            long lastSave = started;
            long lastRenewal = lastSave;
            // A few renewals per lease, so that a live worker never loses its claims to a slow commit or two.
            long renewEvery = Math.max(1, settings.lease().toNanos() / 3);
            boolean last = false;
            while (!last) {
                RecordOutcome o;
                long polling = time.nanoTime();
                try {
                    o = queue.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    continue;
                }
                // A wait of a tenth of a second that ended seconds late: the process was stopped (a laptop's sleep,
                // SIGSTOP), and the ETA's pace was the pause's ("ETA 7h" for a minute's stop). A pause that hit a
                // commit instead is told as the database's wait.
                long late = time.nanoTime() - polling - POLL.toNanos();
                if (late >= RunListener.PAUSED.toNanos()) {
                    listener.processPaused(Duration.ofNanos(late));
                }
                batch.clear();
                if (o != null) {
                    batch.add(o);
                    // What queued up while the last commit was written goes in one commit, up to the next cursor:
                    // the cursor still comes every saveInterval outcomes, not a batch later.
                    queue.drainTo(batch, Math.max(0, settings.saveInterval() - sinceSave - 1));
                    // Not always the last one taken: a request that outlived the grace (a read that ignores its
                    // interrupt) hands its answer over after the end was queued, and it is stored all the same.
                    last = batch.removeIf(taken -> taken == finished);
                }
                if (!batch.isEmpty()) {
                    try {
                        int stored = 0; // of the batch, before a write that failed
                        if (error == null && !last && sinceSave + batch.size() >= settings.saveInterval()) {
                            // The batch completes a save interval: it goes in the cursor's commit, one commit and
                            // one sync instead of a commit of its own just before the cursor's.
                            stored = persistWithCursor(batch);
                            sinceSave = 0;
                            lastSave = time.nanoTime();
                        } else if (error == null) {
                            stored = persist(batch);
                            if (error == null) {
                                sinceSave += batch.size();
                            }
                        }
                        if (error != null) {
                            // The commit that failed, or one after it: these answers are asked again next time.
                            unsaved += batch.size() - stored;
                        }
                    } finally {
                        room.release(batch.size());
                    }
                }
                if (last) {
                    return;
                }
                // Also as soon as the lease may have run out (the process was paused): request threads wait for it.
                if (time.nanoTime() - lastRenewal >= renewEvery || lease.overdue()) {
                    // Counted from when the renewal began, so that a slow commit does not stretch the period.
                    lastRenewal = time.nanoTime();
                    try {
                        renewLease(run.id());
                    } catch (RuntimeException e) {
                        // A busy database: the next try comes a third of a lease later, or at the next poll once
                        // the lease may have run out (request threads wait for it then).
                    }
                }
                if (error == null && !graceOver()) {
                    try {
                        // Between renewals: status shows what is in flight now, not as of a third of a lease ago.
                        // Also while a stop waits out its grace: the requests it waits for are in flight, and figures
                        // left to age past WorkerInfo.FIGURES_STALE_AFTER showed the stopping worker as silent, its
                        // requests out of the dashboard's total, for a --grace 30s. Not once the grace is over: a file
                        // another connection holds would make each try wait, and the stop with it.
                        store.storeInFlight(run.id());
                    } catch (RuntimeException e) {
                        // A database that failed: tried again as the writer next wakes; the renewal writes them too.
                    }
                }
                boolean heartbeatDue = time.nanoTime() - lastSave >= settings.heartbeat().toNanos();
                if (error == null && (sinceSave >= settings.saveInterval() || heartbeatDue)) {
                    try {
                        long began = time.nanoTime();
                        lastCursor = store.saveCursor(run.id(), run.elapsedMs() + elapsedMillis(started),
                                RunState.RUNNING);
                        tellIfHeldUp(began);
                        listener.cursorSaved(lastCursor);
                    } catch (RuntimeException e) {
                        fail(e);
                    }
                    sinceSave = 0;
                    lastSave = time.nanoTime();
                }
            }
        }

        /** Stores {@code outcomes} and tells them; returns how many were stored, all but when a write failed. */
        private int persist(List<RecordOutcome> outcomes) {
            boolean[] written;
            long began = time.nanoTime();
            try {
                written = outcomes.size() == 1 ? new boolean[] {persistOne(outcomes.get(0))}
                        : store.saveOutcomes(run.id(), outcomes);
            } catch (OutcomesPartlySavedException e) {
                return partlySaved(outcomes, e);
            } catch (RuntimeException e) {
                fail(e);
                return 0;
            }
            tellIfHeldUp(began);
            tell(outcomes, written);
            return outcomes.size();
        }

        /**
         * Those of {@code outcomes} committed before a write gave up are told and counted as saved (they are: only
         * the rest is asked again next time); the failure ends the run as any failed write does.
         */
        private int partlySaved(List<RecordOutcome> outcomes, OutcomesPartlySavedException e) {
            boolean[] written = e.written();
            tell(outcomes, written);
            fail(e.failure());
            return written.length;
        }

        /** Counts the outcomes written and tells the listener, in order. */
        private void tell(List<RecordOutcome> outcomes, boolean[] written) {
            for (int i = 0; i < written.length; i++) {
                RecordOutcome o = outcomes.get(i);
                if (!written[i]) {
                    listener.answeredByAnother(o.record(), o.isDone() ? o.prediction().timing().attempts()
                            : o.failure().timing().attempts());
                    continue;
                }
                if (o.isDone()) {
                    completed++;
                    listener.recordDone(o.record(), o.prediction());
                } else {
                    failed++;
                    listener.recordFailed(o.record(), o.failure());
                }
            }
        }

        /** As {@link #persist}, the cursor committed with them. */
        private int persistWithCursor(List<RecordOutcome> outcomes) {
            SavedOutcomes saved;
            long began = time.nanoTime();
            try {
                saved = store.saveOutcomesWithCursor(run.id(), outcomes, run.elapsedMs() + elapsedMillis(started),
                        RunState.RUNNING);
            } catch (OutcomesPartlySavedException e) {
                return partlySaved(outcomes, e);
            } catch (RuntimeException e) {
                fail(e);
                return 0;
            }
            tellIfHeldUp(began);
            tell(outcomes, saved.written());
            lastCursor = saved.cursor();
            listener.cursorSaved(lastCursor);
            return outcomes.size();
        }

        /** A write begun at {@code began} that waited for the database is told, so the pace leaves it out. */
        private void tellIfHeldUp(long began) {
            long took = time.nanoTime() - began;
            if (took >= RunListener.HELD_UP.toNanos()) {
                listener.databaseHeldUp(Duration.ofNanos(took));
            }
        }

        private boolean persistOne(RecordOutcome o) {
            return o.isDone()
                    ? store.savePrediction(run.id(), o.record(), o.prediction())
                    : store.saveFailure(run.id(), o.record(), o.failure());
        }

        private void fail(RuntimeException e) {
            error = e;
            // The store's own words (a full disk, a file gone read-only) in the reader's language where it has them.
            stopWith(RunState.FAILED, Phrase.core("run.cannotWrite", e), e);
        }
    }
}
