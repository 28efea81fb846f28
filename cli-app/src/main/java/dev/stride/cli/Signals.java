package dev.stride.cli;

/**
 * Where a run learns that it should stop: Ctrl+C, SIGTERM or SIGHUP. The process installs real signal handlers
 * ({@link ProcessSignals}); tests trigger the stop themselves.
 */
public interface Signals {

    /**
     * Calls {@code onFirst} on the first stop signal; on a second Ctrl+C or SIGTERM (not a copy of the first
     * delivered with it) the process ends at once. Returns a handle that takes the handlers back.
     */
    AutoCloseable onInterrupt(Runnable onFirst);
}
