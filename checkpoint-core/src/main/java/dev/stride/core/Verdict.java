package dev.stride.core;

/**
 * One answer held against its label.
 *
 * @param correct   whether the answer counts as right
 * @param parsed    false when the answer held no recognisable answer (blank; no choice or two different ones; the
 *                  regular expression did not match): such a verdict is never correct and is listed as unparsed
 * @param extracted what was compared with the label (the choice letter, the regex's group, the normalized answer);
 *                  null when nothing was parsed
 */
public record Verdict(boolean correct, boolean parsed, String extracted) {

    public Verdict {
        if (correct && !parsed) {
            throw new IllegalArgumentException("an unparsed answer cannot be correct");
        }
    }

    static Verdict unparsed() {
        return new Verdict(false, false, null);
    }
}
