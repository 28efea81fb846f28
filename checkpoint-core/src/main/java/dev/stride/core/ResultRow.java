package dev.stride.core;

import java.time.Instant;

/**
 * One record of a run with its outcome, in input order.
 * {@code errorKind}, {@code serverModel}, {@code responseId}, {@code rawResponse}, {@code extracted} and
 * {@code outputJson} are null when not stored.
 */
public record ResultRow(
        long seq,
        String id,
        String inputJson,
        RecordStatus status,
        String output,
        String error,
        String finishReason,
        Integer promptTokens,
        Integer completionTokens,
        Long latencyMs,
        Integer attempts,
        Instant finishedAt,
        String errorKind,
        String serverModel,
        String responseId,
        String rawResponse,
        String extracted,
        String outputJson) {

    public ResultRow(long seq, String id, String inputJson, RecordStatus status, String output, String error,
                     String finishReason, Integer promptTokens, Integer completionTokens, Long latencyMs,
                     Integer attempts, Instant finishedAt) {
        this(seq, id, inputJson, status, output, error, finishReason, promptTokens, completionTokens, latencyMs,
                attempts, finishedAt, null, null, null, null, null, null);
    }
}
