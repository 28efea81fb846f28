package dev.stride.db;

import dev.stride.core.RunInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The summaries of runs the dashboard has already read (timeline, tokens, finish reasons, errors), so that a run
 * that is not changing is read once, not at every poll of every open page. An entry is found only under the run's
 * counts and the time its cursor was last saved: an outcome stored, a record added by a resume, a cursor saved all
 * change the key, and the next read makes a new summary. The few most recent are kept.
 */
final class SummaryCache {
    static final int SIZE = 16;

    /** Whatever a change of the run changes. */
    record Key(long runId, String created, long total, long done, long failed, String savedAt, String state) {
        static Key of(RunInfo r) {
            return new Key(r.id(), String.valueOf(r.createdAt()), r.total(), r.done(), r.failed(),
                    String.valueOf(r.savedAt()), r.state().label());
        }
    }

    /** The heavy part of a {@link Board.RunDetail}: everything but the run's line and its scoreboard. */
    record Summary(java.util.List<Board.Bucket> timeline, long sampledEvery, long tokensIn, long tokensOut,
                   boolean usageReported, java.util.List<Board.Count> finishReasons,
                   java.util.List<Board.ErrorGroup> errors) {
    }

    interface Reading {
        Summary read();
    }

    private final Map<Key, Summary> entries = new LinkedHashMap<>(SIZE, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Summary> eldest) {
            return size() > SIZE;
        }
    };

    /** The summary under {@code key}, read by {@code reading} when there is none (outside the lock: reads overlap). */
    Summary get(Key key, Reading reading) {
        synchronized (entries) {
            Summary known = entries.get(key);
            if (known != null) {
                return known;
            }
        }
        Summary summary = reading.read();
        synchronized (entries) {
            entries.put(key, summary);
        }
        return summary;
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
