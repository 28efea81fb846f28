package dev.stride.core;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Holds a model's answer against its record's label by one {@link Metric}. Immutable and thread-safe: one scorer
 * serves a whole run, from whichever thread writes its answers.
 *
 * <ul>
 *   <li>{@code exact}: equal once surrounding whitespace is trimmed from both.</li>
 *   <li>{@code normalized}: equal after {@link #normalize(String)}.</li>
 *   <li>{@code contains}: the normalized label occurs in the normalized answer as a whole word or phrase: at its
 *       start or end, or beside a character that is no letter or digit, on each side (an empty label never does);
 *       see {@link #occursAsWhole}.</li>
 *   <li>{@code choice}: see {@link ChoiceReader} for the phrasings and option shapes read.</li>
 *   <li>{@code regex}: the first match of the expression in the answer; its first group when it has one that took
 *       part, else the whole match; trimmed and compared with the trimmed label. No match is unparsed.</li>
 * </ul>
 * A blank answer is unparsed under every metric.
 */
public final class Scorer {
    private static final Pattern INNER_SPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    /** Punctuation and blanks at either end; symbols ($, +, %) stay, since they may be the answer's meaning. */
    private static final String EDGE = "[\\s\\p{P}`]";
    private static final Pattern EDGES = Pattern.compile("^" + EDGE + "+|" + EDGE + "+$",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final boolean[] ASCII_SPACE = asciiMatching(INNER_SPACE);
    private static final boolean[] ASCII_EDGE = asciiMatching(Pattern.compile(EDGE, Pattern.UNICODE_CHARACTER_CLASS));

    private final Metric metric;
    private final Pattern extract;

    private Scorer(Metric metric, Pattern extract) {
        this.metric = metric;
        this.extract = extract;
    }

    /**
     * A scorer for {@code metric}.
     *
     * @param extractRegex the regular expression of {@link Metric#REGEX}; must be null for any other metric
     * @throws InvalidSettingException (an IllegalArgumentException, one line) when REGEX has no expression or one
     *                                 that does not compile, or another metric is given one
     */
    public static Scorer of(Metric metric, String extractRegex) {
        if (metric != Metric.REGEX) {
            if (extractRegex != null) {
                throw new InvalidSettingException(Phrase.core("metric.extractWithoutRegex", metric.id()), null);
            }
            return new Scorer(metric, null);
        }
        if (extractRegex == null || extractRegex.isEmpty()) {
            throw new InvalidSettingException(Phrase.core("metric.regexMissing"), null);
        }
        try {
            return new Scorer(metric, Pattern.compile(extractRegex));
        } catch (PatternSyntaxException e) {
            // getMessage() spans three lines (the pattern and a caret); the description is the one-line reason.
            throw new InvalidSettingException(Phrase.core("metric.regexInvalid", extractRegex,
                    e.getDescription() + (e.getIndex() >= 0 ? " (index " + e.getIndex() + ")" : "")), e);
        }
    }

    public Metric metric() {
        return metric;
    }

    /** The expression of {@link Metric#REGEX}, null for other metrics. */
    public String extractRegex() {
        return extract == null ? null : extract.pattern();
    }

    /**
     * Scores one answer.
     *
     * @param answer     the model's answer text (null or blank: unparsed)
     * @param label      the record's label, as text
     * @param recordJson the input record as JSON, read by {@code choice} for the options it lists; may be null
     */
    public Verdict score(String answer, String label, String recordJson) {
        if (answer == null || answer.isBlank()) {
            return Verdict.unparsed();
        }
        String wanted = label == null ? "" : label;
        return switch (metric) {
            case EXACT -> {
                String a = answer.strip();
                yield new Verdict(a.equals(wanted.strip()), true, a);
            }
            case NORMALIZED -> {
                String a = normalize(answer);
                yield new Verdict(a.equals(normalize(wanted)), true, a);
            }
            case CONTAINS -> {
                String l = normalize(wanted);
                String a = normalize(answer);
                yield new Verdict(!l.isEmpty() && occursAsWhole(a, l), true, a);
            }
            case CHOICE -> choice(answer, wanted, recordJson);
            case REGEX -> regex(answer, wanted);
        };
    }

    /**
     * Whether two labels are one to this metric, each read with its own record as {@link #score} reads it: {@code " B "}
     * and {@code "B"} under every metric but {@code exact}'s own trimming alike, {@code "b"} and {@code "B"} under
     * {@code normalized}, {@code "B"} and {@code "1"} under {@code choice} with options in a list. Labels the metric
     * cannot read ({@code choice} finds no letter) are one when their normalized texts are.
     */
    public boolean sameLabel(String labelA, String recordA, String labelB, String recordB) {
        if (labelA.equals(labelB)) {
            return true;
        }
        return switch (metric) {
            case EXACT, REGEX -> labelA.strip().equals(labelB.strip());
            case NORMALIZED, CONTAINS -> normalize(labelA).equals(normalize(labelB));
            case CHOICE -> {
                String a = ChoiceReader.forRecord(recordA).readLabel(labelA);
                String b = ChoiceReader.forRecord(recordB).readLabel(labelB);
                yield a != null || b != null ? Objects.equals(a, b) : normalize(labelA).equals(normalize(labelB));
            }
        };
    }

    /**
     * Whether {@code label} occurs in {@code answer} with a word boundary on each side: the label "a" is not found in
     * "the answer is b", nor "4" in "14". A boundary is the text's start or end, or a character that is no letter or
     * digit; or a letter of a script written without spaces between words (Chinese, Japanese, Thai, ...), as
     * {@link ChoiceReader} finds an option's text, so that "答案是B" still holds B.
     */
    static boolean occursAsWhole(String answer, String label) {
        for (int at = answer.indexOf(label); at >= 0; at = answer.indexOf(label, at + 1)) {
            int end = at + label.length();
            if ((at == 0 || boundary(answer.codePointBefore(at)))
                    && (end == answer.length() || boundary(answer.codePointAt(end)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean boundary(int codePoint) {
        return !Character.isLetterOrDigit(codePoint)
                || Character.isLetter(codePoint) && !ChoiceReader.spacedLetter(codePoint);
    }

    private static Verdict choice(String answer, String label, String recordJson) {
        ChoiceReader reader = ChoiceReader.forRecord(recordJson);
        String given = reader.read(answer);
        if (given == null) {
            return Verdict.unparsed();
        }
        String expected = reader.readLabel(label);
        return new Verdict(given.equals(expected), true, given);
    }

    private Verdict regex(String answer, String label) {
        Matcher m = extract.matcher(answer);
        if (!m.find()) {
            return Verdict.unparsed();
        }
        String found = m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group();
        String got = found.strip();
        return new Verdict(got.equals(label.strip()), true, got);
    }

    /**
     * The text with full-width and other compatibility forms folded (NFKC: "Ａｓｐｉｒｉｎ，" reads "Aspirin,"),
     * lower case, runs of whitespace made one space, and punctuation and whitespace at either end removed.
     */
    public static String normalize(String text) {
        if (text == null) {
            return "";
        }
        String ascii = normalizeAscii(text);
        return ascii != null ? ascii : normalizeByExpressions(text);
    }

    /** {@link #normalize} as its definition says it, for any text. */
    static String normalizeByExpressions(String text) {
        String t = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        t = INNER_SPACE.matcher(t).replaceAll(" ");
        return EDGES.matcher(t).replaceAll("");
    }

    /**
     * {@link #normalize} of a text all in ASCII, in one pass (NFKC leaves ASCII as it is): a scored run calls it
     * twice per record, and the regular expressions were a quarter of {@code stride compare}'s CPU. Null for any other
     * text. The classes of characters are the expressions' own, read from them once.
     */
    private static String normalizeAscii(String text) {
        int n = text.length();
        int first = 0;
        while (first < n && text.charAt(first) < 128 && ASCII_EDGE[text.charAt(first)]) {
            first++;
        }
        int last = n - 1;
        while (last >= first && text.charAt(last) < 128 && ASCII_EDGE[text.charAt(last)]) {
            last--;
        }
        // A character outside ASCII stops either trimming, so the loop below meets it and gives up.
        StringBuilder out = new StringBuilder(last - first + 1);
        boolean inSpace = false;
        for (int i = first; i <= last; i++) {
            char c = text.charAt(i);
            if (c >= 128) {
                return null;
            }
            if (ASCII_SPACE[c]) {
                if (!inSpace) {
                    out.append(' ');
                }
                inSpace = true;
            } else {
                out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
                inSpace = false;
            }
        }
        return out.toString();
    }

    private static boolean[] asciiMatching(Pattern pattern) {
        boolean[] matching = new boolean[128];
        for (char c = 0; c < 128; c++) {
            matching[c] = pattern.matcher(String.valueOf(c)).matches();
        }
        return matching;
    }
}
