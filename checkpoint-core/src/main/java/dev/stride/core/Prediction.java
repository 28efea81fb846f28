package dev.stride.core;

import java.time.Instant;

/** A completed prediction, as stored for its record. Token counts are null when the server did not report them. */
public record Prediction(
        String output,
        String finishReason,
        Integer promptTokens,
        Integer completionTokens,
        long latencyMs,
        int attempts,
        Instant finishedAt) {

    /** The stored form of a server's answer. */
    public static Prediction of(Completion c, long latencyMs, int attempts, Instant finishedAt) {
        return new Prediction(c.text(), c.finishReason(), c.promptTokens(), c.completionTokens(), latencyMs, attempts,
                finishedAt);
    }
}
