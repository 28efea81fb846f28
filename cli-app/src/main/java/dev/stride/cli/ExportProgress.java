package dev.stride.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * How far an export to a file has come, on one line of standard error that it redraws, for a person at a terminal:
 * a million-record run takes half a minute to export, which said nothing until its last line and looked hung. Shown
 * only once an export has taken {@link RedrawnLine#QUIET_FOR_NANOS} (a short one prints nothing more than before),
 * and erased before the line that says what the file holds. Nothing at all where nobody watches (a pipe, a file,
 * cron): a script reads that last line, and a log would keep every redraw.
 */
final class ExportProgress {
    /** Rows between two looks at the clock: a row takes microseconds. */
    private static final int ROWS_PER_LOOK = 512;

    private final Messages messages;
    private final String run;
    private final Path file;
    /** Rows to go through: the run's records, once per pass over them. */
    private final long work;
    private final RedrawnLine line;
    private long seen;

    /**
     * {@code passes}: how many times the export reads the run's {@code records} (two when a first pass collects the
     * input's fields); null when nobody watches.
     */
    static ExportProgress on(boolean shown, PrintWriter err, Messages messages, String run, Path file, long records,
                             int passes, LongSupplier nanoTime) {
        return shown ? new ExportProgress(err, messages, run, file, records * passes, nanoTime) : null;
    }

    /**
     * Whether someone watches: a terminal on standard input and output (TERM not "dumb"), as a run's progress bar
     * takes it; Java cannot ask of standard error alone.
     */
    static boolean watched(Map<String, String> env) {
        return System.console() != null && !"dumb".equals(env.get("TERM"));
    }

    private ExportProgress(PrintWriter err, Messages messages, String run, Path file, long work,
                           LongSupplier nanoTime) {
        this.messages = messages;
        this.run = run;
        this.file = file;
        this.work = work;
        this.line = new RedrawnLine(err, nanoTime);
    }

    /** One more row gone through. */
    void row() {
        seen++;
        if (seen % ROWS_PER_LOOK == 0) {
            line.maybeDraw(() -> messages.get("msg.export.progress", run,
                    work == 0 ? 100 : Math.min(100, seen * 100 / work), file));
        }
    }

    /** Erases the line, if one was drawn, so that the next line starts at the margin. */
    void done() {
        line.erase();
    }
}
