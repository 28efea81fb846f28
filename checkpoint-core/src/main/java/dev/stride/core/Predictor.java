package dev.stride.core;

/** Asks a model for one answer. Called from many threads at once; each call is one attempt (the runner retries). */
public interface Predictor extends AutoCloseable {

    Completion predict(Prompt prompt) throws PredictionException;

    /** Aborts every request in flight; their callers get a {@link PredictionException.Disposition#CANCELLED}. */
    void cancelAll();

    @Override
    void close();
}
