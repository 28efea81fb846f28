package dev.stride.core;

import java.util.List;

/**
 * Forgetting runs. A run with live workers (those {@link RunLedger#liveWorkers} lists) is never forgotten: its
 * workers would go on writing into a run that is gone. A worker killed on another machine counts as live until its
 * lease runs out (one of this machine is known to be gone at once).
 */
public interface RunAdministration {

    /**
     * Forgets a run: its records, outputs and cursor.
     *
     * @return false when there was no such run
     * @throws LiveWorkersException when it has live workers; nothing is deleted
     */
    boolean clearRun(String name);

    /**
     * Forgets every run.
     *
     * @return how many there were
     * @throws LiveWorkersException when any run has live workers; nothing is deleted
     */
    int clearAll();

    /**
     * Refuses as {@link #clearRun} and {@link #clearAll} would, before anything is asked of the user: the runs named
     * that have live workers, with those workers, in the exception's message. Those methods check again in their own
     * transaction, since a worker may join in between.
     *
     * @throws LiveWorkersException when any of them has live workers
     */
    void requireNoLiveWorkers(List<String> runNames);
}
