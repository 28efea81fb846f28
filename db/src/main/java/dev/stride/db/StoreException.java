package dev.stride.db;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;

/**
 * The checkpoint database cannot be used: it is missing, not SQLite, made by a newer stride, or a statement failed.
 * The message is written for the person running the CLI, which prints it alone, so it names the file and, where
 * there is one, what to do. {@link #getMessage()} is English; {@link #phrase()} puts it in the reader's language.
 */
public final class StoreException extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    public StoreException(Phrase phrase) {
        this(phrase, null);
    }

    public StoreException(Phrase phrase, Throwable cause) {
        super(phrase.english(), cause);
        this.phrase = phrase;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
