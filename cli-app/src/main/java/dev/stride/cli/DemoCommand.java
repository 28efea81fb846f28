package dev.stride.cli;

import dev.stride.core.CheckpointStore;
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

@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Shows stride at work with nothing but a JDK: starts the built-in simulator (see serve-sim) and runs a"
                    + " bundled set of 300 short medical questions through it with the real 'run' command.",
            "On a new database the first call stops itself halfway, as a crash would; call it again to see the"
                    + " resume. The database stays where it is, for status, export and sqlite3."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the demo ended as designed (including its own halfway stop)",
            "1:an error",
            "130:you pressed Ctrl+C; run it again to continue",
        })
final class DemoCommand implements Callable<Integer> {
    static final String MODEL = "qwen-medical-lora-251106-f16";
    static final String TEMPLATE = "Answer briefly: {{question}}";
    private static final String DATASET = "/demo/medical-questions.jsonl";
    private static final int CONCURRENCY = 8;

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--db", paramLabel = "FILE", defaultValue = "stride-demo.db",
            description = "Where the demo keeps its run (default: ${DEFAULT-VALUE}, in the current directory).")
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
        boolean fresh = !Files.exists(db);
        Optional<RunInfo> before = fresh ? Optional.empty() : demoRun();
        if (before.isPresent() && before.get().pending() == 0) {
            RunInfo run = before.get();
            out.printf(Locale.ROOT, "The demo in %s is complete: %d/%d questions answered%s.%n", db, run.done(),
                    run.total(), run.failed() > 0 ? ", " + run.failed() + " failed" : "");
            out.println("To start over: ./stride clear --db " + db + " --all && ./stride demo   (runs to the end;"
                    + " press Ctrl+C yourself),");
            out.println("            or delete the file: rm " + db + " " + db + "-wal " + db + "-shm   (the first"
                    + " call stops itself halfway again).");
            printNext(out);
            return ExitCodes.OK;
        }
        Path input = extractDataset();
        try {
            return runDemo(out, input, fresh);
        } finally {
            Files.deleteIfExists(input);
        }
    }

    private int runDemo(PrintWriter out, Path input, boolean fresh) throws IOException {
        long total = countLines(input);
        Long stopAfter = fresh ? total / 2 : null;
        SimulatorSettings settings = SimulatorSettings.builder().latency(simLatency).jitter(simJitter)
                .tokensPerSecond(simTokensPerSecond).build();
        int code;
        String served;
        try (Simulator sim = new Simulator(settings).start(0)) {
            out.println("stride demo: " + total + " short medical questions, answered by the built-in simulator at "
                    + sim.url());
            out.println("  (" + settings.describe() + "; any model name is served)");
            out.println("  Every answer is saved in " + db + " as it arrives.");
            if (fresh) {
                out.println("  This first call stops itself after half of the questions, as a crash would.");
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
            served = sim.stats().summary();
        }
        RunInfo after = demoRun().orElse(null);
        out.println("  (simulator: " + served + ")");
        out.println();
        if (code == ExitCodes.INTERRUPTED && after != null) {
            long settled = after.done() + after.failed();
            if (stopAfter != null && settled >= stopAfter) {
                out.printf(Locale.ROOT, "The demo stopped itself halfway, as a crash would: %d/%d answers are saved"
                        + " in %s.%n", after.done(), after.total(), db);
                out.println("Run ./stride demo again: it resumes where it stopped.");
                out.println("(The run ended as an interrupted run does, with exit code 130; the demo exits 0 because"
                        + " it planned this stop.)");
                out.flush();
                return ExitCodes.OK;
            }
            out.printf(Locale.ROOT, "You pressed Ctrl+C: %d/%d answers are saved in %s.%n", after.done(),
                    after.total(), db);
            out.println("Run ./stride demo again: it resumes where it stopped.");
            out.flush();
            return ExitCodes.INTERRUPTED;
        }
        if (code == ExitCodes.OK && after != null) {
            out.printf(Locale.ROOT, "Demo complete: all %d questions answered; the answers are in %s%n",
                    after.total(), db.toAbsolutePath());
            printNext(out);
        }
        out.flush();
        return code;
    }

    /** A command line like the one the process runs, so 'run' gets the same context, writers and error handling. */
    private CommandLine runCommandLine(PrintWriter out) {
        CommandLine root = spec.root().commandLine();
        CommandLine cl = new CommandLine(new StrideCommand(), root.getFactory());
        cl.setOut(new PrintWriter(new WithoutRunResumeHint(out), true));
        cl.setErr(root.getErr());
        cl.setExecutionExceptionHandler(root.getExecutionExceptionHandler());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    private void printNext(PrintWriter out) {
        String d = db.toString();
        out.println();
        out.println("What to try next:");
        out.println("  ./stride status --db " + d);
        out.println("      how far every run in the file is");
        out.println("  sqlite3 " + d + " \"SELECT * FROM progress\"");
        out.println("      the same in plain SQL (sqlite3 is optional; any SQLite tool opens the file;"
                + " the 'results' view has every answer)");
        out.println("  ./stride export --db " + d + " -o answers.jsonl");
        out.println("      one JSON line per question: id, output, status, tokens, latency");
        out.println("  ./stride clear --db " + d + " --all && ./stride demo");
        out.println("      then press Ctrl+C while it runs, and run ./stride demo again: it resumes");
        out.println("  ./stride serve-sim --latency 200ms --fail-429 0.05");
        out.println("      a simulator of your own, to rehearse 'stride run' before pointing it at a real server");
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
        private final StringBuilder line = new StringBuilder();

        WithoutRunResumeHint(PrintWriter next) {
            this.next = next;
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
            if (!line.toString().startsWith("Interrupted: ")) {
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
