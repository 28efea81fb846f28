package dev.stride.app;

import java.util.List;

/**
 * What {@link CheckpointManager#execute} did: a session per run it drove, in order. It goes on to the next run only
 * after one that ended done (with or without failed records).
 *
 * @param stoppedBetweenRuns a stop request came after one session and before the next could start
 */
public record RunResult(List<Session> sessions, boolean stoppedBetweenRuns) {

    public RunResult {
        sessions = List.copyOf(sessions);
    }
}
