package dev.stride.app;

import dev.stride.core.Cursor;
import dev.stride.core.RunInfo;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import java.util.List;

/**
 * One run's session as {@link CheckpointManager#execute} drove it.
 *
 * @param run         the run as it stood when the session began
 * @param outcome     how the session ended
 * @param servers     how each server fared (empty when nothing was sent)
 * @param reaskedForJson requests sent again because the answer was not JSON ({@code --json-retries}); among the
 *                    stored attempts of their records
 * @param stoppedTheRun requests answered with a refusal that stopped the run (401, 404...); their records are not
 *                    stored, so the next session asks for them again
 * @param nothingLeft the run had nothing to send, so no request went out; {@code outcome} is then its stored cursor
 * @param score       the whole run's accuracy from its stored scores once the session ended, for a run scored as its
 *                    answers arrive ({@link RunOptions#withScoring}, or the way the run keeps); null for a run not
 *                    scored, or when its scoring failed ({@link SessionListener#scoringFailed})
 */
public record Session(RunInfo run, RunOutcome outcome, List<ServerTally> servers, long reaskedForJson,
                      long stoppedTheRun, boolean nothingLeft, ScoreReport score) {

    public Session {
        servers = List.copyOf(servers);
    }

    /** A session whose answers were not scored. */
    public Session(RunInfo run, RunOutcome outcome, List<ServerTally> servers, long reaskedForJson,
                   long stoppedTheRun, boolean nothingLeft) {
        this(run, outcome, servers, reaskedForJson, stoppedTheRun, nothingLeft, null);
    }

    /** This session with the run's accuracy at its end. */
    Session scored(ScoreReport report) {
        return new Session(run, outcome, servers, reaskedForJson, stoppedTheRun, nothingLeft, report);
    }

    /** A run with nothing to send: it ends as it is stored, done or done with failures. */
    static Session nothingLeft(RunInfo run) {
        Cursor stored = new Cursor(run.lowWatermark(), run.done(), run.failed(), run.elapsedMs(), run.savedAt(),
                run.state());
        RunState state = run.failed() > 0 ? RunState.DONE_WITH_FAILURES : RunState.DONE;
        return new Session(run, new RunOutcome(state, stored, run.total(), 0, 0, null, null), List.of(), 0, 0,
                true);
    }
}
