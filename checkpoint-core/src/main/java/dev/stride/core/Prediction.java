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
}
