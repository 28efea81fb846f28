package dev.stride.core;

import java.time.Instant;

/** A stored run: its configuration, its counters and its last saved cursor. */
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
        Instant createdAt) {

    public long pending() {
        return total - done - failed;
    }

    public boolean finished() {
        return pending() == 0;
    }
}
