package dev.stride.core;

import java.time.Instant;

/**
 * The resume cursor as committed: every record with {@code seq < lowWatermark} has a stored outcome, whatever order
 * completions arrived in.
 */
public record Cursor(long lowWatermark, long done, long failed, long elapsedMs, Instant savedAt, RunState state) {
}
