package dev.stride.core;

import java.util.Objects;

/**
 * A finished record on its way to the store: a completed prediction or a failure, never both. What the runner's writer
 * hands to {@link RunLedger#saveOutcomes} when several have queued up.
 */
public record RecordOutcome(InputRecord record, Prediction prediction, FailedPrediction failure) {

    public RecordOutcome {
        Objects.requireNonNull(record, "record");
        if ((prediction == null) == (failure == null)) {
            throw new IllegalArgumentException("an outcome is a prediction or a failure: " + record.id());
        }
    }

    public static RecordOutcome done(InputRecord record, Prediction prediction) {
        return new RecordOutcome(record, Objects.requireNonNull(prediction, "prediction"), null);
    }

    public static RecordOutcome failed(InputRecord record, FailedPrediction failure) {
        return new RecordOutcome(record, null, Objects.requireNonNull(failure, "failure"));
    }

    public boolean isDone() {
        return prediction != null;
    }
}
