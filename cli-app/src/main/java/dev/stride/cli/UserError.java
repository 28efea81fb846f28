package dev.stride.cli;

/** Something the user can fix; its message is printed as one line and the command exits with {@link #exitCode}. */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    UserError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    static UserError usage(String message) {
        return new UserError(ExitCodes.USAGE, message);
    }

    int exitCode() {
        return exitCode;
    }
}
