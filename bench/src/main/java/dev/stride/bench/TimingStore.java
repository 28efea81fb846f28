package dev.stride.bench;

import dev.stride.core.AnsweredAlone;
import dev.stride.core.AnsweredPair;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Cursor;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Joined;
import dev.stride.core.Prediction;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.StopReason;
import dev.stride.core.SyncPreview;
import dev.stride.core.SyncReport;
import dev.stride.core.WorkerInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Times the writer thread's calls on a store: each prediction's commit, each cursor commit, how long an outcome waited
 * in the writer's queue (from its {@code finishedAt}, stamped by the request thread as it hands the outcome over, to
 * the start of its commit), and how busy the writer was.
 */
final class TimingStore implements CheckpointStore {
    private final CheckpointStore store;
    final Histogram commitNanos = new Histogram();
    final Histogram cursorNanos = new Histogram();
    final Histogram queueMicros = new Histogram();
    final Histogram pageNanos = new Histogram();

    TimingStore(CheckpointStore store) {
        this.store = store;
    }

    /** Time the writer spent in commits (predictions and cursors). */
    long writerBusyNanos() {
        return commitNanos.sum() + cursorNanos.sum();
    }

    @Override
    public boolean savePrediction(long runId, InputRecord record, Prediction prediction) {
        long t0 = System.nanoTime();
        Instant handedOver = prediction.timing().finishedAt();
        queueMicros.add(Math.max(0, Duration.between(handedOver, Instant.now()).toNanos() / 1000));
        boolean saved = store.savePrediction(runId, record, prediction);
        commitNanos.add(System.nanoTime() - t0);
        return saved;
    }

    @Override
    public boolean saveFailure(long runId, InputRecord record, FailedPrediction failure) {
        long t0 = System.nanoTime();
        boolean saved = store.saveFailure(runId, record, failure);
        commitNanos.add(System.nanoTime() - t0);
        return saved;
    }

    @Override
    public Cursor saveCursor(long runId, long elapsedMs, RunState state) {
        long t0 = System.nanoTime();
        Cursor c = store.saveCursor(runId, elapsedMs, state);
        synchronized (cursorNanos) {
            cursorNanos.add(System.nanoTime() - t0);
        }
        return c;
    }

    @Override
    public Cursor saveLastCursor(long runId, long elapsedMs, RunState state, StopReason why) {
        long t0 = System.nanoTime();
        Cursor c = store.saveLastCursor(runId, elapsedMs, state, why);
        synchronized (cursorNanos) {
            cursorNanos.add(System.nanoTime() - t0);
        }
        return c;
    }

    @Override
    public List<InputRecord> claim(long runId, long afterSeq, int limit, boolean includeFailed) {
        long t0 = System.nanoTime();
        List<InputRecord> page = store.claim(runId, afterSeq, limit, includeFailed);
        pageNanos.add(System.nanoTime() - t0);
        return page;
    }

    @Override
    public Joined join(long runId, Duration lease) {
        return store.join(runId, lease);
    }

    @Override
    public boolean renewLease(long runId) {
        return store.renewLease(runId);
    }

    @Override
    public boolean stillClaimed(long runId, String recordId) {
        return store.stillClaimed(runId, recordId);
    }

    @Override
    public boolean othersAtWork(long runId) {
        return store.othersAtWork(runId);
    }

    @Override
    public boolean leftToOthers(long runId, boolean includeFailed) {
        return store.leftToOthers(runId, includeFailed);
    }

    @Override
    public List<WorkerInfo> liveWorkers(long runId) {
        return store.liveWorkers(runId);
    }

    @Override
    public Optional<WorkerInfo> lastWorker(long runId) {
        return store.lastWorker(runId);
    }

    @Override
    public boolean workersAllGone(long runId) {
        return store.workersAllGone(runId);
    }

    @Override
    public void leave(long runId) {
        store.leave(runId);
    }

    @Override
    public void tellOutagesTo(RunListener listener) {
        store.tellOutagesTo(listener);
    }

    @Override
    public void waitForServerAtMost(Duration within) {
        store.waitForServerAtMost(within);
    }

    @Override
    public java.time.Clock clock() {
        return store.clock();
    }

    @Override
    public Optional<RunInfo> findRun(String name) {
        return store.findRun(name);
    }

    @Override
    public List<RunInfo> listRuns() {
        return store.listRuns();
    }

    @Override
    public Optional<String> inputDigest(String run) {
        return store.inputDigest(run);
    }

    @Override
    public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> inputDigest,
                              boolean dropAnswers) {
        return store.syncRun(spec, input, inputDigest, dropAnswers);
    }

    @Override
    public SyncReport syncRunAsWorker(RunSpec spec, Iterator<InputRecord> input,
                                      Supplier<Optional<String>> inputDigest, boolean dropAnswers, Duration lease) {
        return store.syncRunAsWorker(spec, input, inputDigest, dropAnswers, lease);
    }

    @Override
    public Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest) {
        return store.syncUnchanged(spec, inputDigest);
    }

    @Override
    public Optional<SyncReport> syncUnchangedAsWorker(RunSpec spec, String inputDigest, Duration lease) {
        return store.syncUnchangedAsWorker(spec, inputDigest, lease);
    }

    @Override
    public SyncPreview previewSync(RunSpec spec, Iterator<InputRecord> input, boolean includeFailed) {
        return store.previewSync(spec, input, includeFailed);
    }

    @Override
    public void updateBaseUrls(long runId, List<String> baseUrls) {
        store.updateBaseUrls(runId, baseUrls);
    }

    @Override
    public void keepOutputRules(long runId, String outputRulesJson) {
        store.keepOutputRules(runId, outputRulesJson);
    }

    @Override
    public boolean clearRun(String name) {
        return store.clearRun(name);
    }

    @Override
    public int clearAll() {
        return store.clearAll();
    }

    @Override
    public void requireNoLiveWorkers(List<String> runNames) {
        store.requireNoLiveWorkers(runNames);
    }

    @Override
    public void forEachResult(long runId, Consumer<ResultRow> sink) {
        store.forEachResult(runId, sink);
    }

    @Override
    public void forEachAnsweredByBoth(long runA, long runB, Consumer<AnsweredPair> sink) {
        store.forEachAnsweredByBoth(runA, runB, sink);
    }

    @Override
    public AnsweredAlone answeredAlone(long runId, long other, int examples) {
        return store.answeredAlone(runId, other, examples);
    }

    @Override
    public void close() {
        store.close();
    }
}
