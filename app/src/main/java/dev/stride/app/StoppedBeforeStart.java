package dev.stride.app;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;

/**
 * A stop request came while {@link CheckpointManager#plan} was still reading (or hashing) the input: nothing was
 * written, and the same request again starts afresh. {@link #getMessage()} is English; {@link #phrase()} puts it in
 * the reader's language.
 */
public final class StoppedBeforeStart extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    StoppedBeforeStart() {
        this(AppPhrase.of("run.stoppedBeforeStart"));
    }

    private StoppedBeforeStart(Phrase phrase) {
        super(phrase.english());
        this.phrase = phrase;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
