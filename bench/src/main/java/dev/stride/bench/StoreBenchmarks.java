package dev.stride.bench;

final class StoreBenchmarks {
    static void runAll(Bench bench) {
    }
}
