package dev.stride.core;

/**
 * What syncing a run with its input changed.
 *
 * @param created   the run did not exist before
 * @param total     records in the run now
 * @param added     records new to the run
 * @param edited    records whose content changed; their outputs were dropped, so they are done again
 * @param removed   records no longer in the input; dropped from the run with their outputs
 */
public record SyncReport(boolean created, long total, long added, long edited, long removed) {

    public boolean changedRecords() {
        return !created && (added > 0 || edited > 0 || removed > 0);
    }
}
