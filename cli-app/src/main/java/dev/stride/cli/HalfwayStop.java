package dev.stride.cli;

import dev.stride.app.BothListeners;
import dev.stride.app.Session;
import dev.stride.app.SessionListener;
import dev.stride.core.Accuracy;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The demo's own stop: passes everything on to the sessions' listener, and asks for a graceful stop, as Ctrl+C would,
 * once {@code limit} outcomes were stored.
 */
final class HalfwayStop implements SessionListener {
    private final SessionListener next;
    private final long limit;
    private final Runnable stop;
    private final AtomicLong outcomes = new AtomicLong();
    private final AtomicBoolean asked = new AtomicBoolean();

    HalfwayStop(SessionListener next, long limit, Runnable stop) {
        this.next = next;
        this.limit = limit;
        this.stop = stop;
    }

    /** Whether this asked for the stop (rather than the person at the keyboard, or nobody). */
    boolean asked() {
        return asked.get();
    }

    @Override
    public void runGone(RunInfo planned) {
        next.runGone(planned);
    }

    @Override
    public RunListener sessionStarted(RunInfo run) {
        // Everything reaches the renderer through BothListeners, which passes on every RunListener method: a copy of
        // its list here missed the in-flight, rate-limit and outage news, so the demo's first session lacked them.
        return new BothListeners(next.sessionStarted(run), new RunListener() {
            @Override
            public void recordDone(InputRecord record, Prediction prediction) {
                counted();
            }

            @Override
            public void recordFailed(InputRecord record, FailedPrediction failure) {
                counted();
            }
        });
    }

    @Override
    public void scoringStarted(RunInfo run, Supplier<Accuracy> soFar) {
        next.scoringStarted(run, soFar);
    }

    @Override
    public void scoringFailed(RunInfo run, RuntimeException e) {
        next.scoringFailed(run, e);
    }

    @Override
    public void sessionEnded(Session session) {
        next.sessionEnded(session);
    }

    private void counted() {
        if (outcomes.incrementAndGet() == limit) {
            asked.set(true);
            stop.run();
        }
    }
}
