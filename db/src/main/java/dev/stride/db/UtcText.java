package dev.stride.db;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Timestamps as stored: UTC text {@code yyyy-MM-dd HH:mm:ss.SSS}. This form sorts as text, reads well in the sqlite3
 * shell and is what SQLite's own date functions take and give ({@code strftime('%Y-%m-%d %H:%M:%f', 'now')}).
 *
 * <p>Every outcome is stamped and every cursor save reads one back, so the usual form is written and read by hand;
 * the formatters below are the definition, and take every other case (years outside 1–9999, the seconds-only form,
 * a date that needs resolving).
 */
final class UtcText {
    private static final DateTimeFormatter WRITE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

    // Also takes the seconds-only form that a hand-written UPDATE in the shell (datetime('now')) would leave. Not ISO
    // 8601's T and Z: the SQL compares times as text (leases, a rerun's start, the pace's window), and a T sorts after
    // every time of its day written with a space, so such a time must be refused, not read.
    private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter(Locale.ROOT);

    private static final int LENGTH = "yyyy-MM-dd HH:mm:ss.SSS".length();

    private UtcText() {
    }

    static String format(Instant instant) {
        if (instant == null) {
            return null;
        }
        long seconds = instant.getEpochSecond();
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400));
        if (day.getYear() < 1 || day.getYear() > 9999) {
            return WRITE.format(instant);
        }
        int second = (int) Math.floorMod(seconds, 86_400);
        byte[] text = new byte[LENGTH];
        digits(text, 0, day.getYear(), 4);
        text[4] = '-';
        digits(text, 5, day.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, day.getDayOfMonth(), 2);
        text[10] = ' ';
        digits(text, 11, second / 3600, 2);
        text[13] = ':';
        digits(text, 14, second / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, second % 60, 2);
        text[19] = '.';
        digits(text, 20, instant.getNano() / 1_000_000, 3);
        return new String(text, StandardCharsets.US_ASCII);
    }

    /**
     * @param column where {@code text} was read, {@code table.column}: a hand edit's time is refused naming it
     */
    static Instant parse(String text, String column) {
        if (text == null) {
            return null;
        }
        if (text.length() == LENGTH && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == ' '
                && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(19) == '.') {
            int year = number(text, 0, 4);
            int month = number(text, 5, 2);
            int day = number(text, 8, 2);
            int hour = number(text, 11, 2);
            int minute = number(text, 14, 2);
            int second = number(text, 17, 2);
            int millis = number(text, 20, 3);
            if ((year | month | day | hour | minute | second | millis) >= 0 && year >= 1) {
                try {
                    return LocalDateTime.of(year, month, day, hour, minute, second, millis * 1_000_000)
                            .toInstant(ZoneOffset.UTC);
                } catch (DateTimeException e) {
                    // Out of range as it stands (Feb 30, hour 24): the formatter resolves it or refuses it.
                }
            }
        }
        try {
            return LocalDateTime.parse(text, READ).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            // Only a hand edit stores such a time; the line names it and the form to write it in.
            throw new StoreException(DbPhrase.of("time.unreadable", text, column), e);
        }
    }

    private static void digits(byte[] into, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            into[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** The decimal number in {@code width} characters at {@code at}; -1 if any is not an ASCII digit. */
    private static int number(String text, int at, int width) {
        int value = 0;
        for (int i = at; i < at + width; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
