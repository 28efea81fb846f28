package dev.stride.core;

import java.util.function.Consumer;

/** A run's records with their outcomes, for export and inspection. */
public interface RunResults {

    /** Every record of a run with its outcome, in input order, streamed to {@code sink}. */
    void forEachResult(long runId, Consumer<ResultRow> sink);
}
