package dev.stride.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A time during which no server answered the run's requests, as the runner saw it.
 *
 * @param since          when it began: the first request that got no answer after the last one that did, or the start
 *                       of the session when no server has answered in it
 * @param lasted         how long it has lasted so far (or in all, once it is over)
 * @param answeredBefore a server answered earlier in this session; false means none ever did, so the run stopped at once
 * @param waitLimit      how long the run waits for a server that went away before it stops ({@code --wait-for-server})
 * @param kind           the last failure's code: {@code connection}, {@code unknown_host}, {@code tls}, {@code timeout}
 * @param reason         the last failure's one line, naming the server(s) tried
 * @param failedSinceLastAnswer records this session stored as failed after the last answer of any server, on a
 *                       request that got none (a timeout charged to its record as the server hung): failures of this
 *                       outage as far as the run can tell, not earlier ones
 */
public record ServerOutage(Instant since, Duration lasted, boolean answeredBefore, Duration waitLimit, String kind,
                           String reason, long failedSinceLastAnswer) {

    public ServerOutage {
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(lasted, "lasted");
        Objects.requireNonNull(waitLimit, "waitLimit");
    }

    /** An outage with no record failed since the last answer. */
    public ServerOutage(Instant since, Duration lasted, boolean answeredBefore, Duration waitLimit, String kind,
                        String reason) {
        this(since, lasted, answeredBefore, waitLimit, kind, reason, 0);
    }

    /** Every request timed out, rather than finding no server: a slow server, or a --timeout too short for it. */
    public boolean timedOut() {
        return "timeout".equals(kind);
    }
}
