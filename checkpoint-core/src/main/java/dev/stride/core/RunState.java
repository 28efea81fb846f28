package dev.stride.core;

/**
 * Where a run stands: as stored with its cursor, and as a session of it ended ({@link RunOutcome#state()}).
 * {@link #label()} is how the store and its views write it; {@link #FAILED} and {@link #UNREACHABLE} are written as
 * {@code stopped}, as every stop that needs a person is, so they read back as {@link #STOPPED}.
 */
public enum RunState {
    /** A process is working on it (or was, until it was killed: the next start simply resumes). */
    RUNNING("running"),
    /** Stopped by Ctrl+C, SIGTERM or SIGHUP with its cursor saved. */
    INTERRUPTED("interrupted"),
    /** Stopped by a server refusal that would have failed every request (bad key, unknown model). */
    STOPPED("stopped"),
    /** Stopped because something else broke (the disk, the database); the cursor was saved if it could be. */
    FAILED("stopped"),
    /**
     * Stopped because no server could be reached: none answered from the start, or one that did went away for longer
     * than the run waits for it. Nothing was marked failed for it; the same command goes on once a server answers.
     */
    UNREACHABLE("stopped"),
    /** Every record has an output. */
    DONE("done"),
    /** Every record was tried; some failed for good (rerun with --retry-failed). */
    DONE_WITH_FAILURES("done_with_failures");

    private final String label;

    RunState(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * The state a stored label stands for; {@code stopped} is {@link #STOPPED}.
     *
     * @throws IllegalArgumentException for a text that is no state's label
     */
    public static RunState fromLabel(String label) {
        for (RunState state : values()) {
            if (state.label.equals(label)) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown run state '" + label + "'");
    }

    /**
     * The state a run is stored with where nobody works on it, in a snapshot or a copy made while it ran: one that
     * was going is interrupted there, as a stop would leave it (no workers are there to make it go on), instead of
     * running with a rate and an ETA until its saved time grows old.
     */
    public RunState withNobodyAtWork() {
        return this == RUNNING ? INTERRUPTED : this;
    }
}
