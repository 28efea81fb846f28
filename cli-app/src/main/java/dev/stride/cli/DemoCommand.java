package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.Phrase;
import dev.stride.core.RunInfo;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
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
            converter = Durations.class, description = "The simulator's latency (tests make it faster).")
    Duration simLatency;

    @Option(names = "--sim-jitter", hidden = true, paramLabel = "DURATION", defaultValue = "20ms",
            converter = Durations.class, description = "The simulator's jitter.")
    Duration simJitter;

    @Option(names = "--sim-tokens-per-second", hidden = true, paramLabel = "N", defaultValue = "150",
            description = "The simulator's generation speed; 0 = instant.")
    double simTokensPerSecond;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Messages m = Messages.of(spec);
        boolean fresh = !Files.exists(db);
        Optional<RunInfo> before = fresh ? Optional.empty() : demoRun();
        if (before.isPresent() && before.get().pending() == 0) {
            RunInfo run = before.get();
            out.println(run.failed() > 0 ? m.get("msg.demo.completeWithFailures", db, run.done(), run.total(),
                    run.failed()) : m.get("msg.demo.complete", db, run.done(), run.total()));
            out.println(m.get("msg.demo.startOver", db));
            out.println(m.get("msg.demo.orDelete", db));
            printNext(out, m);
            return ExitCodes.OK;
        }
        Path input = extractDataset();
        try {
            return runDemo(out, m, input, fresh);
        } finally {
            Files.deleteIfExists(input);
        }
    }

    private int runDemo(PrintWriter out, Messages m, Path input, boolean fresh) throws IOException {
        long total = countLines(input);
        Long stopAfter = fresh ? total / 2 : null;
        SimulatorSettings settings = SimulatorSettings.builder().latency(simLatency).jitter(simJitter)
                .tokensPerSecond(simTokensPerSecond).build();
        int code;
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
            List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db.toString(),
                    "--model", MODEL, "--base-url", sim.url(), "--template", TEMPLATE,
                    "--concurrency", Integer.toString(CONCURRENCY), "--log-every", "1s"));
            if (stopAfter != null) {
                args.addAll(List.of("--stop-after", Long.toString(stopAfter)));
            }
            if (verbose.verbose) {
                args.add("--verbose");
            }
            code = runCommandLine(out).execute(args.toArray(String[]::new));
            served = SimulatorWords.served(sim.stats());
        }
        RunInfo after = demoRun().orElse(null);
        out.println(m.get("msg.demo.served", served));
        out.println();
        if (code == ExitCodes.INTERRUPTED && after != null) {
            long settled = after.done() + after.failed();
            if (stopAfter != null && settled >= stopAfter) {
                out.println(m.get("msg.demo.stoppedHalfway", after.done(), after.total(), db));
                out.println(m.get("msg.demo.runAgain"));
                out.println(m.get("msg.demo.exitCode"));
                out.flush();
                return ExitCodes.OK;
            }
            out.println(m.get("msg.demo.ctrlC", after.done(), after.total(), db));
            out.println(m.get("msg.demo.runAgain"));
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

    /** A command line like the one the process runs, so 'run' gets the same context, writers and error handling. */
    private CommandLine runCommandLine(PrintWriter out) {
        CommandLine root = spec.root().commandLine();
        CommandLine cl = new CommandLine(new StrideCommand(), root.getFactory());
        StrideCommand.configure(cl, new PrintWriter(new WithoutRunResumeHint(out, Messages.of(spec)), true),
                root.getErr(), spec.root().resourceBundle() != null ? spec.root().resourceBundle()
                        : Messages.bundle(Locale.ENGLISH), false);
        cl.setExecutionExceptionHandler(root.getExecutionExceptionHandler());
        return cl;
    }

    private void printNext(PrintWriter out, Messages m) {
        String d = db.toString();
        out.println();
        out.println(m.get("msg.demo.next"));
        out.println("  ./stride status --db " + d);
        out.println(m.get("msg.demo.next.status"));
        out.println("  sqlite3 " + d + " \"SELECT * FROM progress\"");
        out.println(m.get("msg.demo.next.sql"));
        out.println("  ./stride export --db " + d + " -o answers.jsonl");
        out.println(m.get("msg.demo.next.export"));
        out.println("  ./stride clear --db " + d + " --all && ./stride demo");
        out.println(m.get("msg.demo.next.clear"));
        out.println("  ./stride serve-sim --latency 200ms --fail-429 0.05");
        out.println(m.get("msg.demo.next.serveSim"));
        out.flush();
    }

    /**
     * The demo's own file is opened for writing (nothing is written): a read-only connection cannot merge and
     * remove the -wal and -shm files, and would leave them beside the newcomer's database.
     */
    private Optional<RunInfo> demoRun() {
        try (CheckpointStore store = SqliteCheckpointStore.open(db)) {
            return store.findRun(MODEL);
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

    /**
     * Passes the run's output through, except its "Interrupted: ..." line: that one suggests a bare 'stride run'
     * against the stored base URL, and the demo's simulator is gone by then. The demo says how to continue instead.
     */
    private static final class WithoutRunResumeHint extends Writer {
        private final PrintWriter next;
        private final String hint;
        private final StringBuilder line = new StringBuilder();

        WithoutRunResumeHint(PrintWriter next, Messages messages) {
            this.next = next;
            this.hint = messages.get("msg.run.interruptedPrefix");
        }

        @Override
        public synchronized void write(char[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                line.append(buf[i]);
                if (buf[i] == '\n') {
                    emit();
                }
            }
        }

        private void emit() {
            if (!line.toString().startsWith(hint)) {
                next.write(line.toString());
            }
            line.setLength(0);
        }

        @Override
        public synchronized void flush() {
            next.flush();
        }

        @Override
        public synchronized void close() {
            if (line.length() > 0) {
                emit();
            }
            next.flush();
        }
    }
}
