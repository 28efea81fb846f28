package dev.stride.db;

/**
 * A copy or merge given up because a stop was asked for (Ctrl+C, SIGTERM) while it was being written: its transaction
 * is rolled back, so the destination holds nothing of it. The command that asked for the stop words it.
 */
public final class TransferStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TransferStoppedException() {
        super("stopped before the transfer was committed: nothing of it was written");
    }
}
