package dev.stride.db;

import dev.stride.core.Phrase;

/** This module's phrases: keys of {@code dev/stride/db/messages.properties} and its {@code _zh} translation. */
final class DbPhrase {
    /** The base name of the db module's bundle. */
    static final String BUNDLE = "dev.stride.db.messages";

    private DbPhrase() {
    }

    static Phrase of(String key, Object... args) {
        return Phrase.of(BUNDLE, key, args);
    }
}
