package dev.stride.core;

import java.util.Objects;

/**
 * One record of a run with its outcome, in input order: a done record has its {@code prediction}, a failed one its
 * {@code failure}, a pending one neither. They are the values the runner stored, read back whole.
 *
 * @param inputJson the record as stored, compact JSON
 */
public record ResultRow(long seq, String id, String inputJson, RecordStatus status, Prediction prediction,
                        FailedPrediction failure) {

    public ResultRow {
        Objects.requireNonNull(status, "status");
        if ((prediction != null) != (status == RecordStatus.DONE)
                || (failure != null) != (status == RecordStatus.FAILED)) {
            throw new IllegalArgumentException("a " + status.label() + " record has "
                    + (prediction != null ? "a prediction" : failure != null ? "a failure" : "no outcome"));
        }
    }

    /** A record without an outcome yet. */
    public static ResultRow pending(long seq, String id, String inputJson) {
        return new ResultRow(seq, id, inputJson, RecordStatus.PENDING, null, null);
    }

    /** The timing of its outcome; null while pending. */
    public Timing timing() {
        return prediction != null ? prediction.timing() : failure != null ? failure.timing() : null;
    }
}
