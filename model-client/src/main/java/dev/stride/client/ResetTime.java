package dev.stride.client;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a rate-limit budget refills, as servers write it in their {@code *-reset*} headers:
 * <ul>
 *   <li>OpenAI, Groq, LiteLLM: a Go duration, {@code 1s}, {@code 6m0s}, {@code 20ms}, {@code 1h2m3.5s};</li>
 *   <li>plain seconds, fractions allowed ({@code 12}, {@code 0.5}); a number too large to be a wait is an epoch
 *       time, in seconds (above 10^9) or milliseconds (above 10^12), as GitHub-style and OpenRouter-style
 *       {@code x-ratelimit-reset} write it;</li>
 *   <li>Anthropic: an RFC 3339 instant ({@code 2026-11-30T21:30:00Z}); an HTTP date is taken too.</li>
 * </ul>
 * A time in the past is a reset that happened: zero. Anything else (junk, negative, a wait beyond a day) is unknown:
 * empty, never an exception.
 */
final class ResetTime {

    /** A budget that refills later than this is not one a run can wait for; the header is taken as junk. */
    static final Duration LONGEST = Duration.ofDays(1);
    private static final Pattern GO_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|h|m|s)");
    private static final Pattern GO_WHOLE = Pattern.compile("(?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:ns|us|µs|ms|h|m|s))+");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d*)?|\\.\\d+");
    private static final double EPOCH_SECONDS = 1e9;
    private static final double EPOCH_MILLIS = 1e12;

    private ResetTime() {
    }

    /** How long from {@code now} until the reset; empty when the value is not one of the forms above. */
    static Optional<Duration> parse(String value, Instant now) {
        if (value == null || value.isBlank() || value.length() > 64) {
            return Optional.empty();
        }
        String v = value.strip();
        if (NUMBER.matcher(v).matches()) {
            double n = Double.parseDouble(v);
            if (n >= EPOCH_MILLIS) {
                return until(Instant.ofEpochMilli((long) n), now);
            }
            if (n >= EPOCH_SECONDS) {
                return until(Instant.ofEpochMilli((long) (n * 1000)), now);
            }
            return plausible(n);
        }
        if (GO_WHOLE.matcher(v).matches()) {
            return plausible(goSeconds(v));
        }
        return instant(v).flatMap(at -> until(at, now));
    }

    private static double goSeconds(String v) {
        double seconds = 0;
        Matcher m = GO_PART.matcher(v);
        while (m.find()) {
            double n = Double.parseDouble(m.group(1));
            seconds += switch (m.group(2)) {
                case "h" -> n * 3600;
                case "m" -> n * 60;
                case "s" -> n;
                case "ms" -> n / 1e3;
                case "us", "µs" -> n / 1e6;
                default -> n / 1e9;
            };
        }
        return seconds;
    }

    private static Optional<Instant> instant(String v) {
        try {
            return Optional.of(OffsetDateTime.parse(v).toInstant());
        } catch (DateTimeParseException e) {
            // not RFC 3339; maybe an HTTP date
        }
        try {
            return Optional.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> until(Instant at, Instant now) {
        Duration d = Duration.between(now, at);
        if (d.isNegative()) {
            return Optional.of(Duration.ZERO);
        }
        return d.compareTo(LONGEST) > 0 ? Optional.empty() : Optional.of(d);
    }

    private static Optional<Duration> plausible(double seconds) {
        if (!(seconds >= 0) || seconds > LONGEST.toSeconds()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(Math.round(seconds * 1e9)));
    }
}
