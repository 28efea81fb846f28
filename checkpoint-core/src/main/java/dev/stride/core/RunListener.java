package dev.stride.core;

import java.time.Duration;

/** What the runner tells whoever watches it. Called from worker and writer threads; keep implementations quick. */
public interface RunListener {

    default void recordDone(InputRecord record, Prediction prediction) {
    }

    default void recordFailed(InputRecord record, FailedPrediction failure) {
    }

    default void retrying(InputRecord record, int attempt, PredictionException cause, Duration delay) {
    }

    default void cursorSaved(Cursor cursor) {
    }

    RunListener NONE = new RunListener() {
    };
}
