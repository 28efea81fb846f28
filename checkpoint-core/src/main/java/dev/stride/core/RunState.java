package dev.stride.core;

import java.util.Locale;

/** Where a run stands, as stored with its cursor. */
public enum RunState {
    /** A process is working on it (or was, until it was killed: the next start simply resumes). */
    RUNNING,
    /** Stopped by Ctrl+C or SIGTERM with its cursor saved. */
    INTERRUPTED,
    /** Stopped by an error that would have failed every request (bad key, unknown model). */
    STOPPED,
    /** Every record has an output. */
    DONE,
    /** Every record was tried; some failed for good (rerun with --retry-failed). */
    DONE_WITH_FAILURES;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunState fromLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
