package dev.stride.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A time during which the database server did not answer (a PostgreSQL server restarting, a network cut), as the
 * store saw it: the run waits for it, and its counts stand still meanwhile, so whoever watches is told why.
 *
 * @param server    the server as the user named it, {@code HOST:PORT}
 * @param lasted    how long it has lasted so far (or in all, once it is over)
 * @param waitLimit how long the store waits for the server before the run stops
 * @param reason    the last failure to reach it, in the driver's words; null once it is over
 */
public record DatabaseOutage(String server, Duration lasted, Duration waitLimit, String reason) {

    public DatabaseOutage {
        Objects.requireNonNull(lasted, "lasted");
        Objects.requireNonNull(waitLimit, "waitLimit");
    }
}
