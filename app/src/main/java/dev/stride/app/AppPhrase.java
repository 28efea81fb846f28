package dev.stride.app;

import dev.stride.core.InvalidSettingException;
import dev.stride.core.Phrase;

/** This module's phrases: keys of {@code dev/stride/app/messages.properties} and its {@code _zh} translation. */
final class AppPhrase {
    /** The base name of the app module's bundle. */
    static final String BUNDLE = "dev.stride.app.messages";

    private AppPhrase() {
    }

    static Phrase of(String key, Object... args) {
        return Phrase.of(BUNDLE, key, args);
    }

    /** A setting that cannot be used, worded by {@code key}. */
    static InvalidSettingException invalid(String key, Object... args) {
        return new InvalidSettingException(of(key, args), null);
    }
}
