package dev.stride.app;

/**
 * How one server fared in a session: requests sent to it, answers, failures, and of the failures those that never
 * reached it (connection refused, unknown host, TLS, connect timeout, or stopped at the rate gate before sending, a
 * request too large for the token budget among them) and
 * those it turned away as busy or over its rate (429 or 503), whose records are sent again while their retries last;
 * and the 429s the client's rate gate waited out and sent again itself ({@code sentAgainAfterRefusal}), which the
 * server received on top of {@code requests}.
 *
 * @param notConnected of the unreached, those that found no connection to the server
 */
public record ServerTally(String baseUrl, long requests, long succeeded, long failed, long unreached, long busy,
                          long sentAgainAfterRefusal, long notConnected) {

    public ServerTally(String baseUrl, long requests, long succeeded, long failed, long unreached, long busy,
                       long sentAgainAfterRefusal) {
        this(baseUrl, requests, succeeded, failed, unreached, busy, sentAgainAfterRefusal, unreached);
    }

    /**
     * Requests the server received: those that reached it, and the 429s the rate gate sent again. The summary's
     * "sent" is these added up, and each is {@link #succeeded answered}, {@link #turnedAway turned away} or
     * {@link #failedOtherwise failed otherwise}.
     */
    public long sent() {
        return requests - unreached + sentAgainAfterRefusal;
    }

    /** Requests it refused as busy or over its rate (429 or 503), those the rate gate sent again included. */
    public long turnedAway() {
        return busy + sentAgainAfterRefusal;
    }

    /** Failures of requests it was sent, other than being turned away as busy: errors, timeouts, dropped ones. */
    public long failedOtherwise() {
        return failed - busy - unreached;
    }
}
