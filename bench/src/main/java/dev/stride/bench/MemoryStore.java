package dev.stride.bench;

import dev.stride.core.CheckpointStore;
import dev.stride.core.Cursor;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.ResultRow;
import dev.stride.core.RunInfo;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.SyncReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The no-op store of the checkpoint-cost comparison: the same records as {@link Records} makes, generated on demand;
 * an outcome is one bit, a cursor a bit scan. Nothing is written anywhere and memory is one bit per record.
 */
final class MemoryStore implements CheckpointStore {
    private final long total;
    private final BitSet outcomes;
    private long done;
    private long failed;
    private long lowWatermark;

    MemoryStore(long total) {
        this.total = total;
        this.outcomes = new BitSet(Math.toIntExact(total));
    }

    RunInfo run() {
        return info();
    }

    private synchronized RunInfo info() {
        return new RunInfo(1, Bench.MODEL, Bench.MODEL, "http://unused", Records.TEMPLATE, "{}", total, done, failed,
                lowWatermark, 0, Instant.now(), RunState.RUNNING, Instant.now());
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
    public SyncReport syncRun(RunSpec spec, Iterator<InputRecord> input) {
        throw new UnsupportedOperationException("the memory store makes its records itself");
    }

    @Override
    public SyncReport previewSync(RunSpec spec, Iterator<InputRecord> input) {
        return syncRun(spec, input);
    }

    @Override
    public synchronized List<InputRecord> pendingRecords(long runId, long afterSeq, int limit, boolean includeFailed) {
        List<InputRecord> page = new ArrayList<>(limit);
        for (int seq = outcomes.nextClearBit((int) afterSeq + 1); seq < total && page.size() < limit;
             seq = outcomes.nextClearBit(seq + 1)) {
            page.add(Records.record(seq));
        }
        return page;
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
            failed++;
        }
        return true;
    }

    @Override
    public synchronized Cursor saveCursor(long runId, long elapsedMs, RunState state) {
        lowWatermark = outcomes.nextClearBit((int) lowWatermark);
        return new Cursor(Math.min(lowWatermark, total), done, failed, elapsedMs, Instant.now(), state);
    }

    @Override
    public void updateBaseUrl(long runId, String baseUrl) {
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
    public void forEachResult(long runId, Consumer<ResultRow> sink) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
