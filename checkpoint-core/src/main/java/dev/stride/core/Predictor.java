package dev.stride.core;

/** Asks a model for one answer. Called from many threads at once; each call is one attempt (the runner retries). */
public interface Predictor extends AutoCloseable {

    Completion predict(Prompt prompt) throws PredictionException;

    /** Aborts every request in flight; their callers get a {@link PredictionException.Disposition#CANCELLED}. */
    void cancelAll();

    /**
     * The run is stopping: send no new request (one waiting to be sent, e.g. for a rate limit, ends at once as
     * {@link PredictionException.Disposition#CANCELLED}); requests in flight go on. Nothing to do for most.
     */
    default void stopSending() {
    }

    @Override
    void close();
}
