package dev.stride.core;

import java.util.Objects;

/**
 * A record that could not be predicted: out of retries, or refused by the server for good.
 *
 * @param errorKind a short, stable code (e.g. {@code http_400}, {@code timeout}) for grouping in SQL
 * @param error     the message, with the server's own words where it gave any
 */
public record FailedPrediction(String errorKind, String error, Timing timing) {

    public FailedPrediction {
        Objects.requireNonNull(timing, "timing");
    }
}
