package dev.stride.bench;

import dev.stride.core.Answer;
import dev.stride.core.AnsweredAlone;
import dev.stride.core.AnsweredPair;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Cursor;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RecordStatus;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.StopReason;
import dev.stride.core.SyncPreview;
import dev.stride.core.SyncReport;
import dev.stride.core.Timing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.time.Duration;
import dev.stride.core.Joined;
import dev.stride.core.WorkerInfo;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The no-op store of the checkpoint-cost comparison: the same records as {@link Records} makes, generated on demand;
 * an outcome is a bit (two for a failure), a cursor a bit scan. Nothing is written anywhere; memory is two bits per
 * record. Outputs are not kept: results list each record with its status only.
 */
final class MemoryStore implements CheckpointStore {
    /** What results show of an outcome whose values were not kept. */
    private static final Timing NOT_KEPT = new Timing(0, 0, Instant.EPOCH);
    private static final Prediction NOT_KEPT_PREDICTION =
            new Prediction(Answer.plain(null, null, null, null), null, NOT_KEPT);
    private static final FailedPrediction NOT_KEPT_FAILURE = new FailedPrediction(null, null, NOT_KEPT);

    private final long total;
    private final BitSet outcomes;
    private final BitSet failures;
    private final BitSet claimed = new BitSet();
    private long done;
    private long failed;
    private long lowWatermark;
    private String inputDigest; // remembered by syncRun

    MemoryStore(long total) {
        this.total = total;
        this.outcomes = new BitSet(Math.toIntExact(total));
        this.failures = new BitSet(Math.toIntExact(total));
    }

    RunInfo run() {
        return info();
    }

    private synchronized RunInfo info() {
        return new RunInfo(1, Bench.MODEL, Bench.MODEL, List.of("http://unused"), Records.TEMPLATE, "{}", total, done,
                failed, lowWatermark, 0, Instant.now(), RunState.RUNNING, Instant.now(), 0);
    }

    @Override
    public Optional<RunInfo> findRun(String name) {
        return Optional.of(info());
    }

    @Override
    public List<RunInfo> listRuns() {
        return List.of(info());
    }

    @Override
    public synchronized Optional<String> inputDigest(String run) {
        return info().name().equals(run) ? Optional.ofNullable(inputDigest) : Optional.empty();
    }

