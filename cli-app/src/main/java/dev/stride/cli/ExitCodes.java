package dev.stride.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ResourceBundle;

/** The exit codes every command keeps to; listed in {@code --help}. */
final class ExitCodes {
    static final int OK = 0;
    /** The server is unreachable or failing (or another trouble that may pass): run the same command again later. */
    static final int ERROR = 1;
    /**
     * Fix the command, its input or its settings: rerunning it as it is fails alike. Also a run the server refused
     * for its settings (a 404 at the URL, a 401 or 403 for the key, an unknown model).
     */
    static final int USAGE = 2;
    static final int FAILED_RECORDS = 3;
    /**
     * The database cannot be used: it cannot be opened (a missing folder; for PostgreSQL, a server down or
     * unreachable), is read-only, the disk is full, it is damaged, not a stride file, written by a newer stride, on a
     * network file system. Nothing was lost; the one-line message says what to do, and the same command then goes on.
     * Also a file deleted or replaced while a run wrote it: the run stops, and the line says where what it held is
     * written now.
     */
    static final int DATABASE = 4;
    /**
     * Busy: another process is at work on the run (live workers refuse a changed input, a clear, a merge) or holds the
     * SQLite file's write lock past stride's wait. Nothing was changed, and it clears up by itself: a script runs the
     * same command again once the other has finished.
     */
    static final int BUSY = 5;
    static final int INTERRUPTED = 130;

    private static final List<Integer> EVERY = List.of(OK, ERROR, USAGE, FAILED_RECORDS, DATABASE, BUSY,
            INTERRUPTED);

    private ExitCodes() {
    }

    /**
     * Every code with what it means in the language of {@code messages} (its {@code exitCode.N}), in the order the
     * help of {@code stride} and {@code stride run} lists them.
     */
    static Map<String, String> described(ResourceBundle messages) {
        Map<String, String> list = new LinkedHashMap<>();
        for (int code : EVERY) {
            list.put(Integer.toString(code), messages.getString("exitCode." + code));
        }
        return list;
    }
}
