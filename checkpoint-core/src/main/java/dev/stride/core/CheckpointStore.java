package dev.stride.core;

import java.util.Optional;

/**
 * One database of runs, seen through every port: the {@link RunLedger} a runner works through, the
 * {@link RunCatalog} of runs and their inputs, the {@link RunResults} and the {@link RunAdministration}. It holds any
 * number of runs, each with its own independent checkpoint.
 *
 * <p>Implementations are safe for one writing thread plus any number of reading threads.
 */
public interface CheckpointStore extends RunLedger, RunCatalog, RunResults, RunAdministration, AutoCloseable {

    @Override
    Optional<RunInfo> findRun(String name);

    /** Closes the store; the write-ahead log is merged into the database file, so the file alone holds everything. */
    @Override
    void close();
}
