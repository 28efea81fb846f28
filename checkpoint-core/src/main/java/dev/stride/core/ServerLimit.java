package dev.stride.core;

/**
 * One server's own bound on requests in flight, learnt from its answers ({@code --concurrency auto}), when a run
 * sends to several: what {@code status} and the progress line show per server beside the run's total.
 *
 * @param server   the server's base URL, in the form that may be shown (secrets masked)
 * @param limit    what it takes now, as learnt
 * @param setAside whether it is out of rotation now after repeated failures (its limit then counts for nothing)
 */
public record ServerLimit(String server, int limit, boolean setAside) {
}
