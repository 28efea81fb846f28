package dev.stride.cli;

/**
 * Where a run learns of Ctrl+C and SIGTERM. The process installs real signal handlers; tests trigger the stop
 * themselves.
 */
public interface Signals {

    /**
     * Calls {@code onFirst} on the first interrupt; on a second one the process ends at once. Returns a handle that
     * takes the handlers back.
     */
    AutoCloseable onInterrupt(Runnable onFirst);
}
