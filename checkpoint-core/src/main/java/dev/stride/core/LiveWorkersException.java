package dev.stride.core;

/**
 * A change to a run refused because workers are live on it (a changed input, a clear): their claims, counters and
 * outcomes would go wrong under it. Nothing was written, and the database is fine: the user stops the workers (or
 * waits for them) and asks again. {@link #getMessage()} is English; {@link #phrase()} puts it in the reader's language.
 */
public final class LiveWorkersException extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    public LiveWorkersException(Phrase phrase) {
        super(phrase.english());
        this.phrase = phrase;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
