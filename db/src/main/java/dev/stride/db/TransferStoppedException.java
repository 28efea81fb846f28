package dev.stride.db;

/**
 * A copy, merge or snapshot given up because a stop was asked for (Ctrl+C, SIGTERM) while it was being written: its
 * transaction is rolled back, or its file not yet named removed, so the destination holds nothing of it. The command
 * that asked for the stop words it.
 */
public final class TransferStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TransferStoppedException() {
        super("stopped before it was committed or named: nothing of it was written");
    }
}
