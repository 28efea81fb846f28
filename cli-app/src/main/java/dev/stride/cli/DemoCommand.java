package dev.stride.cli;

import dev.stride.app.CheckpointManager;
import dev.stride.app.RunOptions;
import dev.stride.app.RunPlan;
import dev.stride.app.RunRequest;
import dev.stride.app.RunResult;
import dev.stride.app.StopSwitch;
import dev.stride.app.StoppedBeforeStart;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Phrase;
import dev.stride.core.RunInfo;
import dev.stride.core.ShellWords;
import dev.stride.core.UnfoldedLog;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {
    static final String MODEL = "qwen-medical-lora-251106-f16";
    static final String TEMPLATE = "Answer briefly: {{question}}";
    private static final String DATASET = "/demo/medical-questions.jsonl";
    private static final int CONCURRENCY = 8;

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--db", paramLabel = "FILE", defaultValue = "stride-demo.db")
    Path db;

    @Option(names = "--sim-latency", hidden = true, paramLabel = "DURATION", defaultValue = "40ms",
            converter = Durations.UpToADay.class, description = "The simulator's latency (tests make it faster).")
    Duration simLatency;

    @Option(names = "--sim-jitter", hidden = true, paramLabel = "DURATION", defaultValue = "20ms",
            converter = Durations.UpToADay.class, description = "The simulator's jitter.")
    Duration simJitter;

    @Option(names = "--sim-tokens-per-second", hidden = true, paramLabel = "N", defaultValue = "150",
            description = "The simulator's generation speed; 0 = instant.")
    double simTokensPerSecond;

    private final CliContext context;
    /** What the file's last close left unfolded beside another connection's read transaction. */
    private Optional<UnfoldedLog> lastClose = Optional.empty();

    DemoCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Messages m = Messages.of(spec);
        StopSwitch stop = new StopSwitch();
        AtomicBoolean planned = new AtomicBoolean();
        AtomicReference<Signals.Stop> stoppedBy = new AtomicReference<>();
        // The signal that came is kept for the closing line: "You pressed Ctrl+C" told someone who ran kill PID of a
        // key they never pressed.
        Signals heard = onFirst -> context.signals().onStop(how -> {
            stoppedBy.set(how);
            onFirst.accept(how);
        });
        // Listening before the file is first touched, as run does: a Ctrl+C while a left-behind WAL is folded in or
        // the stored demo is read ends through the same path (nothing begun, exit 130) instead of the JVM's default
        // action, which left that connection unclosed and its -wal beside the file.
        try (AutoCloseable listening = RunRenderer.stopOnInterrupt(heard, err, m, RunOptions.of(MODEL, null).grace(),
                stop, planned::get)) {
            boolean fresh = !Files.exists(db);
            // Before the introduction: a mistyped --db is said alone, not after lines that promise to save there.
            DbFile.requireFolder(db);
            DbFile.foldIfLeftBehind(db, spec);
            Optional<RunInfo> before = fresh ? Optional.empty() : demoRun();
            if (stop.requested()) {
                return ExitCodes.INTERRUPTED; // the listener said it: stopping before the first request
            }
            if (before.isPresent() && before.get().pending() == 0) {
                RunInfo run = before.get();
                out.println(run.failed() > 0 ? m.get("msg.demo.completeWithFailures", db, run.done(), run.total(),
                        run.failed()) : m.get("msg.demo.complete", db, run.done(), run.total()));
                out.println(m.get("msg.demo.startOver", ShellWords.quoted(db), InvokedAs.command(context.env())));
                out.println(m.get("msg.demo.orDelete", ShellWords.quoted(db), ShellWords.quoted(db + "-wal"),
                        ShellWords.quoted(db + "-shm")));
                printNext(out, m);
                return ExitCodes.OK;
            }
            Path input = extractDataset();
            try {
                return runDemo(out, m, input, fresh, new Stopping(stop, planned, stoppedBy));
            } finally {
                Files.deleteIfExists(input);
            }
        }
    }

    /** The stop the demo listens for from its start: its switch, whether the run is planned, the signal that came. */
    private record Stopping(StopSwitch stop, AtomicBoolean planned, AtomicReference<Signals.Stop> by) {
    }

    private int runDemo(PrintWriter out, Messages m, Path input, boolean fresh, Stopping stopping) throws Exception {
        long total = countLines(input);
        SimulatorSettings settings = SimulatorSettings.builder().latency(simLatency).jitter(simJitter)
                .tokensPerSecond(simTokensPerSecond).build();
        PrintWriter err = spec.commandLine().getErr();
        StopSwitch stop = stopping.stop();
        HalfwayStop halfway = null;
        RunResult result = null;
        Phrase served;
        try (Simulator sim = new Simulator(settings).start(0)) {
            out.println(m.get("msg.demo.intro", total, sim.url()));
            out.println(m.get("msg.demo.simulator", SimulatorWords.describe(settings)));
            out.println(m.get("msg.demo.savedAsArrives", db));
            if (fresh) {
                out.println(m.get("msg.demo.stopsHalfway"));
            }
            out.println();
            out.flush();
            RunOptions options = RunOptions.of(MODEL, sim.url()).withTemplate(TEMPLATE).withConcurrency(CONCURRENCY)
                    .withRetries(5, context.backoffBase());
            // The run's own lines, as stride run prints them; an interrupted session's hint to rerun 'stride run'
            // is left out: the demo's simulator is gone by then, and the demo says how to continue instead.
            RunRenderer.Looks looks = new RunRenderer.Looks(out, m, Duration.ofSeconds(1), false, context.env(),
                    RunSummary.Prices.NONE, options.timeout());
            try (CheckpointManager runs = CheckpointManager.open(db, verbose.verbose ? RunRenderer.httpLog(err)
                         : null);
                 RunRenderer renderer = new RunRenderer(looks, db, false, null)) {
                DbFile.sayUpgraded(runs.schemaUpgrade(), spec);
                RunPlan plan = runs.plan(RunRequest.of(input, options), stop);
                stopping.planned().set(true);
                renderer.planned(plan);
                halfway = fresh ? new HalfwayStop(renderer, total / 2, stop::requestStop) : null;
                result = runs.execute(plan, halfway != null ? halfway : renderer, stop);
            } catch (StoppedBeforeStart e) {
                out.println(m.get("msg.run.interruptedWhileReading", input));
                out.flush();
            }
            served = SimulatorWords.served(sim.stats());
        }
        RunInfo after = demoRun().orElse(null);
        // After the file's last close, this one's: the run's summary ends with it.
        DbFile.sayIfUnfolded(lastClose, out, m);
        out.println(m.get("msg.demo.served", served));
        out.println();
        int code = result == null ? ExitCodes.INTERRUPTED : RunRenderer.exitCode(result, KeyHint.NONE, true);
        if (code == ExitCodes.INTERRUPTED && after != null) {
            if (halfway != null && halfway.asked()) {
                out.println(m.get("msg.demo.stoppedHalfway", after.done(), after.total(), db));
                out.println(m.get("msg.demo.runAgain", InvokedAs.command(context.env())));
                out.println(m.get("msg.demo.exitCode"));
                out.flush();
                return ExitCodes.OK;
            }
            out.println(m.get(switch (stopping.by().get() == null ? Signals.Stop.CTRL_C : stopping.by().get()) {
                case CTRL_C -> "msg.demo.ctrlC";
                case SIGTERM -> "msg.demo.sigterm";
                case SIGHUP -> "msg.demo.sighup";
            }, after.done(), after.total(), db));
            out.println(m.get("msg.demo.runAgain", InvokedAs.command(context.env())));
            out.flush();
            return ExitCodes.INTERRUPTED;
        }
        if (code == ExitCodes.OK && after != null) {
            out.println(m.get("msg.demo.done", after.total(), db.toAbsolutePath()));
            printNext(out, m);
        }
        out.flush();
        return code;
    }

    private void printNext(PrintWriter out, Messages m) {
        String d = db.toString();
        String stride = InvokedAs.command(context.env());
        out.println();
        out.println(m.get("msg.demo.next"));
        out.println("  " + stride + " status --db " + d);
        out.println(m.get("msg.demo.next.status"));
        out.println("  sqlite3 " + d + " \"SELECT * FROM progress\"");
        out.println(m.get("msg.demo.next.sql"));
        out.println("  " + stride + " export --db " + d + " -o answers.jsonl");
        out.println(m.get("msg.demo.next.export"));
        out.println("  " + stride + " clear --db " + d + " --all --yes && " + stride + " demo");
        out.println(m.get("msg.demo.next.clear", stride));
        out.println("  " + stride + " serve-sim --latency 200ms --fail-429 0.05");
        out.println(m.get("msg.demo.next.serveSim"));
        out.flush();
    }

    /**
     * The demo's own file is opened for writing (nothing is written): a read-only connection cannot merge and
     * remove the -wal and -shm files, and would leave them beside the newcomer's database.
     */
    private Optional<RunInfo> demoRun() {
        CheckpointStore store = SqliteCheckpointStore.open(db);
        try (store) {
            return store.findRun(MODEL);
        } finally {
            lastClose = store.unfoldedAtClose();
        }
    }

    /** 'run' takes a file path: the bundled dataset is copied to a temporary file first. */
    private static Path extractDataset() throws IOException {
        Path file = Files.createTempFile("stride-demo-", ".jsonl");
        try (InputStream in = DemoCommand.class.getResourceAsStream(DATASET)) {
            if (in == null) {
                throw new IOException("the bundled dataset " + DATASET + " is missing from the jar");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    private static long countLines(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> !l.isBlank()).count();
        }
    }
}
