package dev.stride.client;

/**
 * One server's counts in a {@link ServerPool}, at the moment {@link ServerPool#stats()} was called.
 *
 * @param requests  calls sent to it (finished or not)
 * @param succeeded calls that returned a result
 * @param failed    calls that threw, whatever the verdict
 * @param unreached of the failed, those whose request the server was never sent ({@link CallFailure#requestSent()}
 *                  false): nothing was asked of it, so nothing was paid for
 * @param busy      of the failed, those the server turned away as busy or over its rate (429 or 503): the runner
 *                  sends their records again while their retries last
 * @param notConnected of the unreached, those that found no connection to it (refused, unknown host, TLS, connect
 *                  timeout); the rest were stopped before they were sent (at the rate gate)
 * @param sentAgainAfterRefusal requests beyond the calls: a 429 the rate gate waited out and sent again within
 *                  the same call (the caller sees one call, the server received each)
 * @param inFlight  calls running now
 * @param setAside  whether it is out of rotation now after repeated RETRY failures
 * @param limit     what it takes now as learnt from its answers ({@code --concurrency auto}); -1 in a pool without
 *                  learnt limits
 */
public record ServerStats(String baseUrl, long requests, long succeeded, long failed, long unreached, long busy,
                          int inFlight, boolean setAside, int limit, long sentAgainAfterRefusal, long notConnected) {

    /** The counts of a pool that tells no connection failures apart: for tests that do not look at them. */
    public ServerStats(String baseUrl, long requests, long succeeded, long failed, long unreached, long busy,
                       int inFlight, boolean setAside, int limit, long sentAgainAfterRefusal) {
        this(baseUrl, requests, succeeded, failed, unreached, busy, inFlight, setAside, limit, sentAgainAfterRefusal,
                unreached);
    }
}
