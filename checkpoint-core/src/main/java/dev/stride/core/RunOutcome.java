package dev.stride.core;

/**
 * How a session of a run ended.
 *
 * @param cursor      the last cursor committed (the run's state and counters as stored)
 * @param completed   predictions stored by this session
 * @param failed      failures stored by this session
 * @param stopReason  why the run stopped early (a server refusal or an error), or null
 */
public record RunOutcome(Status status, Cursor cursor, long total, long completed, long failed, String stopReason,
                         Throwable error) {

    public enum Status {
        /** Every record has an output. */
        DONE,
        /** Every record was tried, some failed for good. */
        DONE_WITH_FAILURES,
        /** Ctrl+C or SIGTERM; the cursor is saved. */
        INTERRUPTED,
        /** The server refused in a way that would fail every request (401, 403, unknown model). */
        STOPPED_BY_SERVER,
        /** Something else broke (the disk, the database); the cursor was saved if it could be. */
        FAILED
    }
}
