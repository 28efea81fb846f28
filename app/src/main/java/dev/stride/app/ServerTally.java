package dev.stride.app;

/**
 * How one server fared in a session: requests sent to it, answers, failures, and of the failures those that never
 * reached it (refused, unknown host, TLS, connect timeout).
 */
public record ServerTally(String baseUrl, long requests, long succeeded, long failed, long unreached) {
}
