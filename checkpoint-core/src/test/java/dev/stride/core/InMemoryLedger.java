package dev.stride.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link RunLedger} of one run held in memory, keeping the SQLite store's rules: records in seq order; a done
 * outcome is never replaced, a failed one is; a cursor recomputes the low watermark from the stored one (the first
 * seq at or after it without an outcome) and takes the counters. Any chosen write can be made to fail.
 */
final class InMemoryLedger implements RunLedger {
    static final long RUN_ID = 7;
    static final String RUN_NAME = "test-run";

    /** The writes a test can make fail. */
    enum Write { PREDICTION, FAILURE, CURSOR }

    private final Clock clock;
    private final List<InputRecord> records;
    private final Map<String, Prediction> done = new HashMap<>();
    private final Map<String, FailedPrediction> failed = new HashMap<>();
    private final List<Cursor> cursors = new ArrayList<>();
    private final Map<Write, AtomicInteger> writes = new EnumMap<>(Write.class);
    private final Map<Write, FailingWrite> failing = new EnumMap<>(Write.class);
    private long lowWatermark;
    private long elapsedMs;
    private Instant savedAt;
    private RunState state = RunState.RUNNING;
    private StopReason stopReason;
    private final java.util.Set<String> claimed = new java.util.HashSet<>();
    private final java.util.Set<String> failedBeforeJoin = new java.util.HashSet<>();
    private final List<Integer> claimSizes = new ArrayList<>();
    private int claimsBegun;
    private HeldClaim heldClaim;
    private HeldClaim heldLook;
    private int joins;
    private int renewals;
    private int othersAtWork;
    private int othersAsked;
    private int leftToOthersAsked;
    /** Records a dead worker holds until its lease runs out, which happens as the next look for others begins. */
    private final java.util.Set<String> heldByTheDead = new java.util.HashSet<>();
    /** Records another worker is claiming in a transaction not yet committed: locked to claims, its claims unseen. */
    private final java.util.Set<String> inAnOpenClaim = new java.util.HashSet<>();
    private int left;
    private final List<Integer> batchSizes = new ArrayList<>();
    /** The outcomes stored when each {@link #storeInFlight} came. */
    private final List<Integer> inFlightStoredAt = new ArrayList<>();
    /** The done count of each cursor saved in one call with the outcomes that completed its save interval. */
    private final List<Long> sharedCursors = new ArrayList<>();
    /**
     * The bound a stop put on the store's waits ({@link #waitForServerAtMost}); a new session's listener takes it
     * back, as the real stores do (null: none).
     */
    private volatile Duration waitBound;
    private CountDownLatch held;
    /** Opened once the write {@link #held} stops has begun. */
    private CountDownLatch heldReached = new CountDownLatch(0);

    /** A run of the given records, one JSON object each, with ids {@code r0, r1, ...}. */
    InMemoryLedger(Clock clock, List<String> recordJson) {
        this.clock = clock;
        List<InputRecord> made = new ArrayList<>();
        for (int seq = 0; seq < recordJson.size(); seq++) {
            made.add(new InputRecord(seq, id(seq), seq + 1, recordJson.get(seq), "hash-" + seq));
        }
        this.records = List.copyOf(made);
        for (Write w : Write.values()) {
            writes.put(w, new AtomicInteger());
        }
        this.savedAt = clock.instant();
    }

    /** {@code count} records {@code {"prompt":"q<seq>"}}. */
    static InMemoryLedger withRecords(Clock clock, int count) {
        List<String> json = new ArrayList<>();
        for (int seq = 0; seq < count; seq++) {
            json.add("{\"prompt\":\"q" + seq + "\"}");
        }
        return new InMemoryLedger(clock, json);
    }

    static String id(long seq) {
        return "r" + seq;
    }

