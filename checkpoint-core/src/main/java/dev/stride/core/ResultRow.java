package dev.stride.core;

import java.time.Instant;

/** One record of a run with its outcome, in input order; {@code status} is done, failed or pending. */
public record ResultRow(
        long seq,
        String id,
        String inputJson,
        String status,
        String output,
        String error,
        String finishReason,
        Integer promptTokens,
        Integer completionTokens,
        Long latencyMs,
        Integer attempts,
        Instant finishedAt) {
}
