package dev.stride.cli;

import dev.stride.app.RunOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;

/**
 * Reads durations as people write them: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, a bare number of seconds,
 * parts together as stride itself prints them ({@code 1m05s}, {@code 1h30m}), or ISO-8601. A negative one is refused
 * as negative, not as unreadable. Each option takes its own range ({@link Within}): a value past it is refused as the
 * command line is parsed, before anything is stored (a 600h --timeout failed only at the first request, the run made).
 */
final class Durations implements ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
    /** Parts from the largest unit down, each at most once: what {@link #human} writes, and what people write. */
    private static final Pattern PARTS = Pattern.compile(
            "(?:(\\d+(?:\\.\\d+)?)h)?(?:(\\d+(?:\\.\\d+)?)m(?!s))?(?:(\\d+(?:\\.\\d+)?)s)?(?:(\\d+(?:\\.\\d+)?)ms)?");

    /** Any duration that is not negative. */
    @Override
    public Duration convert(String value) {
        return within(value, Duration.ZERO, null, "msg.duration.tooSmall");
    }

    /**
     * {@code value} read, from {@code least} to {@code most} (null: no bound); {@code tooSmall} the words for one
     * under {@code least} that is not negative.
     *
     * @throws UnreadableValue naming what is wrong and the bound it passed
     */
    static Duration within(String value, Duration least, Duration most, String tooSmall) {
        Duration d = read(value);
        if (d.isNegative()) {
            throw new UnreadableValue(least.isZero() ? Messages.text("msg.value.negative", value)
                    : Messages.text("msg.duration.negative", value, shortest(least)));
        }
        if (d.compareTo(least) < 0) {
            throw new UnreadableValue(Messages.text(tooSmall, value, shortest(least)));
        }
        if (most != null && d.compareTo(most) > 0) {
            throw new UnreadableValue(Messages.text("msg.duration.tooLarge", value, shortest(most)));
        }
        return d;
    }

    private static Duration read(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        // "-1s" is negative, not unreadable: said as such once the rest reads as a duration (ISO's -PT1S reads itself).
        boolean minus = v.startsWith("-") && !v.startsWith("-p");
        Duration d = unsigned(minus ? v.substring(1).trim() : v);
        if (d == null) {
            throw new UnreadableValue(Messages.text("msg.duration.invalid", value));
        }
        return minus ? d.negated() : d;
    }

    /** {@code v} (trimmed, lower case) read; null when it is no duration. */
    private static Duration unsigned(String v) {
        Matcher m = SIMPLE.matcher(v);
        if (m.matches()) {
            double amount = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis = switch (unit) {
                case "ms" -> amount;
                case "m" -> amount * 60_000;
                case "h" -> amount * 3_600_000;
                default -> amount * 1_000;
            };
            return Duration.ofMillis(Math.round(millis));
        }
        Matcher parts = PARTS.matcher(v.replace(" ", ""));
        if (!v.isEmpty() && parts.matches()) {
            double millis = part(parts, 1) * 3_600_000 + part(parts, 2) * 60_000 + part(parts, 3) * 1_000
                    + part(parts, 4);
            return Duration.ofMillis(Math.round(millis));
        }
        try {
            return Duration.parse(v.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code d} in its largest whole unit, as a person writes a bound: 24h, 1m, 1s, 1ms. */
    static String shortest(Duration d) {
        long millis = d.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** The range of one option's durations: a converter picocli makes by its class, so each range is a class. */
    abstract static class Within implements ITypeConverter<Duration> {
        private final Duration least;
        private final Duration most;
        private final String tooSmall;

        Within(Duration least, Duration most, String tooSmall) {
            this.least = least;
            this.most = most;
            this.tooSmall = tooSmall;
        }

        @Override
        public final Duration convert(String value) {
            return within(value, least, most, tooSmall);
        }
    }

    /** {@code --timeout}: a deadline of at least a millisecond, at most {@link RunOptions#MAX_DURATION}. */
    static final class Timeout extends Within {
        Timeout() {
            super(Duration.ofMillis(1), RunOptions.MAX_DURATION, "msg.duration.tooSmall");
        }
    }

    /** {@code --lease}: from {@link RunOptions#MIN_LEASE} (the app says why) to {@link RunOptions#MAX_DURATION}. */
    static final class Lease extends Within {
        Lease() {
            super(RunOptions.MIN_LEASE, RunOptions.MAX_DURATION, "msg.duration.leaseTooShort");
        }
    }

    /**
     * The other waits, from none to {@link RunOptions#MAX_DURATION}: {@code --grace}, {@code --wait-for-server},
     * {@code --log-every}, the simulator's latencies. A longer one overflowed a clock's nanoseconds or read as no wait.
     */
    static final class UpToADay extends Within {
        UpToADay() {
            super(Duration.ZERO, RunOptions.MAX_DURATION, "msg.duration.tooSmall");
        }
    }

    private static double part(Matcher m, int group) {
        return m.group(group) == null ? 0 : Double.parseDouble(m.group(group));
    }

    static String human(long millis) {
        long s = millis / 1000;
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, (s % 3600) / 60, s % 60);
    }
}
