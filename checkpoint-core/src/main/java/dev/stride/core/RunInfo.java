package dev.stride.core;

import java.time.Instant;

/**
 * A stored run: its configuration, its counters and its last saved cursor.
 *
 * @param baseUrl   the server base URL, or several separated by spaces
 * @param truncated done outputs that the token limit cut short (finish reason {@code length})
 */
public record RunInfo(
        long id,
        String name,
        String model,
        String baseUrl,
        String template,
        String paramsJson,
        long total,
        long done,
        long failed,
        long lowWatermark,
        long elapsedMs,
        Instant savedAt,
        RunState state,
        Instant createdAt,
        long truncated) {

    public RunInfo(long id, String name, String model, String baseUrl, String template, String paramsJson, long total,
                   long done, long failed, long lowWatermark, long elapsedMs, Instant savedAt, RunState state,
                   Instant createdAt) {
        this(id, name, model, baseUrl, template, paramsJson, total, done, failed, lowWatermark, elapsedMs, savedAt,
                state, createdAt, 0);
    }

    public long pending() {
        return total - done - failed;
    }

    public boolean finished() {
        return pending() == 0;
    }
}
