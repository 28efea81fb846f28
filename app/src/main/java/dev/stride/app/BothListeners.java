package dev.stride.app;

import dev.stride.core.Cursor;
import dev.stride.core.DatabaseOutage;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Joined;
import dev.stride.core.Prediction;
import dev.stride.core.PredictionException;
import dev.stride.core.RunListener;
import dev.stride.core.ServerLimit;
import dev.stride.core.ServerOutage;
import java.time.Duration;
import java.util.List;

/**
 * Tells two listeners everything, {@code first} first. Every method of {@link RunListener} is passed on here
 * (cli-app's BothListenersTest fails when the interface gains one this class does not pass on).
 */
public final class BothListeners implements RunListener {
    private final RunListener first;
    private final RunListener second;

    public BothListeners(RunListener first, RunListener second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public void joined(Joined joined) {
        first.joined(joined);
        second.joined(joined);
    }

    @Override
    public void recordDone(InputRecord record, Prediction prediction) {
        first.recordDone(record, prediction);
        second.recordDone(record, prediction);
    }

    @Override
    public void recordFailed(InputRecord record, FailedPrediction failure) {
        first.recordFailed(record, failure);
        second.recordFailed(record, failure);
    }

    @Override
    public void answeredByAnother(InputRecord record, int attempts) {
        first.answeredByAnother(record, attempts);
        second.answeredByAnother(record, attempts);
    }

    @Override
    public void retrying(InputRecord record, int attempt, PredictionException cause, Duration delay) {
        first.retrying(record, attempt, cause, delay);
        second.retrying(record, attempt, cause, delay);
    }

    @Override
    public void sentAgainAsBusy(InputRecord record, int attempt, PredictionException cause, Duration delay) {
        first.sentAgainAsBusy(record, attempt, cause, delay);
        second.sentAgainAsBusy(record, attempt, cause, delay);
    }

    @Override
    public void sentAgainWhileServerAway(InputRecord record, int attempt, PredictionException cause,
                                         Duration delay) {
        first.sentAgainWhileServerAway(record, attempt, cause, delay);
        second.sentAgainWhileServerAway(record, attempt, cause, delay);
    }

    @Override
    public void noAnswerInTime(InputRecord record, PredictionException cause) {
        first.noAnswerInTime(record, cause);
        second.noAnswerInTime(record, cause);
    }

    @Override
    public void failedAtStop(InputRecord record, PredictionException cause) {
        first.failedAtStop(record, cause);
        second.failedAtStop(record, cause);
    }

    @Override
    public void retryNotSent(InputRecord record) {
        first.retryNotSent(record);
        second.retryNotSent(record);
    }

    @Override
    public void retrySent(InputRecord record) {
        first.retrySent(record);
        second.retrySent(record);
    }

    @Override
    public void cursorSaved(Cursor cursor) {
        first.cursorSaved(cursor);
        second.cursorSaved(cursor);
    }

    @Override
    public void serverUnreachable(ServerOutage outage) {
        first.serverUnreachable(outage);
        second.serverUnreachable(outage);
    }

    @Override
    public void serverBack(ServerOutage outage) {
        first.serverBack(outage);
        second.serverBack(outage);
    }

    @Override
    public void databaseUnreachable(DatabaseOutage outage) {
        first.databaseUnreachable(outage);
        second.databaseUnreachable(outage);
    }

    @Override
    public void databaseBack(DatabaseOutage outage) {
        first.databaseBack(outage);
        second.databaseBack(outage);
    }

    @Override
    public void databaseLogPinned(String wal, long bytes) {
        first.databaseLogPinned(wal, bytes);
        second.databaseLogPinned(wal, bytes);
    }

    @Override
    public void databaseHeldUp(Duration waited) {
        first.databaseHeldUp(waited);
        second.databaseHeldUp(waited);
    }

    @Override
    public void processPaused(Duration lasted) {
        first.processPaused(lasted);
        second.processPaused(lasted);
    }

    @Override
    public void inFlightLimit(int limit, boolean auto, List<ServerLimit> servers) {
        first.inFlightLimit(limit, auto, servers);
        second.inFlightLimit(limit, auto, servers);
    }

    @Override
    public void requestsOut(int requests) {
        first.requestsOut(requests);
        second.requestsOut(requests);
    }

    @Override
    public void waitingForRateLimit(int requests) {
        first.waitingForRateLimit(requests);
        second.waitingForRateLimit(requests);
    }

    @Override
    public void rateLimitHold(Duration left) {
        first.rateLimitHold(left);
        second.rateLimitHold(left);
    }

    @Override
    public void waitingToSendAgain(int records) {
        first.waitingToSendAgain(records);
        second.waitingToSendAgain(records);
    }
}
