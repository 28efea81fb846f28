package dev.stride.core;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/** Asks a model for one answer. Called from many threads at once; each call is one attempt (the runner retries). */
public interface Predictor extends AutoCloseable {

    Completion predict(Prompt prompt) throws PredictionException;

    /**
     * One attempt at {@code cost}'s record, as the runner makes it: the same {@code cost} goes to each attempt of
     * the record. A predictor that sends more than one request per attempt (asks again for an answer it sets aside)
     * counts them there, bounded over the record's attempts; the others need not override this.
     */
    default Completion predict(Prompt prompt, RecordCost cost) throws PredictionException {
        return predict(prompt);
    }

    /**
     * How many requests its servers take now, when the predictor learns that itself from their answers
     * ({@code --concurrency auto}); empty when the run's fixed concurrency rules. Asked often: keep it quick.
     */
    default OptionalInt concurrencyLimit() {
        return OptionalInt.empty();
    }

    /**
     * With a learnt limit ({@link #concurrencyLimit()}) and several servers, each server's own, in the order they were
     * given; empty otherwise. Asked as often as the limit: keep it quick.
     */
    default List<ServerLimit> serverLimits() {
        return List.of();
    }

    /** Aborts every request in flight; their callers get a {@link PredictionException.Disposition#CANCELLED}. */
    void cancelAll();

    /**
     * The run is stopping: send no new request (one waiting to be sent, e.g. for a rate limit, ends at once as
     * {@link PredictionException.Disposition#CANCELLED}); requests in flight go on. Nothing to do for most.
     */
    default void stopSending() {
    }

    /** Requests held back now, before they are sent, to keep within a server's rate limit; 0 for most. */
    default int waitingForRateLimit() {
        return 0;
    }

    /**
     * How long the requests held for a rate limit will still wait on a server's word (a budget it said was spent,
     * until its reset); zero when they wait only for the pace, or none waits.
     */
    default Duration rateLimitHold() {
        return Duration.ZERO;
    }

    @Override
    void close();
}
