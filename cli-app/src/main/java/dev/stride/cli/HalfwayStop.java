package dev.stride.cli;

import dev.stride.app.Session;
import dev.stride.app.SessionListener;
import dev.stride.core.Cursor;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Joined;
import dev.stride.core.Prediction;
import dev.stride.core.PredictionException;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
        RunListener inner = next.sessionStarted(run);
        return new RunListener() {
            @Override
            public void joined(Joined joined) {
                inner.joined(joined);
            }

            @Override
            public void recordDone(InputRecord record, Prediction prediction) {
                inner.recordDone(record, prediction);
                counted();
            }

            @Override
            public void recordFailed(InputRecord record, FailedPrediction failure) {
                inner.recordFailed(record, failure);
                counted();
            }

            @Override
            public void answeredByAnother(InputRecord record, int attempts) {
                inner.answeredByAnother(record, attempts);
            }

            @Override
            public void retrying(InputRecord record, int attempt, PredictionException cause, Duration delay) {
                inner.retrying(record, attempt, cause, delay);
            }

            @Override
            public void sentAgainAsBusy(InputRecord record, int attempt, PredictionException cause, Duration delay) {
                inner.sentAgainAsBusy(record, attempt, cause, delay);
            }

            @Override
            public void retryNotSent(InputRecord record) {
                inner.retryNotSent(record);
            }

            @Override
            public void retrySent(InputRecord record) {
                inner.retrySent(record);
            }

            @Override
            public void cursorSaved(Cursor cursor) {
                inner.cursorSaved(cursor);
            }
        };
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
