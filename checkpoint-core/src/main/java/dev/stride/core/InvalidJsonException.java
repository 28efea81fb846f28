package dev.stride.core;

/**
 * JSON that stride was given or had stored cannot be read; the message says what was being read (a parameter, a
 * stored setting, a stored record) and why. An {@link IllegalArgumentException} whose message can be put in the
 * reader's language.
 */
public final class InvalidJsonException extends IllegalArgumentException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    public InvalidJsonException(Phrase phrase, Throwable cause) {
        super(phrase.english(), cause);
        this.phrase = phrase;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
