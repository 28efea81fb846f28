package dev.stride.core;

import java.util.List;

/**
 * What a run is asked to do: which model, where it is served, and how each record becomes a prompt.
 *
 * @param baseUrls the servers' base URLs, one or more, in the order given
 * @param shard    the shard of the input the run takes ({@code --shard}), or null for all of it
 */
public record RunSpec(String name, String model, List<String> baseUrls, String template, GenerationParams params,
                      Shard shard) {

    /** A run over its whole input. */
    public RunSpec(String name, String model, List<String> baseUrls, String template, GenerationParams params) {
        this(name, model, baseUrls, template, params, null);
    }

    public RunSpec {
        baseUrls = List.copyOf(baseUrls);
    }
}
