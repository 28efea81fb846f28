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
 *                    {@link PredictionException}, whose kind says which, e.g. {@code http_404}); for
 *                    {@link RunState#INTERRUPTED}, what the database could not do after the stop (a server away that
 *                    the stop waited for no longer), or null when all was saved; else null
 * @param outage      for {@link RunState#UNREACHABLE}: since when no server answered, and why; else null
 * @param unsaved     answers (and failures) received that could not be saved because the database failed; they are
 *                    asked again next time. A number, not words: whoever shows the outcome says it in its language
 * @param stopPhrase  {@code stopReason} as words of stride's own, for whoever shows it in its reader's language; null
 *                    when the reason is another's words (a server's, an error's message)
 */
public record RunOutcome(RunState state, Cursor cursor, long total, long completed, long failed, String stopReason,
                         Throwable error, ServerOutage outage, long unsaved, Phrase stopPhrase) {

    /** An outcome whose stop reason is in English alone (a server's words, an error's message). */
    public RunOutcome(RunState state, Cursor cursor, long total, long completed, long failed, String stopReason,
                      Throwable error, ServerOutage outage, long unsaved) {
        this(state, cursor, total, completed, failed, stopReason, error, outage, unsaved, null);
    }

    /** An outcome whose every answer received was saved. */
    public RunOutcome(RunState state, Cursor cursor, long total, long completed, long failed, String stopReason,
                      Throwable error, ServerOutage outage) {
        this(state, cursor, total, completed, failed, stopReason, error, outage, 0);
    }

    /** An outcome that is not {@link RunState#UNREACHABLE}, whose every answer received was saved. */
    public RunOutcome(RunState state, Cursor cursor, long total, long completed, long failed, String stopReason,
                      Throwable error) {
        this(state, cursor, total, completed, failed, stopReason, error, null);
    }
}
