package dev.stride.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How an answer is held against its record's label (see {@link Scorer} for what each one forgives). */
public enum Metric {
    /** The answer equals the label once surrounding whitespace is trimmed from both. */
    EXACT,
    /** Equal after {@link Scorer#normalize(String)}: case, inner whitespace, surrounding punctuation, full-width forms. */
    NORMALIZED,
    /** The normalized label occurs in the normalized answer as a whole word or phrase (a word boundary each side). */
    CONTAINS,
    /** Multiple choice: the option letter found in free text, compared with the label's letter. */
    CHOICE,
    /** The first group (or the whole match) of a user's regular expression, compared with the label exactly. */
    REGEX;

    /** The metric used when none is named. */
    public static final Metric DEFAULT = NORMALIZED;

    /** The name the command line takes and the database stores: {@code exact}, {@code normalized}, ... */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The metric named {@code text} (as {@link #id()} gives it; case and surrounding blanks ignored).
     *
     * @throws InvalidSettingException (an IllegalArgumentException) naming the metrics there are
     */
    public static Metric parse(String text) {
        String wanted = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (Metric m : values()) {
            if (m.id().equals(wanted)) {
                return m;
            }
        }
        throw new InvalidSettingException(Phrase.core("metric.unknown", text, ids()), null);
    }

    /** "exact, normalized, contains, choice, regex". */
    public static String ids() {
        return Arrays.stream(values()).map(Metric::id).collect(Collectors.joining(", "));
    }
}