    /** Stores outcomes and a cursor as a former session left them; the watermark is taken as given, not checked. */
    synchronized InMemoryLedger given(List<Integer> doneSeqs, List<Integer> failedSeqs, long watermark, long elapsed) {
        for (int seq : doneSeqs) {
            done.put(id(seq), new Prediction(Answer.plain("earlier " + seq, "stop", 1, 1), ParsedOutput.NONE,
                    new Timing(10, 1, clock.instant())));
        }
        for (int seq : failedSeqs) {
            failed.put(id(seq), new FailedPrediction("http_400", "refused earlier", new Timing(10, 1, clock.instant())));
        }
        this.lowWatermark = watermark;
        this.elapsedMs = elapsed;
        this.state = RunState.INTERRUPTED;
        return this;
    }

    /** The {@code nth} write of that kind (from 1) throws {@code error}; the writes before and after it succeed. */
    FailingWrite failOn(Write kind, int nth, RuntimeException error) {
        return chooseFailure(kind, new FailingWrite(nth, error, false));
    }

    /**
     * As {@link #failOn}, but the failing write first waits for {@link FailingWrite#release()}, so that a test can
     * arrange what else is going on when it fails.
     */
    FailingWrite holdThenFail(Write kind, int nth, RuntimeException error) {
        return chooseFailure(kind, new FailingWrite(nth, error, true));
    }

    /** The {@code nth} write of that kind waits for {@link FailingWrite#release()}, then goes on and succeeds. */
    FailingWrite hold(Write kind, int nth) {
        return chooseFailure(kind, new FailingWrite(nth, null, true));
    }

    private synchronized FailingWrite chooseFailure(Write kind, FailingWrite failure) {
        failing.put(kind, failure);
        return failure;
    }

    /** The run as stored now. */
    synchronized RunInfo run() {
        return new RunInfo(RUN_ID, RUN_NAME, "test-model", List.of("http://model.test"), "{{prompt}}", "{}",
                records.size(), done.size(), failed.size(), lowWatermark, elapsedMs, savedAt, state, Instant.EPOCH, 0);
    }

    @Override
    public Optional<RunInfo> findRun(String name) {
        return RUN_NAME.equals(name) ? Optional.of(run()) : Optional.empty();
    }

    @Override
    public synchronized Joined join(long runId, Duration lease) {
        checkRun(runId);
        joins++;
        stopReason = null;
        failedBeforeJoin.clear();
        failedBeforeJoin.addAll(failed.keySet());
        return new Joined(1, 0);
    }

    @Override
    public List<InputRecord> claim(long runId, long afterSeq, int limit, boolean includeFailed) {
        HeldClaim hold;
        synchronized (this) {
            claimsBegun++;
            hold = heldClaim != null && heldClaim.nth == claimsBegun ? heldClaim : null;
        }
        // Held outside the ledger's lock, as a slow database would be: the writer goes on meanwhile.
        if (hold != null) {
            hold.await();
        }
        return claimNow(runId, afterSeq, limit, includeFailed);
    }

    /** The {@code nth} claim (from 1) waits until the test releases it. */
    synchronized HeldClaim holdClaim(int nth) {
        heldClaim = new HeldClaim(nth);
        return heldClaim;
    }

    private synchronized List<InputRecord> claimNow(long runId, long afterSeq, int limit, boolean includeFailed) {
        checkRun(runId);
        List<InputRecord> page = new ArrayList<>();
        for (InputRecord r : records) {
            boolean open = !done.containsKey(r.id()) && !claimed.contains(r.id()) && !heldByTheDead.contains(r.id())
                    && !inAnOpenClaim.contains(r.id())
                    && (!failed.containsKey(r.id()) || includeFailed && failedBeforeJoin.contains(r.id()));
            if (r.seq() > afterSeq && open && page.size() < limit) {
                page.add(r);
                claimed.add(r.id());
            }
        }
        claimSizes.add(page.size());
        return page;
    }

    private List<ServerLimit> serverLimits = List.of();
    private Integer requestsOut;

    @Override
    public synchronized void reportRequestsOut(long runId, int requests) {
        requestsOut = requests;
    }

    /** Each wait for a server told, in order: its start, or null where answers came again. */
    private final List<Instant> serverWaits = new ArrayList<>();

