package dev.stride.cli;

/**
 * Something the user can fix; its message is printed as one line and the command exits with {@link #exitCode}. A
 * message made from a {@link Messages.Text} is shown in the reader's language; {@link #getMessage()} is its English.
 */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final transient Messages.Text text;

    UserError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
        this.text = null;
    }

    UserError(int exitCode, Messages.Text text) {
        super(Messages.ENGLISH.get(text));
        this.exitCode = exitCode;
        this.text = text;
    }

    static UserError usage(String message) {
        return new UserError(ExitCodes.USAGE, message);
    }

    /** A bad-usage error whose message is {@code key} of the bundle, in the reader's language. */
    static UserError usageOf(String key, Object... args) {
        return new UserError(ExitCodes.USAGE, Messages.Text.of(key, args));
    }

    /** An error with {@code exitCode} whose message is {@code key} of the bundle, in the reader's language. */
    static UserError of(int exitCode, String key, Object... args) {
        return new UserError(exitCode, Messages.Text.of(key, args));
    }

    int exitCode() {
        return exitCode;
    }

    /** The message in the language of {@code messages}. */
    String message(Messages messages) {
        return text == null ? getMessage() : messages.get(text);
    }
}
