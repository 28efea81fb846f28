package dev.stride.core;

import java.util.List;

/**
 * What a run is asked to do: which model, where it is served, and how each record becomes a prompt.
 *
 * @param baseUrls the servers' base URLs, one or more, in the order given
 */
public record RunSpec(String name, String model, List<String> baseUrls, String template, GenerationParams params) {

    public RunSpec {
        baseUrls = List.copyOf(baseUrls);
    }
}
