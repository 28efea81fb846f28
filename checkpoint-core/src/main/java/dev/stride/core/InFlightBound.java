package dev.stride.core;

import java.util.OptionalInt;
import java.util.concurrent.Semaphore;
import java.util.function.IntSupplier;

/**
 * The runner's bound on its requests in flight: a semaphore of {@code --concurrency N} permits, or, when the
 * predictor learns what its servers take ({@code --concurrency auto}), one whose permits follow that figure, between 1
 * and the run's maximum. Permits taken stay taken when the bound shrinks: the next requests wait until enough are back.
 * A learnt bound also counts the records waiting out a refusal's Retry-After (at most as many again), so that they do
 * not keep the servers below what they take; the predictor holds the woken ones back until a server has room. At 8
 * slots refusing with 429 and Retry-After 1 s, a refused record held one of the 8 slots for a second about once a
 * second, and auto reached 0.82 of the server's capacity (0.87-0.93 with them counted; BENCHMARKS.md).
 *
 * <p>Only the dispatch thread calls {@link #follow()}, so {@link #limit()} changes nowhere else; request threads
 * release permits as with any semaphore.
 */
final class InFlightBound extends Semaphore {
    private static final long serialVersionUID = 1L;

    private final transient Predictor predictor;
    private final transient IntSupplier waitingOutRefusals;
    private final int max;
    private final boolean auto;
    /** Written by the dispatch thread alone; read also by request threads ({@link GivenBackSlots}). */
    private volatile int limit;
    private int learnt;

    private InFlightBound(int limit, int max, boolean auto, Predictor predictor, IntSupplier waitingOutRefusals) {
        super(limit);
        this.limit = limit;
        this.learnt = limit;
        this.max = max;
        this.auto = auto;
        this.predictor = predictor;
        this.waitingOutRefusals = waitingOutRefusals;
    }

    /** The bound a run's settings and predictor call for: fixed unless the predictor learns its own limit. */
    static InFlightBound of(RunnerSettings settings, Predictor predictor) {
        return of(settings, predictor, () -> 0);
    }

    /** @param waitingOutRefusals records waiting out a refusal the learnt limit backed off for, now */
    static InFlightBound of(RunnerSettings settings, Predictor predictor, IntSupplier waitingOutRefusals) {
        OptionalInt learnt = predictor.concurrencyLimit();
        int max = settings.concurrency();
        if (learnt.isEmpty()) {
            return new InFlightBound(max, max, false, predictor, waitingOutRefusals);
        }
        return new InFlightBound(clamp(learnt.getAsInt(), max), max, true, predictor, waitingOutRefusals);
    }

    /**
     * Brings the permits in line with what the servers take now and the records waiting out a refusal; true when the
     * number of permits changed. Dispatch thread only.
     */
    boolean follow() {
        if (!auto) {
            return false;
        }
        learnt = clamp(predictor.concurrencyLimit().orElse(learnt), max);
        // At most doubled: against a server that refuses everything, each record counted would let another be sent,
        // refused and counted, until every claimed record held a thread of its own.
        int want = learnt + Math.min(learnt, waitingOutRefusals.getAsInt());
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

    /** Records held at most now: in flight, or waiting out a refusal. */
    int limit() {
        return limit;
    }

    /** Slots held now: above the limit for a while after it shrank, as the requests out then end. */
    int taken() {
        return limit - availablePermits();
    }

    /** What the servers take now (the learnt limit), or the fixed bound: the figure a user is shown. */
    int learnt() {
        return learnt;
    }

    /** Whether the limit is learnt ({@code --concurrency auto}) rather than fixed. */
    boolean auto() {
        return auto;
    }

    private static int clamp(int value, int max) {
        return Math.max(1, Math.min(max, value));
    }
}