    @Override
    public synchronized void reportServerWait(long runId, Instant since) {
        serverWaits.add(since);
    }

    /** The waits for a server the runner told for status, in order (null: answers came again). */
    synchronized List<Instant> serverWaitsReported() {
        return new ArrayList<>(serverWaits);
    }

    /** The requests out as the runner last reported them for status; null until it did. */
    synchronized Integer requestsOutReported() {
        return requestsOut;
    }

    @Override
    public synchronized void reportInFlight(long runId, int limit, boolean auto, List<ServerLimit> servers) {
        serverLimits = servers;
    }

    /** The servers' own limits last reported, as the store would keep them for status. */
    synchronized List<ServerLimit> serverLimitsReported() {
        return serverLimits;
    }

    @Override
    public synchronized boolean renewLease(long runId) {
        renewals++;
        notifyAll();
        return true;
    }

    @Override
    public boolean othersAtWork(long runId) {
        HeldClaim hold;
        synchronized (this) {
            hold = heldLook;
            heldLook = null;
        }
        // Held outside the ledger's lock, as held claims are.
        if (hold != null) {
            hold.await();
        }
        return answerOthersAtWork();
    }

    /** The next look for other workers (the claiming thread's, once its own requests are over) waits for the test. */
    synchronized HeldClaim holdNextLookForOthers() {
        heldLook = new HeldClaim("the look for other workers");
        return heldLook;
    }

    private synchronized boolean answerOthersAtWork() {
        othersAsked++;
        // The dead worker's lease runs out now: it is not at work, and its records can be claimed again.
        heldByTheDead.clear();
        if (othersAtWork > 0) {
            othersAtWork--;
            return true;
        }
        return false;
    }

    @Override
    public synchronized boolean leftToOthers(long runId, boolean includeFailed) {
        checkRun(runId);
        leftToOthersAsked++;
        return records.stream().map(InputRecord::id).anyMatch(id -> !done.containsKey(id) && !claimed.contains(id)
                && (!failed.containsKey(id) || includeFailed && failedBeforeJoin.contains(id)));
    }

    /**
     * {@code ids} are being claimed by another worker in a transaction still open: this worker's claims skip them
     * (their rows are locked) and its looks for others see no claim of theirs, until {@link #storedByAnotherWorker}.
     */
    synchronized InMemoryLedger inAnotherWorkersOpenClaim(String... ids) {
        inAnOpenClaim.addAll(List.of(ids));
        return this;
    }

    /** The other worker committed its claim of {@code ids} and went on to store their answers. */
    synchronized void storedByAnotherWorker(String... ids) {
        for (String id : ids) {
            inAnOpenClaim.remove(id);
            done.put(id, new Prediction(Answer.plain("another worker's", "stop", 1, 1), ParsedOutput.NONE,
                    new Timing(10, 1, clock.instant())));
        }
        notifyAll();
    }

    synchronized int leftToOthersAsked() {
        return leftToOthersAsked;
    }

    @Override
    public List<WorkerInfo> liveWorkers(long runId) {
        return List.of();
    }

    @Override
    public Optional<WorkerInfo> lastWorker(long runId) {
        return Optional.empty();
    }

    @Override
    public synchronized void leave(long runId) {
        claimed.clear();
        left++;
    }

    /** The next {@code times} questions whether others are at work are answered yes. */
    /**
     * {@code ids} are held by a worker that died, whose lease runs out just after the runner's next claim finds them
     * taken, as its next look for others begins: the window a loaded machine widens between a claim and that look.
     */
    synchronized InMemoryLedger heldByADeadWorkerUntilTheNextLook(String... ids) {
        heldByTheDead.addAll(List.of(ids));
        return this;
    }

    synchronized InMemoryLedger othersAtWorkFor(int times) {
        this.othersAtWork = times;
        return this;
    }

    synchronized int othersAsked() {
        return othersAsked;
    }

    synchronized int renewals() {
        return renewals;
    }

    synchronized int left() {
        return left;
    }

    synchronized List<Integer> claimSizes() {
        return List.copyOf(claimSizes);
    }

