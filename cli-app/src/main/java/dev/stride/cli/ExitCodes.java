package dev.stride.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ResourceBundle;

/** The exit codes every command keeps to; listed in {@code --help}. */
final class ExitCodes {
    static final int OK = 0;
    static final int ERROR = 1;
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
    static final int INTERRUPTED = 130;

    private static final List<Integer> EVERY = List.of(OK, ERROR, USAGE, FAILED_RECORDS, DATABASE, INTERRUPTED);

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
