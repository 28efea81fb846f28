package dev.stride.core;

import java.util.List;

/**
 * A run's workers as a look at many runs reads them: its live workers ({@link RunLedger#liveWorkers}) and whether its
 * workers on record are all gone ({@link RunLedger#workersAllGone}).
 */
public record RunWorkers(List<WorkerInfo> live, boolean allGone) {
    /** A run with no worker on record. */
    public static final RunWorkers NONE = new RunWorkers(List.of(), false);

    public RunWorkers {
        live = List.copyOf(live);
    }
}
