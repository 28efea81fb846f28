package dev.stride.db;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Timestamps as stored: UTC text {@code yyyy-MM-dd HH:mm:ss.SSS}. This form sorts as text, reads well in the sqlite3
 * shell and is what SQLite's own date functions take and give ({@code strftime('%Y-%m-%d %H:%M:%f', 'now')}).
 */
final class UtcText {
    private static final DateTimeFormatter WRITE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

    // Also takes the seconds-only form that a hand-written UPDATE in the shell (datetime('now')) would leave.
    private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter(Locale.ROOT);

    private UtcText() {
    }

    static String format(Instant instant) {
        return instant == null ? null : WRITE.format(instant);
    }

    static Instant parse(String text) {
        return text == null ? null : LocalDateTime.parse(text, READ).toInstant(ZoneOffset.UTC);
    }
}
