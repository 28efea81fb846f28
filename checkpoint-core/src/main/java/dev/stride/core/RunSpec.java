package dev.stride.core;

/** What a run is asked to do: which model, where it is served, and how each record becomes a prompt. */
public record RunSpec(String name, String model, String baseUrl, String template, GenerationParams params) {
}
