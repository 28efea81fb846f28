package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.app.Comparison;
import dev.stride.core.Metric;
import dev.stride.core.PairedOutcomes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ComparisonTextTest {
    /** A comparison of a few thousand records, as a user's: every count past a thousand grouped, in both languages. */
    private static final Comparison THOUSANDS = new Comparison("tuned", "base", Metric.CHOICE, "answer",
            new PairedOutcomes(1333, 1064, 324, 1261), 6, 4, 1200, 2500, List.of("q1"), List.of("q2"), 1500,
            List.of("q3"), 0, List.of());

    private static String report(Messages m) {
        StringWriter text = new StringWriter();
        ComparisonText.print(THOUSANDS, null, 0, m, new PrintWriter(text, true));
        return text.toString();
    }

    @Test
    void countsPastAThousandAreGroupedInEveryLineAsTheRestOfStrideGroupsThem() {
        String en = report(Messages.ENGLISH);
        assertThat(en).contains("on the 3,982 records both answered", "2,397/3,982 right", "1,657/3,982 right",
                "Both right 1,333, only A right 1,064, only B right 324, both wrong 1,261",
                "1,200 records answered only by 'tuned'", "2,500 only by 'base'", "1,500 records with no label");
        assertThat(en).doesNotContainPattern("(?<![\\d.,])\\d{4}");
        String zh = report(Messages.of(Locale.CHINESE));
        assertThat(zh).contains("答对 2,397/3,982", "两者都对 1,333", "未比较：1,200 条").doesNotContainPattern("(?<![\\d.,])\\d{4}");
    }
}
