package dev.stride.cli;

import dev.stride.app.CheckpointManager;
import java.io.PrintWriter;

/**
 * The last line of a session's summary when closing the database could not fold its WAL into the file, because
 * another connection kept a read transaction open ({@link DbFile#sayIfUnfolded}). A resource declared before the
 * manager it watches, so that it speaks once that manager closed, whatever ended the session.
 */
final class UnfoldedLine implements AutoCloseable {
    private final PrintWriter out;
    private final Messages m;
    private CheckpointManager runs;

    UnfoldedLine(PrintWriter out, Messages m) {
        this.out = out;
        this.m = m;
    }

    /** Watches {@code runs}, returned as it is. */
    CheckpointManager of(CheckpointManager runs) {
        this.runs = runs;
        return runs;
    }

    @Override
    public void close() {
        if (runs != null) {
            DbFile.sayIfUnfolded(runs.unfoldedAtClose(), out, m);
        }
    }
}
