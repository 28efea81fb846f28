package dev.stride.cli;

import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.ShownState;
import dev.stride.core.WorkerInfo;
import dev.stride.db.RunTotals;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The pace of a run that is going now (a worker of it is live, see {@link DbFile#shownState}): outcomes per
 * second over the last minute, and the time left at that pace.
 *
 * @param eta    null when nothing finished within the window
 * @param atMost a live worker retries the run's failures ({@code --retry-failed}) and some are stored: which of them
 *               its rerun has already asked again the database does not say, so {@code eta} is the time to ask the
 *               pending records and every failure, a bound and not an estimate
 */
record LiveRate(double perSecond, Duration eta, boolean atMost) {
    static final Duration WINDOW = Duration.ofSeconds(60);

    /**
     * Null unless the run is live and makes a pace: not while its every live worker waits for its server(s), when the
     * last minute's pace is one it no longer makes.
     */
    static LiveRate of(RunInfo run, boolean workersAllGone, RunTotals totals, Instant now, List<WorkerInfo> workers) {
        if (!RunState.RUNNING.label().equals(ShownState.label(run, workersAllGone, workers, now))) {
            return null;
        }
        double rate = totals.ratePerSecond(now);
        boolean retrying = run.failed() > 0 && workers != null
                && workers.stream().anyMatch(WorkerInfo::retryingFailures);
        long left = run.pending() + (retrying ? run.failed() : 0);
        return new LiveRate(rate, rate > 0 ? Duration.ofMillis((long) (left / rate * 1000)) : null, retrying);
    }

    /** The time left as status shows it: "≤" before a bound; "-" when unknown. */
    String shownEta() {
        return eta == null ? "-" : (atMost ? "≤" : "") + Durations.human(eta.toMillis());
    }
}