    synchronized void awaitRenewals(int count) throws InterruptedException {
        Guard.await(this, () -> renewals >= count, count + " lease renewals, got " + renewals);
    }

    /** Outcomes stored together, as the runner handed them over: the size of each call. */
    synchronized List<Integer> batchSizes() {
        return List.copyOf(batchSizes);
    }

    /** The next write of an outcome waits until the returned latch is opened (the ones after it do not). */
    synchronized CountDownLatch holdNextOutcome() {
        held = new CountDownLatch(1);
        heldReached = new CountDownLatch(1);
        return held;
    }

    /** Waits until the write {@link #holdNextOutcome()} holds has begun: the writer is inside it, waiting. */
    void awaitHeldOutcomeReached() throws InterruptedException {
        CountDownLatch reached;
        synchronized (this) {
            reached = heldReached;
        }
        if (!reached.await(Guard.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the held outcome's write never came");
        }
    }

    @Override
    public boolean[] saveOutcomes(long runId, List<RecordOutcome> outcomes) {
        synchronized (this) {
            batchSizes.add(outcomes.size());
        }
        return RunLedger.super.saveOutcomes(runId, outcomes);
    }

    @Override
    public SavedOutcomes saveOutcomesWithCursor(long runId, List<RecordOutcome> outcomes, long elapsed,
                                                RunState newState) {
        SavedOutcomes saved = RunLedger.super.saveOutcomesWithCursor(runId, outcomes, elapsed, newState);
        synchronized (this) {
            sharedCursors.add(saved.cursor().done());
        }
        return saved;
    }

    synchronized List<Long> sharedCursors() {
        return List.copyOf(sharedCursors);
    }

    private void waitIfHeld() {
        CountDownLatch latch;
        CountDownLatch reached;
        synchronized (this) {
            latch = held;
            held = null;
            reached = heldReached;
        }
        if (latch != null) {
            reached.countDown();
            try {
                if (!latch.await(Guard.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("the held outcome was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean savePrediction(long runId, InputRecord record, Prediction prediction) {
        waitIfHeld();
        failIfChosen(Write.PREDICTION);
        synchronized (this) {
            checkRun(runId);
            if (done.containsKey(record.id())) {
                return false;
            }
            failed.remove(record.id());
            claimed.remove(record.id());
            done.put(record.id(), prediction);
            notifyAll();
            return true;
        }
    }

    @Override
    public boolean saveFailure(long runId, InputRecord record, FailedPrediction failure) {
        failIfChosen(Write.FAILURE);
        synchronized (this) {
            checkRun(runId);
            if (done.containsKey(record.id())) {
                return false;
            }
            failed.put(record.id(), failure);
            claimed.remove(record.id());
            notifyAll();
            return true;
        }
    }

    @Override
    public Cursor saveCursor(long runId, long elapsed, RunState newState) {
        failIfChosen(Write.CURSOR);
        synchronized (this) {
            checkRun(runId);
            long watermark = records.size();
            for (InputRecord r : records) {
                if (r.seq() >= lowWatermark && !done.containsKey(r.id()) && !failed.containsKey(r.id())) {
                    watermark = r.seq();
                    break;
                }
            }
            lowWatermark = watermark;
            elapsedMs = elapsed;
            savedAt = clock.instant();
            // As the SQLite store does: a state is kept by its label, so FAILED reads back as STOPPED.
            state = RunState.fromLabel(newState.label());
            Cursor cursor = new Cursor(lowWatermark, done.size(), failed.size(), elapsedMs, savedAt, state);
            cursors.add(cursor);
            notifyAll();
            return cursor;
        }
    }

    /** As the stores keep it: the reason while the run is stored stopped, none otherwise. */
    @Override
    public Cursor saveLastCursor(long runId, long elapsed, RunState newState, StopReason why) {
        Cursor cursor = saveCursor(runId, elapsed, newState);
        synchronized (this) {
            stopReason = cursor.state() == RunState.STOPPED ? why : null;
        }
        return cursor;
    }

    /** Why the last session stopped the run, as kept with its last cursor; null for none. */
    synchronized StopReason stopReason() {
        return stopReason;
    }

    synchronized Prediction prediction(String recordId) {
        return done.get(recordId);
    }

    synchronized FailedPrediction failure(String recordId) {
        return failed.get(recordId);
    }

    /** Ids of the records without an outcome, in seq order. */
    synchronized List<String> pendingIds() {
        return records.stream().map(InputRecord::id)
                .filter(id -> !done.containsKey(id) && !failed.containsKey(id)).toList();
    }

    synchronized List<Cursor> cursors() {
        return List.copyOf(cursors);
    }

    @Override
    public synchronized void storeInFlight(long runId) {
        checkRun(runId);
        inFlightStoredAt.add(done.size() + failed.size());
        notifyAll();
    }

    /** Waits until the figures are written with {@code outcomes} outcomes stored. */
    synchronized void awaitInFlightStoredAt(int outcomes) throws InterruptedException {
        Guard.await(this, () -> inFlightStoredAt.contains(outcomes),
                "the in-flight figures written with " + outcomes + " outcomes stored, got " + inFlightStoredAt);
    }

    /** For each call of {@link #storeInFlight}, how many outcomes were stored then. */
    synchronized List<Integer> inFlightStoredAt() {
        return List.copyOf(inFlightStoredAt);
    }

    synchronized void awaitOutcomes(int count) throws InterruptedException {
        Guard.await(this, () -> done.size() + failed.size() >= count,
                count + " outcomes stored, got " + (done.size() + failed.size()));
    }

    synchronized void awaitCursors(int count) throws InterruptedException {
        Guard.await(this, () -> cursors.size() >= count, count + " cursors saved, got " + cursors);
    }

    private static void checkRun(long runId) {
        if (runId != RUN_ID) {
            throw new IllegalArgumentException("no run " + runId);
        }
    }

    /** Outside the ledger's lock: a held write must not keep the runner's reads waiting. */
    private void failIfChosen(Write kind) {
        int nth = writes.get(kind).incrementAndGet();
        FailingWrite chosen;
        synchronized (this) {
            chosen = failing.get(kind);
        }
        if (chosen != null && chosen.nth == nth) {
            chosen.fail();
        }
    }

    /** One chosen write that throws, at once or when the test releases it; with no error, it goes on when released. */
    static final class FailingWrite {
        private final int nth;
        private final RuntimeException error;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released;

        private FailingWrite(int nth, RuntimeException error, boolean held) {
            this.nth = nth;
            this.error = error;
            this.released = new CountDownLatch(held ? 1 : 0);
        }

        private void fail() {
            reached.countDown();
            try {
                if (!released.await(Guard.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("the held write was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (error != null) {
                throw error;
            }
        }

        void awaitReached() throws InterruptedException {
            if (!reached.await(Guard.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the chosen write never came");
            }
        }

        void release() {
            released.countDown();
        }
    }

    /** A claim (or another call of the claiming thread) that waits, once it has begun, until the test lets it go on. */
    static final class HeldClaim {
        private final int nth;
        private final String what;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private HeldClaim(int nth) {
            this.nth = nth;
            this.what = "claim " + nth;
        }

        private HeldClaim(String what) {
            this.nth = 0;
            this.what = what;
        }

        private void await() {
            reached.countDown();
            try {
                if (!released.await(Guard.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError(what + ", held, was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitReached() throws InterruptedException {
            if (!reached.await(Guard.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(what + " never began");
            }
        }

        void release() {
            released.countDown();
        }
    }

    @Override
    public synchronized void waitForServerAtMost(Duration within) {
        if (waitBound == null || within.compareTo(waitBound) < 0) {
            waitBound = within;
        }
    }

    @Override
    public synchronized void tellOutagesTo(RunListener listener) {
        if (listener != RunListener.NONE) {
            waitBound = null;
        }
    }

    /** The stop's bound on the store's waits that holds now; null when none does. */
    Duration waitBound() {
        return waitBound;
    }
}
