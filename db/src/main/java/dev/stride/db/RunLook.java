package dev.stride.db;

import dev.stride.core.RunInfo;
import dev.stride.core.RunWorkers;

/**
 * One run with its workers, totals and report, all read from one snapshot, as {@link RunsLook} reads every run: the
 * done count, the answers by server and finish, and each worker's count are of the same moment.
 */
public record RunLook(RunInfo info, RunWorkers workers, RunTotals totals, RunReport report) {
}
