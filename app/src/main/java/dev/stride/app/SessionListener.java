package dev.stride.app;

import dev.stride.core.Accuracy;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import java.util.function.Supplier;

/**
 * Hears {@link CheckpointManager#execute} drive a plan, one run's session after the other: a command line shows a
 * progress bar per session and a summary after it.
 */
@FunctionalInterface
public interface SessionListener {

    /**
     * A session of {@code run} starts sending; the listener returned hears of its outcomes, retries and cursor saves
     * (from worker and writer threads: keep it quick).
     */
    RunListener sessionStarted(RunInfo run);

    /**
     * The session of {@code run} just started ({@link #sessionStarted}) scores each answer as it arrives: the options
     * asked ({@link RunOptions#withScoring}) or the run keeps a way. {@code soFar} reads the accuracy of the run's
     * answers so far, this session's included, from any thread; {@link Session#score()} has the whole run's at its end.
     */
    default void scoringStarted(RunInfo run, Supplier<Accuracy> soFar) {
    }

    /**
     * The scoring of {@code run}'s answers failed: the run goes on unscored, its answers kept, and the next session
     * (or {@code stride score}) scores them.
     */
    default void scoringFailed(RunInfo run, RuntimeException e) {
    }

    /** A session ended, or a run turned out to have nothing to send. */
    default void sessionEnded(Session session) {
    }

    /**
     * A run of the plan was no longer in the database at its turn (cleared, by {@code stride clear}, while the runs
     * before it were driven): it gets no session, and the next run goes on.
     */
    default void runGone(RunInfo planned) {
    }

    /** {@code listener} for every session. */
    static SessionListener of(RunListener listener) {
        return run -> listener;
    }
}
