package dev.stride.core;

import java.time.Instant;
import java.util.List;

/**
 * A stored run: its configuration, its counters and its last saved cursor.
 *
 * @param baseUrls  the base URLs of the servers the run was last served from, in the order given
 * @param truncated done outputs that the token limit cut short (finish reason {@code length})
 * @param shard     the shard of its input the run holds ({@code --shard}), or null for all of it
 * @param outputRulesJson what the run takes out of or requires of every answer ({@code --extract},
 *                  {@code --json-output}, {@code --json-retries}) as canonical JSON, {@code {}} for nothing; null
 *                  for a run made before runs kept them
 * @param stopReason why the run's last session stopped it, while it is stored stopped ({@link StopReason}); null
 *                  otherwise, or for a run stopped before runs kept it
 */
public record RunInfo(
        long id,
        String name,
        String model,
        List<String> baseUrls,
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
        long truncated,
        Shard shard,
        String outputRulesJson,
        StopReason stopReason) {

    public RunInfo {
        baseUrls = List.copyOf(baseUrls);
    }

    /** A run that keeps no reason for a stop: going, done, interrupted, or stopped before runs kept one. */
    public RunInfo(long id, String name, String model, List<String> baseUrls, String template, String paramsJson,
                   long total, long done, long failed, long lowWatermark, long elapsedMs, Instant savedAt,
                   RunState state, Instant createdAt, long truncated, Shard shard, String outputRulesJson) {
        this(id, name, model, baseUrls, template, paramsJson, total, done, failed, lowWatermark, elapsedMs, savedAt,
                state, createdAt, truncated, shard, outputRulesJson, null);
    }

    /** A run that keeps no output rules. */
    public RunInfo(long id, String name, String model, List<String> baseUrls, String template, String paramsJson,
                   long total, long done, long failed, long lowWatermark, long elapsedMs, Instant savedAt,
                   RunState state, Instant createdAt, long truncated, Shard shard) {
        this(id, name, model, baseUrls, template, paramsJson, total, done, failed, lowWatermark, elapsedMs, savedAt,
                state, createdAt, truncated, shard, null);
    }

    /** A run over its whole input. */
    public RunInfo(long id, String name, String model, List<String> baseUrls, String template, String paramsJson,
                   long total, long done, long failed, long lowWatermark, long elapsedMs, Instant savedAt,
                   RunState state, Instant createdAt, long truncated) {
        this(id, name, model, baseUrls, template, paramsJson, total, done, failed, lowWatermark, elapsedMs, savedAt,
                state, createdAt, truncated, null);
    }

    public long pending() {
        return total - done - failed;
    }

    public boolean finished() {
        return pending() == 0;
    }
}
