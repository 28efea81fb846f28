package dev.stride.db;

import dev.stride.core.RunInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The summaries of runs the dashboard has already read (timeline, tokens, finish reasons, errors), so that a run
 * that is not changing is read once, not at every poll of every open page. A summary is found under the run's counts
 * and the time its cursor was last saved: an outcome stored, a record added by a resume, a cursor saved all change
 * the key, and the next read makes a new summary.
 *
 * <p>One exception keeps a large run that is being written from costing a pass over its outcomes at every poll: when
 * the run has more than {@code reuseAbove} outcomes (its timeline is sampled anyway), the summary of an older key of
 * the same run is given again until {@link #REUSE_FACTOR} times the time its reading took has passed. Reading then
 * takes at most about a sixth of the server's time however often pages poll; the run's line (counts, state, pace) is
 * read fresh at every call and is never stale. A run of fewer outcomes is always read at its exact key.
 */
final class SummaryCache {
    static final int SIZE = 16;
    static final int REUSE_FACTOR = 5;

    /** Whatever a change of the run changes. */
    record Key(long runId, String created, long total, long done, long failed, String savedAt, String state) {
        static Key of(RunInfo r) {
            return new Key(r.id(), String.valueOf(r.createdAt()), r.total(), r.done(), r.failed(),
                    String.valueOf(r.savedAt()), r.state().label());
        }

        boolean sameRun(Key other) {
            return runId == other.runId && created.equals(other.created);
        }
    }

    /** The heavy part of a {@link Board.RunDetail}: everything but the run's line and its scoreboard. */
    record Summary(List<Board.Bucket> timeline, long sampledEvery, long tokensIn, long tokensOut,
                   boolean usageReported, List<Board.Count> finishReasons, List<Board.ErrorGroup> errors) {
    }

    interface Reading {
        Summary read();
    }

    private record Entry(Key key, Summary summary, long readAt, long cost) {
    }

    private final long reuseAbove;
    private final LongSupplier nanos;
    /** The latest summary of each run, by run id; the least recently used run goes first. */
    private final Map<Long, Entry> entries = new LinkedHashMap<>(SIZE, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
            return size() > SIZE;
        }
    };

    SummaryCache(long reuseAbove, LongSupplier nanos) {
        this.reuseAbove = reuseAbove;
        this.nanos = nanos;
    }

    /** The summary under {@code key}, read by {@code reading} when there is none (outside the lock: reads overlap). */
    Summary get(Key key, Reading reading) {
        long now = nanos.getAsLong();
        synchronized (entries) {
            Entry known = entries.get(key.runId());
            if (known != null && (known.key().equals(key) || (known.key().sameRun(key)
                    && key.done() + key.failed() > reuseAbove && now - known.readAt() < REUSE_FACTOR * known.cost()))) {
                return known.summary();
            }
        }
        Summary summary = reading.read();
        long cost = nanos.getAsLong() - now;
        synchronized (entries) {
            entries.put(key.runId(), new Entry(key, summary, now, cost));
        }
        return summary;
    }
}
