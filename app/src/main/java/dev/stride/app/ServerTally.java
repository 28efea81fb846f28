package dev.stride.app;

/** How one server fared in a session: requests sent to it, answers, failures. */
public record ServerTally(String baseUrl, long requests, long succeeded, long failed) {
}