    /**
     * The records are generated, not stored: a sync only checks that the input is as many records as the store
     * makes, and changes nothing but the remembered input.
     */
    @Override
    public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input, Supplier<Optional<String>> inputDigest,
                              boolean dropAnswers) {
        SyncReport report = previewSync(spec, input);
        synchronized (this) {
            this.inputDigest = inputDigest.get().orElse(null);
        }
        return report;
    }

    @Override
    public synchronized SyncPreview previewSync(RunSpec spec, Iterator<InputRecord> input, boolean includeFailed) {
        SyncReport report = previewSync(spec, input);
        for (int seq = 0; seq < total; seq++) {
            if (!outcomes.get(seq) || includeFailed && failures.get(seq)) {
                return new SyncPreview(report, Records.record(seq));
            }
        }
        return new SyncPreview(report, null);
    }

    @Override
    public SyncReport previewSync(RunSpec spec, Iterator<InputRecord> input) {
        long count = 0;
        while (input.hasNext()) {
            input.next();
            count++;
        }
        if (count != total) {
            throw new IllegalArgumentException("the memory store makes " + total + " records; the input has " + count);
        }
        return unchanged();
    }

    @Override
    public synchronized Optional<SyncReport> syncUnchanged(RunSpec spec, String inputDigest) {
        return inputDigest != null && inputDigest.equals(this.inputDigest) ? Optional.of(unchanged()) : Optional.empty();
    }

    /** What a sync of the store's own records reports: nothing changed, and the outcomes so far. */
    private synchronized SyncReport unchanged() {
        return new SyncReport(false, total, 0, 0, 0).withOutcomes(done, failed);
    }

    /** One worker alone: a claim is a set bit until the record's outcome is in. */
    @Override
    public synchronized List<InputRecord> claim(long runId, long afterSeq, int limit, boolean includeFailed) {
        List<InputRecord> page = new ArrayList<>(limit);
        for (int seq = outcomes.nextClearBit((int) afterSeq + 1); seq < total && page.size() < limit;
             seq = outcomes.nextClearBit(seq + 1)) {
            if (!claimed.get(seq)) {
                claimed.set(seq);
                page.add(Records.record(seq));
            }
        }
        return page;
    }

    @Override
    public Joined join(long runId, Duration lease) {
        return new Joined(1, 0);
    }

    @Override
    public boolean renewLease(long runId) {
        return true; // one worker, in memory: nothing takes its claims
    }

    @Override
    public boolean othersAtWork(long runId) {
        return false;
    }

    /** One worker alone: whatever has no outcome and is not claimed would be its own next claim. */
    @Override
    public synchronized boolean leftToOthers(long runId, boolean includeFailed) {
        for (int seq = outcomes.nextClearBit(0); seq < total; seq = outcomes.nextClearBit(seq + 1)) {
            if (!claimed.get(seq)) {
                return true;
            }
        }
        return false;
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
    }

    @Override
    public synchronized boolean savePrediction(long runId, InputRecord record, Prediction prediction) {
        return mark(record, true);
    }

    @Override
    public synchronized boolean saveFailure(long runId, InputRecord record, FailedPrediction failure) {
        return mark(record, false);
    }

    private boolean mark(InputRecord record, boolean ok) {
        int seq = (int) record.seq();
        if (outcomes.get(seq)) {
            return false;
        }
        outcomes.set(seq);
        if (ok) {
            done++;
        } else {
            failures.set(seq);
            failed++;
        }
        return true;
    }

    @Override
    public synchronized Cursor saveCursor(long runId, long elapsedMs, RunState state) {
        lowWatermark = outcomes.nextClearBit((int) lowWatermark);
        return new Cursor(Math.min(lowWatermark, total), done, failed, elapsedMs, Instant.now(), state);
    }

    /** Nothing of a stop is kept: the benchmark measures runs, and nobody asks this store why one stopped. */
    @Override
    public Cursor saveLastCursor(long runId, long elapsedMs, RunState state, StopReason why) {
        return saveCursor(runId, elapsedMs, state);
    }

    @Override
    public void updateBaseUrls(long runId, List<String> baseUrls) {
    }

    @Override
    public void keepOutputRules(long runId, String outputRulesJson) {
    }

    @Override
    public boolean clearRun(String name) {
        return false;
    }

    @Override
    public int clearAll() {
        return 0;
    }

    @Override
    public void requireNoLiveWorkers(List<String> runNames) {
        // Clears nothing, so it has nothing to refuse.
    }

    @Override
    public synchronized void forEachResult(long runId, Consumer<ResultRow> sink) {
        for (long seq = 0; seq < total; seq++) {
            InputRecord r = Records.record(seq);
            int i = (int) seq;
            if (!outcomes.get(i)) {
                sink.accept(ResultRow.pending(seq, r.id(), r.json()));
            } else if (failures.get(i)) {
                sink.accept(new ResultRow(seq, r.id(), r.json(), RecordStatus.FAILED, null, NOT_KEPT_FAILURE));
            } else {
                sink.accept(new ResultRow(seq, r.id(), r.json(), RecordStatus.DONE, NOT_KEPT_PREDICTION, null));
            }
        }
    }

    /** It holds one run, whatever the ids: that run is paired with itself, every answered record with its own. */
    @Override
    public void forEachAnsweredByBoth(long runA, long runB, Consumer<AnsweredPair> sink) {
        forEachResult(runA, row -> {
            if (row.status() == RecordStatus.DONE) {
                String answer = row.prediction().answer().output() == null ? "" : row.prediction().answer().output();
                sink.accept(new AnsweredPair(row.id(), row.seq(), row.inputJson(), answer, row.seq(),
                        row.inputJson(), answer));
            }
        });
    }

    /** Its one run answered nothing that it did not answer. */
    @Override
    public AnsweredAlone answeredAlone(long runId, long other, int examples) {
        return new AnsweredAlone(0, List.of());
    }

    @Override
    public void close() {
    }
}
