package dev.stride.bench;

import dev.stride.core.Answer;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunInfo;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.Timing;
import dev.stride.db.SqliteCheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/** JMH on the SQLite store's calls of a run: one commit per prediction, the fsynced cursor, the runner's reads. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoreBenchmarks {
    private static final int RECORDS = 200_000;
    private static final String ANSWER = Simulator.answer();

    private Path dir;
    private SqliteCheckpointStore store;
    private RunInfo run;
    private long next;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("stride-jmh");
        store = SqliteCheckpointStore.open(dir.resolve("jmh.db"));
        store.syncRun(new RunSpec(Bench.MODEL, Bench.MODEL, List.of("http://127.0.0.1:1/v1"), Records.TEMPLATE,
                GenerationParams.none()), Records.hashed(RECORDS));
        run = store.findRun(Bench.MODEL).orElseThrow();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** One prediction committed in its own transaction (synchronous=NORMAL in WAL: no fsync). */
    @Benchmark
    public boolean savePrediction() {
        long seq = next++ % RECORDS;
        InputRecord r = Records.record(seq);
        return store.savePrediction(run.id(), r, new Prediction(Answer.plain(ANSWER, "stop", 12, 40), null,
                new Timing(20, 1, Instant.now())));
    }

    /** The cursor: low watermark, counters, state, committed with synchronous=FULL (one fsync of the WAL). */
    @Benchmark
    public Object saveCursor() {
        return store.saveCursor(run.id(), 1000, RunState.RUNNING);
    }

    /** The runner's next page of 512 pending records (a short read on the reader connection). */
    @Benchmark
    public List<InputRecord> pendingPage() {
        return store.pendingRecords(run.id(), RECORDS / 2, 512, false);
    }

    /** What status and a resume read first. */
    @Benchmark
    public Object listRuns() {
        return store.listRuns();
    }

    /** Stands in for a real answer's length (the simulator's answer to a benchmark prompt). */
    private static final class Simulator {
        static String answer() {
            return dev.stride.sim.Simulator.answerFor("Answer briefly: Short question number 12345?");
        }
    }

    static void runAll(Bench bench) throws Exception {
        Options options = new OptionsBuilder()
                .include(StoreBenchmarks.class.getName())
                .forks(1)
                .warmupIterations(1)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(3)
                .measurementTime(TimeValue.seconds(1))
                .jvmArgs("-Xmx512m")
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        bench.print("");
        bench.print("### JMH: the SQLite store (200,000 records in the run; 1 fork, 1×1 s warm-up, 3×1 s measured,"
                + " sample mode)");
        bench.print("");
        bench.print("| benchmark | mean µs | p50 µs | p99 µs | p99.9 µs | samples |");
        bench.print("|---|---|---|---|---|---|");
        for (RunResult r : results) {
            Statistics s = r.getPrimaryResult().getStatistics();
            String name = r.getParams().getBenchmark();
            bench.printf("| %s | %.1f | %.1f | %.1f | %.1f | %,d |", name.substring(name.lastIndexOf('.') + 1),
                    s.getMean(), s.getPercentile(50), s.getPercentile(99), s.getPercentile(99.9), s.getN());
        }
    }
}
