package dev.stride.app;

import java.util.regex.Pattern;

/**
 * What is taken out of every answer: {@code --extract REGEX} keeps its first group (or the whole match) as
 * {@code extracted}; {@code --json-output} requires the answer to be JSON (bare or in a ``` fence) and keeps it parsed,
 * asking again up to {@code jsonRetries} times before the record is stored as failed.
 *
 * @param extract null when nothing is to be extracted
 */
public record OutputRules(Pattern extract, boolean json, int jsonRetries) {
    public static final OutputRules NONE = new OutputRules(null, false, 0);

    public OutputRules {
        if (jsonRetries < 0) {
            throw new IllegalArgumentException("jsonRetries must not be negative");
        }
    }

    boolean any() {
        return extract != null || json;
    }
}
