package dev.stride.core;

/**
 * How a session of a run ended.
 *
 * @param state       how the session left the run: {@link RunState#DONE}, {@link RunState#DONE_WITH_FAILURES},
 *                    {@link RunState#INTERRUPTED} (Ctrl+C, SIGTERM, or records left), {@link RunState#STOPPED} (a
 *                    server refused in a way that would fail every request) or {@link RunState#FAILED}; never
 *                    {@link RunState#RUNNING}
 * @param cursor      the last cursor committed (the run's state and counters as stored)
 * @param completed   predictions stored by this session
 * @param failed      failures stored by this session
 * @param stopReason  why the run stopped early (a server refusal or an error), or null
 * @param error       what broke, for {@link RunState#FAILED}; for {@link RunState#STOPPED}, the server's refusal (a
 *                    {@link PredictionException}, whose kind says which, e.g. {@code http_404}); else null
 */
public record RunOutcome(RunState state, Cursor cursor, long total, long completed, long failed, String stopReason,
                         Throwable error) {
}
