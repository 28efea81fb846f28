package dev.stride.core;

import java.util.Objects;

/** A completed prediction, as stored for its record and read back with it ({@link ResultRow#prediction()}). */
public record Prediction(Answer answer, ParsedOutput parsed, Timing timing) {

    public Prediction {
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(timing, "timing");
        parsed = parsed == null ? ParsedOutput.NONE : parsed;
    }

    /** The stored form of a predictor's completion. */
    public static Prediction of(Completion completion, Timing timing) {
        return new Prediction(completion.answer(), completion.parsed(), timing);
    }
}
