package dev.stride.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

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

    /**
     * The label of a running run whose every live worker waits for its server(s) ({@link WorkerInfo#waitsForServer}):
     * not a stored state (the run is stored as running all along), only how status and the dashboard show it, so
     * that they give it no rate and no ETA it does not make while its server is away.
     */
    public static final String WAITING = "waiting";

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

    /**
     * The label a run is shown with: {@link #of}'s, or {@link #WAITING} for a running run whose live workers (at least
     * one) all wait for their server(s) at {@code now}.
     *
     * @param live the run's live workers; null or empty for none known
     */
    public static String label(RunInfo run, boolean workersAllGone, List<WorkerInfo> live, Instant now) {
        RunState state = of(run, workersAllGone, now);
        if (state == RunState.RUNNING && live != null && !live.isEmpty()
                && live.stream().allMatch(WorkerInfo::waitsForServer)) {
            return WAITING;
        }
        return state.label();
    }

    /** Whether the run's cursor is older than {@link #STALE_AFTER} (or was never saved). */
    public static boolean stale(RunInfo run, Instant now) {
        return run.savedAt() == null || run.savedAt().plus(STALE_AFTER).isBefore(now);
    }
}
