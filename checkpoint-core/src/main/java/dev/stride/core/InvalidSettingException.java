package dev.stride.core;

/**
 * A setting that cannot be used (an unknown input format, a generation parameter that is not JSON): an
 * {@link IllegalArgumentException} whose message can be put in the reader's language.
 */
public final class InvalidSettingException extends IllegalArgumentException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    public InvalidSettingException(Phrase phrase, Throwable cause) {
        super(phrase.english(), cause);
        this.phrase = phrase;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
