package dev.stride.core;

import java.time.Instant;

/**
 * A completed prediction, as stored for its record. Token counts are null when the server did not report them;
 * the fields after {@code finishedAt} are null when the server sent no such thing (see {@link Completion}).
 */
public record Prediction(
        String output,
        String finishReason,
        Integer promptTokens,
        Integer completionTokens,
        long latencyMs,
        int attempts,
        Instant finishedAt,
        String reasoning,
        String refusal,
        String toolCalls,
        String serverModel,
        String responseId,
        String rawBody,
        String server,
        String extracted,
        String outputJson) {

    public Prediction(String output, String finishReason, Integer promptTokens, Integer completionTokens,
                      long latencyMs, int attempts, Instant finishedAt) {
        this(output, finishReason, promptTokens, completionTokens, latencyMs, attempts, finishedAt, null, null, null,
                null, null, null, null, null, null);
    }

    public Prediction(String output, String finishReason, Integer promptTokens, Integer completionTokens,
                      long latencyMs, int attempts, Instant finishedAt, String reasoning, String refusal,
                      String toolCalls, String serverModel, String responseId, String rawBody, String server) {
        this(output, finishReason, promptTokens, completionTokens, latencyMs, attempts, finishedAt, reasoning, refusal,
                toolCalls, serverModel, responseId, rawBody, server, null, null);
    }

    /** The stored form of a server's answer. */
    public static Prediction of(Completion c, long latencyMs, int attempts, Instant finishedAt) {
        return new Prediction(c.text(), c.finishReason(), c.promptTokens(), c.completionTokens(), latencyMs, attempts,
                finishedAt, c.reasoning(), c.refusal(), c.toolCalls(), c.serverModel(), c.responseId(), c.rawBody(),
                c.server(), c.extracted(), c.outputJson());
    }
}
