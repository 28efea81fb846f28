package dev.stride.cli;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;

/**
 * Something the user can fix; its message is printed as one line in the reader's language and the command exits with
 * {@link #exitCode}. {@link #getMessage()} is its English.
 */
final class UserError extends RuntimeException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final transient Phrase phrase;

    UserError(int exitCode, Phrase phrase) {
        super(phrase.english());
        this.exitCode = exitCode;
        this.phrase = phrase;
    }

    /** A bad-usage error whose message is {@code key} of the bundle, in the reader's language. */
    static UserError usageOf(String key, Object... args) {
        return new UserError(ExitCodes.USAGE, Messages.text(key, args));
    }

    /** An error with {@code exitCode} whose message is {@code key} of the bundle, in the reader's language. */
    static UserError of(int exitCode, String key, Object... args) {
        return new UserError(exitCode, Messages.text(key, args));
    }

    int exitCode() {
        return exitCode;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
