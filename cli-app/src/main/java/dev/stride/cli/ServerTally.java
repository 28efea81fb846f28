package dev.stride.cli;

/** How one server fared in a session: requests sent to it, answers, failures. */
record ServerTally(String baseUrl, long requests, long succeeded, long failed) {
}
