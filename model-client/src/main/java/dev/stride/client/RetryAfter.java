package dev.stride.client;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads how long a server asks us to wait, following OpenAI's Python client: {@code retry-after-ms} first
 * (milliseconds, fractions allowed), then {@code Retry-After} as seconds (fractions allowed) or as an HTTP date.
 * Only a positive, finite wait counts; zero, negatives, past dates and junk mean "no request".
 * Whether a long wait is honoured is {@link CallFailure}'s business, not the parser's.
 */
final class RetryAfter {

    /** Anything longer is not a plan but garbage (e.g. "99999999999999999999"), and would overflow a Duration. */
    private static final double MAX_PLAUSIBLE_SECONDS = 365.0 * 24 * 3600;

    private RetryAfter() {
    }

    static Optional<Duration> parse(String retryAfterMs, String retryAfter, Instant now) {
        Optional<Duration> fromMs = number(retryAfterMs).flatMap(ms -> positive(ms / 1000.0));
        if (fromMs.isPresent()) {
            return fromMs;
        }
        if (retryAfter == null) {
            return Optional.empty();
        }
        Optional<Double> seconds = number(retryAfter);
        if (seconds.isPresent()) {
            return positive(seconds.get());
        }
        return date(retryAfter, now);
    }

    private static Optional<Double> number(String s) {
        if (s == null || s.isBlank()) {
            return Optional.empty();
        }
        String t = s.strip();
        // Double.parseDouble also takes "NaN", "Infinity" and hex floats: none is a wait.
        if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> positive(double seconds) {
        if (!(seconds > 0) || seconds > MAX_PLAUSIBLE_SECONDS) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(Math.round(seconds * 1e9)));
    }

    private static Optional<Duration> date(String s, Instant now) {
        Instant at;
        try {
            at = ZonedDateTime.parse(s.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        Duration wait = Duration.between(now, at);
        return positive(wait.toMillis() / 1000.0);
    }
}
