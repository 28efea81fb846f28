package dev.stride.bench;

import dev.stride.bench.E2e.Case;
import dev.stride.bench.E2e.Result;
import dev.stride.bench.E2e.StoreKind;
import dev.stride.sim.Simulator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The whole benchmark table in one command (bench/run.sh): end-to-end runs against the in-process simulator, the
 * baselines, the million-record scale checks, startup, and JMH on the store. Prints Markdown rows as it goes.
 *
 * <p>Usage: {@code java -jar stride-bench.jar [--only SECTION,...] [--work DIR] [--jar stride.jar] [--out FILE]};
 * sections: concurrency, checkpoint, instant, scale, startup, jmh.
 */
public final class Bench {
    static final String MODEL = "bench";
    static final List<String> SECTIONS = List.of("concurrency", "checkpoint", "instant", "scale", "startup", "jmh");

    private final Path work;
    private final Path out;
    private final List<String> lines = new ArrayList<>();

    private Bench(Path work, Path out) {
        this.work = work;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Set<String> only = new LinkedHashSet<>(SECTIONS);
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "stride-bench");
        Path jar = Path.of("cli-app/target/stride.jar");
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--only" -> only = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                case "--work" -> work = Path.of(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: [--only " + String.join(",", SECTIONS) + "] [--work DIR] [--jar stride.jar]"
                        + " [--out FILE]");
            }
        }
        Files.createDirectories(work);
        Bench bench = new Bench(work, out);
        long t0 = System.nanoTime();
        bench.header();
        if (only.contains("concurrency") || only.contains("checkpoint") || only.contains("instant")) {
            bench.warmUp();
        }
        if (only.contains("probe")) {
            bench.probe();
        }
        if (only.contains("concurrency")) {
            bench.concurrency();
        }
        if (only.contains("checkpoint")) {
            bench.checkpointCost();
        }
        if (only.contains("instant")) {
            bench.instant();
        }
        if (only.contains("scale") || only.contains("startup")) {
            new Scale(bench, work, jar).run(only.contains("scale"), only.contains("startup"));
        }
        if (only.contains("jmh")) {
            StoreBenchmarks.runAll(bench);
        }
        bench.print(String.format(Locale.ROOT, "%nWhole table in %.0f s.", (System.nanoTime() - t0) / 1e9));
    }

    void print(String line) {
        System.out.println(line);
        System.out.flush();
        lines.add(line);
        if (out != null) {
            try {
                Files.writeString(out, line + System.lineSeparator(), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    void printf(String format, Object... args) {
        print(String.format(Locale.ROOT, format, args));
    }

    private void header() {
        Runtime rt = Runtime.getRuntime();
        printf("Machine: %d cores, Java %s (%s), max heap %d MB; work folder %s", rt.availableProcessors(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"), rt.maxMemory() >> 20, work);
    }

    private void warmUp() throws IOException {
        // JIT the runner, the client, the store and the simulator before anything is measured.
        E2e.run(new Case("warm-up", StoreKind.SQLITE, 0, 16, 10_000, 10), work);
        E2e.run(new Case("warm-up", StoreKind.MEMORY, 0, 16, 10_000, 10), work);
    }

    /** Not part of the table: the same 20 ms server through a plain loop and through the runner on a no-op store. */
    private void probe() throws Exception {
        for (int c : new int[] {64, 256}) {
            try (Simulator sim = E2e.simulator(20)) {
                com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
                long cpu0 = os.getProcessCpuTime();
                double plain = Baselines.plainLoop(sim, c, 20_000);
                printf("probe c%d plain loop %,.0f/s, CPU %.3f ms/prediction", c, plain,
                        (os.getProcessCpuTime() - cpu0) / 1e6 / 20_000);
            }
            for (StoreKind kind : StoreKind.values()) {
                Result r = E2e.run(new Case("probe", kind, 20, c, 20_000, 10), work);
                TimingStore t = r.timing();
                long[] slow = t.commitNanos.tail(5_000_000);
                printf("probe c%d runner+%s steady %,.0f/s, wall %,.0f/s, CPU %.3f ms/prediction; commits >= 5 ms: %d"
                        + " (%.0f ms in all), all commits %.0f ms, cursors %d in %.0f ms; queue wait p50 %.2f p90 %.2f"
                        + " p99 %.2f ms", c, kind, r.steadyPerSecond(), r.perSecond(), r.cpuMsPerPrediction(),
                        slow[0], slow[1] / 1e6, t.commitNanos.sum() / 1e6, t.cursorNanos.count(),
                        t.cursorNanos.sum() / 1e6, t.queueMicros.quantile(0.5) / 1e3,
                        t.queueMicros.quantile(0.9) / 1e3, t.queueMicros.quantile(0.99) / 1e3);
            }
        }
    }

    private void concurrency() throws IOException {
        print("");
        print("### Concurrency against a 20 ms server (SQLite store, save interval 10)");
        print("");
        print("| concurrency | records | steady predictions/s | Little's-law ideal | of ideal | wall predictions/s"
                + " | CPU ms/prediction (runner + simulator) | peak in flight at the server |");
        print("|---|---|---|---|---|---|---|---|");
        for (int c : new int[] {16, 64, 256}) {
            int n = c == 16 ? 8_000 : 30_000;
            Result r = E2e.run(new Case("c" + c, StoreKind.SQLITE, 20, c, n, 10), work);
            double ideal = c / 0.020;
            printf("| %d | %,d | %,.0f | %,.0f | %.1f%% | %,.0f | %.3f | %d |", c, n, r.steadyPerSecond(), ideal,
                    100 * r.steadyPerSecond() / ideal, r.perSecond(), r.cpuMsPerPrediction(), r.peakInFlight());
        }
    }

    private void checkpointCost() throws IOException {
        print("");
        print("### Checkpoint cost: SQLite store vs no-op store (50,000 records, concurrency 64, save interval 10)");
        print("");
        print("| server | store | wall s | predictions/s | SQLite/no-op wall | commit p50 / p99 / max ms"
                + " | cursor commit p50 / p99 ms | outcome queue wait p99 ms | writer busy |");
        print("|---|---|---|---|---|---|---|---|---|");
        for (long latency : new long[] {20, 0}) {
            // Interleaved, so a noisy neighbour hurts both sides alike.
            Result memory = E2e.run(new Case("noop", StoreKind.MEMORY, latency, 64, 50_000, 10), work);
            Result sqlite = E2e.run(new Case("sqlite", StoreKind.SQLITE, latency, 64, 50_000, 10), work);
            String server = latency == 0 ? "instant" : latency + " ms";
            for (Result r : List.of(memory, sqlite)) {
                TimingStore t = r.timing();
                boolean isSqlite = r.c().store() == StoreKind.SQLITE;
                printf("| %s | %s | %.2f | %,.0f | %s | %s | %s | %.2f | %.0f%% |", server,
                        isSqlite ? "SQLite (WAL)" : "no-op (memory)", r.wallSeconds(), r.perSecond(),
                        isSqlite ? String.format(Locale.ROOT, "**%.3f×**", sqlite.wallSeconds() / memory.wallSeconds())
                                : "1",
                        isSqlite ? String.format(Locale.ROOT, "%.3f / %.3f / %.1f", ms(t.commitNanos.quantile(0.5)),
                                ms(t.commitNanos.quantile(0.99)), ms(t.commitNanos.quantile(1))) : "—",
                        isSqlite ? String.format(Locale.ROOT, "%.2f / %.2f", ms(t.cursorNanos.quantile(0.5)),
                                ms(t.cursorNanos.quantile(0.99))) : "—",
                        t.queueMicros.quantile(0.99) / 1000.0, 100 * r.writerBusy());
            }
        }
    }

    private void instant() throws Exception {
        print("");
        print("### Instant server, 20,000 records, concurrency 16 (all in this JVM, one after the other)");
        print("");
        print("| client | predictions/s | vs plain HTTP loop |");
        print("|---|---|---|");
        int n = 20_000;
        double plain;
        double seed;
        try (Simulator sim = E2e.simulator(0)) {
            Baselines.plainLoop(sim, 16, 5_000); // warm-up
            plain = Baselines.plainLoop(sim, 16, n);
            seed = Baselines.seedDesign(sim.url(), 16, n, 10, work.resolve("seed-checkpoint.ser"));
        }
        Result stride = E2e.run(new Case("instant", StoreKind.SQLITE, 0, 16, n, 10), work);
        printf("| plain HTTP loop, 16 threads, no store | %,.0f | 1 |", plain);
        printf("| **stride** (BatchRunner + SQLite, save interval 10) | %,.0f | **%.2f** |", stride.perSecond(),
                stride.perSecond() / plain);
        printf("| seed's design (16-thread pool, whole results map serialized every 10 results) | %,.0f | %.2f |",
                seed, seed / plain);
        printf("%nHeadline: stride delivers %.2f× the predictions/s of the seed's design and %.0f%% of a plain loop"
                + " with no store.", stride.perSecond() / seed, 100 * stride.perSecond() / plain);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
