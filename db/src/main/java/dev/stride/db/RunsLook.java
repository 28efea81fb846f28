package dev.stride.db;

import dev.stride.core.RunInfo;
import dev.stride.core.RunWorkers;
import java.util.List;
import java.util.Map;

/**
 * Every run of a database with its workers and totals, all read from one snapshot: the figures of one
 * {@code stride status} agree with each other while a run goes on writing (read one after the other, a run's done
 * count and its worker's differed by the hundreds of outcomes stored in between).
 *
 * @param workers each run's workers, by run id
 * @param totals  each run's tokens and recent pace, by run name
 */
public record RunsLook(List<RunInfo> runs, Map<Long, RunWorkers> workers, Map<String, RunTotals> totals) {
    public RunsLook {
        runs = List.copyOf(runs);
        workers = Map.copyOf(workers);
        totals = Map.copyOf(totals);
    }
}
