package dev.stride.cli;

import java.io.PrintWriter;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One line of standard error, redrawn in place for a person at a terminal while a long step goes on: first after
 * {@link #QUIET_FOR_NANOS} (a short step prints nothing more than before), then at most every {@link #REDRAW_NANOS},
 * and erased before the next line is printed, which then starts at the margin.
 */
final class RedrawnLine {
    /** How long a step goes before its line is shown. */
    static final long QUIET_FOR_NANOS = 1_000_000_000L;
    /** How often the line is redrawn. */
    static final long REDRAW_NANOS = 250_000_000L;

    private final PrintWriter err;
    private final LongSupplier nanoTime;
    private final long started;
    private long drawnAt;
    private int drawnWidth;

    RedrawnLine(PrintWriter err, LongSupplier nanoTime) {
        this.err = err;
        this.nanoTime = nanoTime;
        this.started = nanoTime.getAsLong();
    }

    /** Draws {@code line}'s words when it is time to; they are made only then. */
    void maybeDraw(Supplier<String> line) {
        long now = nanoTime.getAsLong();
        if (now - started < QUIET_FOR_NANOS || drawnWidth > 0 && now - drawnAt < REDRAW_NANOS) {
            return;
        }
        String text = line.get();
        // Padded over a wider line drawn before, in the terminal's columns (a Chinese character takes two).
        int width = TextWidth.of(text);
        err.print("\r" + TextWidth.padRight(text, drawnWidth));
        err.flush();
        drawnWidth = Math.max(drawnWidth, width);
        drawnAt = now;
    }

    /** Erases the line, if one was drawn. */
    void erase() {
        if (drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            err.flush();
            drawnWidth = 0;
        }
    }
}
