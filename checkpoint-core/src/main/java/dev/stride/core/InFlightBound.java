package dev.stride.core;

import java.util.OptionalInt;
import java.util.concurrent.Semaphore;

/**
 * The runner's bound on its requests in flight: a semaphore of {@code --concurrency N} permits, or, when the
 * predictor learns what its servers take ({@code --concurrency auto}), one whose permits follow that figure, between 1
 * and the run's maximum. Permits taken stay taken when the bound shrinks: the next requests wait until enough are back.
 *
 * <p>Only the dispatch thread calls {@link #follow()}, so {@link #limit()} changes nowhere else; request threads
 * release permits as with any semaphore.
 */
final class InFlightBound extends Semaphore {
    private static final long serialVersionUID = 1L;

    private final transient Predictor predictor;
    private final int max;
    private final boolean auto;
    private int limit;

    private InFlightBound(int limit, int max, boolean auto, Predictor predictor) {
        super(limit);
        this.limit = limit;
        this.max = max;
        this.auto = auto;
        this.predictor = predictor;
    }

    /** The bound a run's settings and predictor call for: fixed unless the predictor learns its own limit. */
    static InFlightBound of(RunnerSettings settings, Predictor predictor) {
        OptionalInt learnt = predictor.concurrencyLimit();
        int max = settings.concurrency();
        if (learnt.isEmpty()) {
            return new InFlightBound(max, max, false, predictor);
        }
        return new InFlightBound(clamp(learnt.getAsInt(), max), max, true, predictor);
    }

    /** Brings the permits in line with what the servers take now; true when the limit changed. Dispatch thread only. */
    boolean follow() {
        if (!auto) {
            return false;
        }
        int want = clamp(predictor.concurrencyLimit().orElse(limit), max);
        if (want == limit) {
            return false;
        }
        if (want > limit) {
            release(want - limit);
        } else {
            reducePermits(limit - want);
        }
        limit = want;
        return true;
    }

    /** Requests in flight at most now. */
    int limit() {
        return limit;
    }

    /** Whether the limit is learnt ({@code --concurrency auto}) rather than fixed. */
    boolean auto() {
        return auto;
    }

    private static int clamp(int value, int max) {
        return Math.max(1, Math.min(max, value));
    }
}
