package dev.stride.cli;

/** The exit codes every command keeps to; listed in {@code --help}. */
final class ExitCodes {
    static final int OK = 0;
    static final int ERROR = 1;
    static final int USAGE = 2;
    static final int FAILED_RECORDS = 3;
    /**
     * The database cannot be used: read-only, disk full, damaged, not a stride file, written by a newer stride, on a
     * network file system. Nothing was lost; the one-line message says what to do, and the same command then goes on.
     */
    static final int DATABASE = 4;
    static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
