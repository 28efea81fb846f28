package dev.stride.core;

/**
 * The input cannot be used as it is; the message names the line or field and what to do. Nothing was written.
 * {@link #getMessage()} is English; {@link #phrase()} puts it in the reader's language.
 */
public final class InvalidInputException extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    public InvalidInputException(Phrase phrase) {
        this(phrase, null);
    }

    public InvalidInputException(Phrase phrase, Throwable cause) {
        super(phrase.english(), cause);
        this.phrase = phrase;
    }

    /** The message for a problem on one line of {@code file}: {@code questions.jsonl line 3: is not valid JSON}. */
    static InvalidInputException onLine(String file, long line, Phrase what) {
        return new InvalidInputException(Phrase.core("input.line", file, line, what));
    }

    /** The message for a problem at one place in {@code file}: {@code questions.jsonl line 3, column 9: ...}. */
    static InvalidInputException at(String file, long line, long column, Phrase what) {
        return new InvalidInputException(Phrase.core("input.lineColumn", file, line, column, what));
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
