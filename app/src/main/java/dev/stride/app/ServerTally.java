package dev.stride.app;

/**
 * How one server fared in a session: requests sent to it, answers, failures, and of the failures those that never
 * reached it (connection refused, unknown host, TLS, connect timeout) and those it turned away as busy or over its
 * rate (429 or 503), whose records are sent again while their retries last; and the 429s the client's rate gate
 * waited out and sent again itself ({@code sentAgainAfterRefusal}), which the server received on top of
 * {@code requests}.
 */
public record ServerTally(String baseUrl, long requests, long succeeded, long failed, long unreached, long busy,
                          long sentAgainAfterRefusal) {
    /** Failures other than being turned away as busy: errors, timeouts, servers not reached. */
    public long failedOtherwise() {
        return failed - busy;
    }
}
