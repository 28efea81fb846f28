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
 * @param eta    null when nothing finished within the window
 * @param atMost the run has nothing pending but failures, so it is being run again with {@code --retry-failed}:
 *               which failures that rerun has already asked again is the worker's to know, not the database's, so
 *               {@code eta} is the time to ask all of them, a bound and not an estimate
 */
record LiveRate(double perSecond, Duration eta, boolean atMost) {
    static final Duration WINDOW = Duration.ofSeconds(60);

    /** Null unless the run is live. */
    static LiveRate of(RunInfo run, boolean workersAllGone, RunTotals totals, Instant now) {
        if (!RunState.RUNNING.label().equals(DbFile.shownState(run, workersAllGone, now))) {
            return null;
        }
        double rate = totals.ratePerSecond(now);
        boolean retrying = run.pending() == 0 && run.failed() > 0;
        long left = retrying ? run.failed() : run.pending();
        return new LiveRate(rate, rate > 0 ? Duration.ofMillis((long) (left / rate * 1000)) : null, retrying);
    }

    /** The time left as status shows it: "≤" before a bound; "-" when unknown. */
    String shownEta() {
        return eta == null ? "-" : (atMost ? "≤" : "") + Durations.human(eta.toMillis());
    }
}
