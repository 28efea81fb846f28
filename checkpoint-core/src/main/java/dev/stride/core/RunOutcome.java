package dev.stride.core;

/**
 * How a session of a run ended.
 *
 * @param state       how the session left the run: {@link RunState#DONE}, {@link RunState#DONE_WITH_FAILURES},
 *                    {@link RunState#INTERRUPTED} (Ctrl+C, SIGTERM, or records left), {@link RunState#STOPPED} (a
 *                    server refused in a way that would fail every request), {@link RunState#UNREACHABLE} (no server
 *                    could be reached; see {@code outage}) or {@link RunState#FAILED}; never {@link RunState#RUNNING}
 * @param cursor      the last cursor committed (the run's state and counters as stored)
 * @param completed   predictions stored by this session
 * @param failed      failures stored by this session
 * @param stopReason  why the run stopped early (a server refusal, the last failure to reach a server, or an error),
 *                    or null
 * @param error       what broke, for {@link RunState#FAILED}; for {@link RunState#STOPPED}, the server's refusal (a
 *                    {@link PredictionException}, whose kind says which, e.g. {@code http_404}); else null
 * @param outage      for {@link RunState#UNREACHABLE}: since when no server answered, and why; else null
 */
public record RunOutcome(RunState state, Cursor cursor, long total, long completed, long failed, String stopReason,
                         Throwable error, ServerOutage outage) {

    /** An outcome that is not {@link RunState#UNREACHABLE}. */
    public RunOutcome(RunState state, Cursor cursor, long total, long completed, long failed, String stopReason,
                      Throwable error) {
        this(state, cursor, total, completed, failed, stopReason, error, null);
    }
}
