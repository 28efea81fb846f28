package dev.stride.cli;

import dev.stride.app.InputCheck;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * How much of a run's input has been read into the database, on one line of standard error that it redraws, for a
 * person at a terminal: a 520 MB input took a minute to read in, and a rerun after a one-line edit as long, with
 * nothing on the screen until the run's first line. As {@link ExportProgress}: shown only once the reading has taken
 * {@link RedrawnLine#QUIET_FOR_NANOS}, erased before the next line, and nothing at all where nobody watches.
 */
final class InputProgress implements InputCheck {
    /** Records between two looks at the clock: a record takes microseconds. */
    private static final int RECORDS_PER_LOOK = 256;

    private final Messages messages;
    private final Path input;
    private final RedrawnLine line;
    private long seen;

    /** Null when nobody watches. */
    static InputProgress on(boolean shown, PrintWriter err, Messages messages, Path input, LongSupplier nanoTime) {
        return shown ? new InputProgress(err, messages, input, nanoTime) : null;
    }

    private InputProgress(PrintWriter err, Messages messages, Path input, LongSupplier nanoTime) {
        this.messages = messages;
        this.input = input;
        this.line = new RedrawnLine(err, nanoTime);
    }

    @Override
    public void see(String recordJson) {
        seen++;
        if (seen % RECORDS_PER_LOOK == 0) {
            line.maybeDraw(() -> messages.get("msg.run.readingInput", input, Numbers.grouped(seen)));
        }
    }

    /** The line stays up to the end of the sync: its last batch and commit come after the input's end. */
    @Override
    public void atEnd() {
    }

    @Override
    public boolean ran() {
        return seen > 0;
    }

    /** Erases the line, if one was drawn, so that the next line starts at the margin. */
    void done() {
        line.erase();
    }
}
