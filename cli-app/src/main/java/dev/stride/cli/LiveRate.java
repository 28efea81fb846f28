package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.db.RunTotals;
import java.time.Duration;
import java.time.Instant;

/**
 * The pace of a run that is going now (a worker of it is live, see {@link DbFile#shownState}): outcomes per
 * second over the last minute, and the time left at that pace.
 *
 * @param eta null when nothing finished within the window
 */
record LiveRate(double perSecond, Duration eta) {
    static final Duration WINDOW = Duration.ofSeconds(60);

    /** Null unless the run is live. */
    static LiveRate of(RunInfo run, boolean workersAllGone, RunTotals totals, Instant now) {
        if (!RunState.RUNNING.label().equals(DbFile.shownState(run, workersAllGone, now))) {
            return null;
        }
        double rate = totals.ratePerSecond(now);
        return new LiveRate(rate, rate > 0 ? Duration.ofMillis((long) (run.pending() / rate * 1000)) : null);
    }
}
