package dev.stride.core;

import java.util.Objects;

/** What a {@link Predictor} gives for a prompt: the server's answer, and what the run's output rules took out of it. */
public record Completion(Answer answer, ParsedOutput parsed) {

    public Completion {
        Objects.requireNonNull(answer, "answer");
        parsed = parsed == null ? ParsedOutput.NONE : parsed;
    }

    /** An answer with nothing taken out of it yet. */
    public static Completion of(Answer answer) {
        return new Completion(answer, ParsedOutput.NONE);
    }

    /** This answer with what was taken out of it. */
    public Completion withParsed(ParsedOutput taken) {
        return new Completion(answer, taken);
    }
}
