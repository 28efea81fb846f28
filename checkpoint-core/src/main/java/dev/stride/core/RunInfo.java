package dev.stride.core;

import java.time.Instant;
import java.util.List;

/**
 * A stored run: its configuration, its counters and its last saved cursor.
 *
 * @param baseUrls  the base URLs of the servers the run was last served from, in the order given
 * @param truncated done outputs that the token limit cut short (finish reason {@code length})
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
        long truncated) {

    public RunInfo {
        baseUrls = List.copyOf(baseUrls);
    }

    public long pending() {
        return total - done - failed;
    }

    public boolean finished() {
        return pending() == 0;
    }
}
