package dev.stride.core;

import java.util.function.Consumer;

/** A run's records with their outcomes, for export and inspection. */
public interface RunResults {

    /** Every record of a run with its outcome, in input order, streamed to {@code sink}. */
    void forEachResult(long runId, Consumer<ResultRow> sink);

    /**
     * The records both runs answered, paired by record id, in run A's input order, streamed to {@code sink}: a store
     * pairs them itself and reads a page at a time, so that memory does not grow with the runs.
     */
    void forEachAnsweredByBoth(long runA, long runB, Consumer<AnsweredPair> sink);

    /**
     * The records {@code runId} answered that {@code other} has not: how many, and the first {@code examples} ids in
     * {@code runId}'s input order.
     */
    AnsweredAlone answeredAlone(long runId, long other, int examples);
}
