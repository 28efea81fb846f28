package dev.stride.core;

import java.time.Instant;

/**
 * How an outcome came about: a prediction's and a failure's alike.
 *
 * @param latencyMs  how long its last attempt took
 * @param attempts   requests sent for it (0 when none could be made, e.g. the template did not fit the record)
 * @param finishedAt when it was finished
 */
public record Timing(long latencyMs, int attempts, Instant finishedAt) {
}
