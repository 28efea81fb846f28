package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The stored timestamps, written and read by hand, are exactly what the formatters that define them give. */
class UtcTextTest {
    private static final DateTimeFormatter WRITE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter(Locale.ROOT);

    @Test
    void writesWhatTheFormatterWrites() {
        SplittableRandom random = new SplittableRandom(15);
        List<Instant> edges = List.of(Instant.EPOCH, Instant.ofEpochSecond(-1, 999_999_999),
                Instant.parse("0001-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("2024-02-29T12:34:56.789Z"), Instant.parse("1969-12-31T23:59:59.5Z"),
                Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("0000-06-01T00:00:00Z"),
                Instant.parse("-0001-06-01T00:00:00Z"), Instant.now());
        for (Instant t : edges) {
            assertThat(UtcText.format(t)).as("%s", t).isEqualTo(WRITE.format(t));
            assertThat(UtcText.parse(UtcText.format(t), "runs.saved_at")).isEqualTo(readByFormatter(UtcText.format(t)));
        }
        for (int i = 0; i < 200_000; i++) {
            Instant t = Instant.ofEpochSecond(random.nextLong(-62_135_596_800L, 253_402_300_800L),
                    random.nextInt(1_000_000_000));
            String text = UtcText.format(t);
            assertThat(text).isEqualTo(WRITE.format(t));
            assertThat(UtcText.parse(text, "runs.saved_at")).isEqualTo(readByFormatter(text));
        }
        assertThat(UtcText.format(null)).isNull();
    }

    @Test
    void readsWhatTheFormatterReadsAndRefusesWhatItRefuses() {
        List<String> texts = List.of("2026-12-01 03:04:05.678", "2026-12-01 03:04:05", "2026-12-01 03:04:05.6",
                "2026-12-01 03:04:05.123456789", "2026-02-30 00:00:00.000", "2026-02-29 00:00:00.000",
                "2024-02-30 00:00:00.000", "2026-13-01 00:00:00.000", "2026-12-01 24:00:00.000",
                "0000-01-01 00:00:00.000", "0001-01-01 00:00:00.000", "2026-12-01T03:04:05.678",
                "2026-12-01 03:04:05.67x", "20x6-12-01 03:04:05.678", "2026-12-01 03:60:05.678",
                "2026-12-01T03:04:05.678Z", "2026-12-01T03:04:05Z", "2026-12-01 03:04:05.678Z", "yesterday");
        for (String text : texts) {
            Object expected = outcome(() -> readByFormatter(text));
            Object actual = outcome(() -> UtcText.parse(text, "runs.saved_at"));
            assertThat(actual).as(text).isEqualTo(expected == java.time.format.DateTimeParseException.class
                    ? StoreException.class : expected);
        }
        assertThat(UtcText.parse(null, "runs.saved_at")).isNull();
    }

    /**
     * A time a hand edit left in another form (ISO 8601's T and Z, which SQLite's strftime writes too, or words) is
     * refused in one line that names it, the column it is in and the form to write: read, a T time would sort after
     * every other time of its day in the SQL's comparisons.
     */
    @Test
    void aTimeInAnotherFormIsRefusedInOneLineNamingItItsColumnAndTheFormToWrite() {
        assertThat(UtcText.parse("2026-12-06 02:58:29.288", "runs.saved_at"))
                .isEqualTo(Instant.parse("2026-12-06T02:58:29.288Z"));
        for (String text : List.of("2026-12-06T02:58:29.288Z", "yesterday")) {
            assertThat(catchThrowable(() -> UtcText.parse(text, "workers.lease_until")))
                    .isInstanceOf(StoreException.class)
                    .hasMessage("workers.lease_until holds a time stride cannot read, '" + text + "': write its times"
                            + " as UTC text in the form 2026-12-06 03:49:23.683 and run the command again");
        }
    }

    private static Instant readByFormatter(String text) {
        return LocalDateTime.parse(text, READ).toInstant(ZoneOffset.UTC);
    }

    private static Object outcome(java.util.function.Supplier<Instant> read) {
        Throwable t = catchThrowable(read::get);
        return t == null ? read.get() : t.getClass();
    }
}
