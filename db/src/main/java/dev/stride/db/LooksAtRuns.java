package dev.stride.db;

import dev.stride.core.CheckpointStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** A store that reads its runs with their workers (and totals) from one snapshot: {@link RunsLook}, {@link RunLook}. */
interface LooksAtRuns extends CheckpointStore {

    /**
     * Every run with its workers and, given a {@code window}, its totals over it; without one (null) no totals, which
     * cost a look at each run's recent outcomes.
     */
    RunsLook lookAtRuns(Instant now, Duration window);

    /** The run with its workers, totals and report; empty when there is none. */
    Optional<RunLook> lookAtRun(String name, Instant now, Duration window);
}
