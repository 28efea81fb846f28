package dev.stride.cli;

import java.util.function.Consumer;

/**
 * Where a run learns that it should stop: Ctrl+C, SIGTERM or SIGHUP. The process installs real signal handlers
 * ({@link ProcessSignals}); tests trigger the stop themselves.
 */
public interface Signals {

    /**
     * Which signal asked for the stop: what quits at once after it differs (a second SIGHUP does not), and a line
     * that says "Ctrl+C again" to someone who ran {@code kill PID} tells them of a key they never pressed.
     */
    enum Stop { CTRL_C, SIGTERM, SIGHUP }

    /**
     * Calls {@code onFirst} with the signal on the first stop signal; on a second Ctrl+C or SIGTERM (not a copy of
     * the first delivered with it) the process ends at once. Returns a handle that takes the handlers back.
     */
    AutoCloseable onStop(Consumer<Stop> onFirst);

    /** {@link #onStop}, for a caller to whom every stop signal means the same. */
    default AutoCloseable onInterrupt(Runnable onFirst) {
        return onStop(how -> onFirst.run());
    }
}
