package dev.stride.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;

/**
 * What commands take from the world outside their options: how signals reach them, the environment (API keys)
 * and the first retry's wait. A process uses the real ones; tests pass their own.
 */
public record CliContext(Signals signals, Map<String, String> env, Duration backoffBase) {

    static CliContext process(PrintWriter err) {
        return new CliContext(new ProcessSignals(err), System.getenv(), Duration.ofMillis(500));
    }
}
