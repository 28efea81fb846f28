package dev.stride.core;

/**
 * A save of several outcomes that gave up after some of them were committed: a store that writes them one by one (or
 * the outcomes first and the cursor after, as PostgreSQL's does), when a later write fails, a lock another session
 * holds waited for past a stop's grace or the server gone. Those committed stay; the runner counts them as saved, not
 * among the answers to ask again.
 */
public final class OutcomesPartlySavedException extends RuntimeException {
    private final boolean[] written;

    /**
     * @param written for each outcome committed (the first ones, in order), whether it was written (false: the record
     *                already had a completed prediction)
     * @param failure the write that failed after them
     */
    public OutcomesPartlySavedException(boolean[] written, RuntimeException failure) {
        super(failure.getMessage(), failure);
        this.written = written.clone();
    }

    /** For each outcome committed before the failure, in order, whether it was written. */
    public boolean[] written() {
        return written.clone();
    }

    /** The write that failed, as its store threw it. */
    public RuntimeException failure() {
        return (RuntimeException) getCause();
    }
}
