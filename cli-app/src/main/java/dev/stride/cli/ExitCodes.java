package dev.stride.cli;

/** The exit codes every command keeps to; listed in {@code --help}. */
final class ExitCodes {
    static final int OK = 0;
    static final int ERROR = 1;
    static final int USAGE = 2;
    static final int FAILED_RECORDS = 3;
    static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
