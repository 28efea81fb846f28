package dev.stride.core;

/**
 * A worker's place in a run it joined.
 *
 * @param worker     its number among the run's live workers (1 when alone)
 * @param othersLive how many other workers were live when it joined
 */
public record Joined(int worker, int othersLive) {
}
