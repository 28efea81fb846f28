package dev.stride.core;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Predictor} gives for a prompt: the server's answer, and what the run's output rules took out of it.
 *
 * @param latency the request's own time, from sending it to its answer, as the predictor measured it; null when it
 *                measured none (the runner then times the whole call). A predictor that waits before it sends (a
 *                rate limit's pacing, a server at its limit) gives it, lest the wait be stored as the server's time.
 */
public record Completion(Answer answer, ParsedOutput parsed, Duration latency) {

    public Completion {
        Objects.requireNonNull(answer, "answer");
        parsed = parsed == null ? ParsedOutput.NONE : parsed;
    }

    public Completion(Answer answer, ParsedOutput parsed) {
        this(answer, parsed, null);
    }

    /** An answer with nothing taken out of it yet. */
    public static Completion of(Answer answer) {
        return new Completion(answer, ParsedOutput.NONE);
    }

    /** An answer with nothing taken out of it yet, and the time its request took. */
    public static Completion of(Answer answer, Duration latency) {
        return new Completion(answer, ParsedOutput.NONE, latency);
    }

    /** This answer with what was taken out of it. */
    public Completion withParsed(ParsedOutput taken) {
        return new Completion(answer, taken, latency);
    }
}
