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
 */
public record Session(RunInfo run, RunOutcome outcome, List<ServerTally> servers, long reaskedForJson,
                      long stoppedTheRun, boolean nothingLeft) {

    public Session {
        servers = List.copyOf(servers);
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
