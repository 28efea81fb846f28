package dev.stride.core;

/**
 * What was taken out of an answer by the run's output rules.
 *
 * @param extracted what {@code --extract REGEX} matched (its first group, or the whole match), or null
 * @param json      the answer parsed as JSON ({@code --json-output}), compact, or null
 */
public record ParsedOutput(String extracted, String json) {

    /** Nothing taken out: the run has no output rules, or they found nothing. */
    public static final ParsedOutput NONE = new ParsedOutput(null, null);
}
