package dev.stride.db;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;

/**
 * A copy or merge that would mix runs up (a run already in the destination, a missing or doubled shard, shards of
 * different settings) and so wrote nothing. Unlike a {@link StoreException} the databases are fine: the user names
 * other files or runs.
 */
public final class TransferRefusedException extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    TransferRefusedException(Phrase phrase) {
        super(phrase.english());
        this.phrase = phrase;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
