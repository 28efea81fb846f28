package dev.stride.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * The workers of each of {@code runs}, by run id, as {@link #liveWorkers} and {@link #workersAllGone} give them.
     * A database's stores read them all at once: status and the dashboard's runs list asked two reads a run, most of
     * their time with hundreds of runs.
     */
    default Map<Long, RunWorkers> workersOfRuns(List<RunInfo> runs) {
        Map<Long, RunWorkers> workers = new LinkedHashMap<>();
        for (RunInfo r : runs) {
            workers.put(r.id(), new RunWorkers(liveWorkers(r.id()), workersAllGone(r.id())));
        }
        return workers;
    }

    /**
     * Closes the store; the write-ahead log is merged into the database file, so the file alone holds everything,
     * unless another connection keeps a read transaction open on it then ({@link #unfoldedAtClose}).
     */
    @Override
    void close();

    /**
     * After {@link #close}: the write-ahead log it could not fold into the file because another connection kept a
     * read transaction open, which its user should hear of (the file alone is not the whole database). Empty when the
     * file alone holds everything, when another stride still writes it (its own close folds the log in), before the
     * close, and for a database that is no file (PostgreSQL).
     */
    default Optional<UnfoldedLog> unfoldedAtClose() {
        return Optional.empty();
    }
}
