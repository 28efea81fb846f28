package dev.stride.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.stride.core.BatchRunner;
import dev.stride.core.CheckpointStore;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.RunnerSettings;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run of core's BatchRunner, in this JVM, against the simulator, also in this JVM: the two share the machine's
 * cores as they would in two processes, without a second JVM's JIT and GC threads.
 */
final class E2e {
    enum StoreKind { SQLITE, MEMORY }

    record Case(String label, StoreKind store, long latencyMs, int concurrency, int records, int saveInterval) {
    }

    record Result(Case c, double wallSeconds, double steadyPerSecond, double cpuMsPerPrediction,
                  TimingStore timing, double writerBusy, int peakInFlight, long completed) {
        double perSecond() {
            return completed / wallSeconds;
        }
    }

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private E2e() {
    }

    static Simulator simulator(long latencyMs) throws IOException {
        return new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(latencyMs)).build()).start(0);
    }

    static Result run(Case c, Path work) throws IOException {
        try (Simulator sim = simulator(c.latencyMs())) {
            CheckpointStore inner;
            RunInfo run;
            Path db = work.resolve("e2e-" + System.nanoTime() + ".db");
            if (c.store() == StoreKind.SQLITE) {
                SqliteCheckpointStore sqlite = SqliteCheckpointStore.open(db);
                sqlite.syncRun(new RunSpec(Bench.MODEL, Bench.MODEL, List.of(sim.url()), Records.TEMPLATE,
                        GenerationParams.none()), Records.hashed(c.records()));
                run = sqlite.findRun(Bench.MODEL).orElseThrow();
                inner = sqlite;
            } else {
                MemoryStore memory = new MemoryStore(c.records());
                run = memory.run();
                inner = memory;
            }
            TimingStore store = new TimingStore(inner);
            Steady steady = new Steady(c.records());
            RunnerSettings settings = new RunnerSettings(c.concurrency(), c.saveInterval(), 5,
                    Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(3), false, Duration.ofSeconds(5));
            RunOutcome outcome;
            long cpu0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            try (BenchPredictor predictor = new BenchPredictor(sim.url(), c.concurrency())) {
                BatchRunner runner = new BatchRunner(store, predictor, PromptTemplate.parse(Records.TEMPLATE), settings,
                        steady, Clock.systemUTC());
                outcome = runner.run(run);
            }
            long wall = System.nanoTime() - t0;
            long cpu = OS.getProcessCpuTime() - cpu0;
            store.close();
            Files.deleteIfExists(db);
            Files.deleteIfExists(Path.of(db + "-wal"));
            Files.deleteIfExists(Path.of(db + "-shm"));
            if (outcome.state() != RunState.DONE || outcome.completed() != c.records()) {
                throw new IllegalStateException(c.label() + ": " + outcome);
            }
            return new Result(c, wall / 1e9, steady.rate(), cpu / 1e6 / outcome.completed(), store,
                    store.writerBusyNanos() / (double) wall, sim.stats().peakInFlight(), outcome.completed());
        }
    }

    /** Predictions per second between 10% and 90% of the run: no JIT warm-up at the start, no drain at the end. */
    static final class Steady implements RunListener {
        private final long from;
        private final long to;
        private final AtomicLong done = new AtomicLong();
        private volatile long fromNanos;
        private volatile long toNanos;

        Steady(long total) {
            this.from = total / 10;
            this.to = total * 9 / 10;
        }

        @Override
        public void recordDone(InputRecord record, Prediction prediction) {
            long n = done.incrementAndGet();
            if (n == from) {
                fromNanos = System.nanoTime();
            } else if (n == to) {
                toNanos = System.nanoTime();
            }
        }

        double rate() {
            return (to - from) / ((toNanos - fromNanos) / 1e9);
        }
    }
}
