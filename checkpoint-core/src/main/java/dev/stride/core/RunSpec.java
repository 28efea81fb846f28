package dev.stride.core;

import java.util.List;

/**
 * What a run is asked to do: which model, where it is served, and how each record becomes a prompt.
 *
 * @param baseUrls the servers' base URLs, one or more, in the order given
 * @param shard    the shard of the input the run takes ({@code --shard}), or null for all of it
 * @param outputRulesJson what the run takes out of or requires of every answer ({@code --extract},
 *                 {@code --json-output}, {@code --json-retries}) as canonical JSON, {@code {}} for nothing; null keeps
 *                 none, as a run made before runs kept them
 */
public record RunSpec(String name, String model, List<String> baseUrls, String template, GenerationParams params,
                      Shard shard, String outputRulesJson) {

    /** A run over its whole input. */
    public RunSpec(String name, String model, List<String> baseUrls, String template, GenerationParams params) {
        this(name, model, baseUrls, template, params, null);
    }

    /** A run that keeps no output rules. */
    public RunSpec(String name, String model, List<String> baseUrls, String template, GenerationParams params,
                   Shard shard) {
        this(name, model, baseUrls, template, params, shard, null);
    }

    public RunSpec {
        baseUrls = List.copyOf(baseUrls);
    }
}
