package dev.stride.core;

import java.util.Objects;

/**
 * A record that could not be predicted: out of retries, or refused by the server for good.
 *
 * @param errorKind        a short, stable code (e.g. {@code http_400}, {@code timeout}) for grouping in SQL
 * @param error            the message, with the server's own words where it gave any
 * @param promptTokens     the prompt tokens of the answers the server gave for the record all the same (answers set
 *                         aside for not being JSON), summed; null when none said
 * @param completionTokens their completion tokens, likewise
 * @param rawBody          the last of those answers' response body, kept with {@code --keep-raw}; null otherwise
 */
public record FailedPrediction(String errorKind, String error, Timing timing, Integer promptTokens,
                               Integer completionTokens, String rawBody) {

    public FailedPrediction {
        Objects.requireNonNull(timing, "timing");
    }

    /** A failure that no answer came with. */
    public FailedPrediction(String errorKind, String error, Timing timing) {
        this(errorKind, error, timing, null, null, null);
    }
}
