package dev.stride.core;

import java.time.Duration;
import java.time.Instant;

/**
 * The state a stored run is shown in: a process killed with kill -9 cannot store that it stopped, so a run stored as
 * running is shown interrupted once nothing is left to go on with it. What tells is, first, its workers: when the
 * store knows workers of the run and none of them is live ({@link RunLedger#workersAllGone}: each process gone from
 * this machine, or, on another machine, its lease run out), it is interrupted at once. A run without workers on
 * record (an older stride's, or a row not yet made) is judged by its cursor alone: not saved for {@link #STALE_AFTER}
 * (a live writer saves it every 5 s), its process died.
 */
public final class ShownState {
    /** A run whose cursor was not saved for this long has no process behind it. */
    public static final Duration STALE_AFTER = Duration.ofSeconds(20);

    private ShownState() {
    }

    /**
     * @param workersAllGone the store knows workers of the run and none is live ({@link RunLedger#workersAllGone})
     */
    public static RunState of(RunInfo run, boolean workersAllGone, Instant now) {
        if (run.state() == RunState.RUNNING && (workersAllGone || stale(run, now))) {
            return RunState.INTERRUPTED;
        }
        return run.state();
    }

    /** Whether the run's cursor is older than {@link #STALE_AFTER} (or was never saved). */
    public static boolean stale(RunInfo run, Instant now) {
        return run.savedAt() == null || run.savedAt().plus(STALE_AFTER).isBefore(now);
    }
}
