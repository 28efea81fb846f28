package dev.stride.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;

/** Runs stride commands in this JVM, as the process would, and keeps what they print. */
final class Cli {
    /** Captures the run's stop action, so a test can press "Ctrl+C" whenever it likes. */
    final AtomicReference<Consumer<Signals.Stop>> interrupt = new AtomicReference<>();
    private final Map<String, String> env;
    private volatile Consumer<String> errWatcher = text -> { };
    private volatile Consumer<String> outWatcher = text -> { };
    /** Where {@code stride clear} asks; nobody, as in a script, unless a test says otherwise. */
    private volatile Terminal terminal = Terminal.NONE;
    /** Whether "Ctrl+C" is pressed the moment a command starts listening for it ({@link #stoppingAtOnce}). */
    private volatile boolean stopAtOnce;
    /** The clock by which {@code stride export} shows its progress as on a terminal; null: no terminal, as here. */
    private volatile java.util.function.LongSupplier exportWatchedBy;
    private volatile java.util.function.LongSupplier inputWatchedBy;
    private volatile java.util.function.LongSupplier progressBy;
    /** Run the moment a command starts listening for Ctrl+C, before any press ({@link #whenListening}). */
    private volatile Runnable onListening = () -> { };

    Cli() {
        this(Map.of());
    }

    Cli(Map<String, String> env) {
        this.env = env;
    }

    record Result(int exitCode, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /**
     * Hands {@code watcher} each piece of text the command writes to its error stream, in the writing thread, as it
     * is written (a println's line arrives whole): a test can act at the moment something is logged.
     */
    Cli watchingErr(Consumer<String> watcher) {
        this.errWatcher = watcher;
        return this;
    }

    /** As {@link #watchingErr}, for the output stream (progress lines, the summary). */
    Cli watchingOut(Consumer<String> watcher) {
        this.outWatcher = watcher;
        return this;
    }

    /** Has {@code stride clear} ask on {@code terminal}, as it asks a person at a real one. */
    Cli on(Terminal terminal) {
        this.terminal = terminal;
        return this;
    }

    /** Has {@code stride export} show its progress as it does on a terminal, by {@code clock}'s time. */
    Cli exportWatchedBy(java.util.function.LongSupplier clock) {
        this.exportWatchedBy = clock;
        return this;
    }

    /** Has {@code stride run} show the reading of its input as it does on a terminal, by {@code clock}'s time. */
    Cli inputWatchedBy(java.util.function.LongSupplier clock) {
        this.inputWatchedBy = clock;
        return this;
    }

    /** Has {@code stride run} show a session's progress by {@code clock}'s time. */
    Cli progressBy(java.util.function.LongSupplier clock) {
        this.progressBy = clock;
        return this;
    }

    /**
     * Presses "Ctrl+C" as soon as the command listens for it, before its first step: a stop at a known point with
     * no thread racing the command.
     */
    Cli stoppingAtOnce() {
        this.stopAtOnce = true;
        return this;
    }

    /** Runs {@code look} the moment the command starts listening for Ctrl+C: what it has done by then. */
    Cli whenListening(Runnable look) {
        this.onListening = look;
        return this;
    }

    Result run(String... args) {
        StringWriter out = watched(outWatcher);
        Result r = runWithOut(new PrintWriter(out, true), args);
        return new Result(r.exitCode(), out.toString(), r.err());
    }

    /**
     * As {@link #run}, with {@code out} as standard output, as Main hands the command its own ({@link StandardOutput});
     * what goes there is the caller's to read, and the result's {@code out} is empty.
     */
    Result runWithOut(PrintWriter out, String... args) {
        StringWriter err = watched(errWatcher);
        Signals signals = onFirst -> {
            onListening.run();
            if (stopAtOnce) {
                onFirst.accept(Signals.Stop.CTRL_C);
            }
            interrupt.set(onFirst);
            return () -> interrupt.set(null);
        };
        CliContext context = new CliContext(signals, env, Duration.ofMillis(5));
        // As Main builds it: only the command the arguments name, when they name one.
        CommandLine cl = StrideCommand.commandLineFor(out, new PrintWriter(err, true), context, args);
        CommandLine clear = cl.getSubcommands().get("clear");
        if (clear != null) {
            ((ClearCommand) clear.getCommand()).terminal = terminal;
        }
        CommandLine export = cl.getSubcommands().get("export");
        if (export != null && exportWatchedBy != null) {
            ((ExportCommand) export.getCommand()).watched = true;
            ((ExportCommand) export.getCommand()).nanoTime = exportWatchedBy;
        }
        CommandLine run = cl.getSubcommands().get("run");
        if (run != null && inputWatchedBy != null) {
            ((RunCommand) run.getCommand()).inputWatched = true;
            ((RunCommand) run.getCommand()).nanoTime = inputWatchedBy;
        }
        if (run != null && progressBy != null) {
            ((RunCommand) run.getCommand()).sessionClock = progressBy;
        }
        int code = cl.execute(args);
        return new Result(code, "", err.toString());
    }

    /** A writer that keeps what is written and hands each piece to {@code watcher} as it is written. */
    private static StringWriter watched(Consumer<String> watcher) {
        return new StringWriter() {
            @Override
            public void write(String str, int off, int len) {
                super.write(str, off, len);
                watcher.accept(str.substring(off, off + len));
            }
        };
    }

    /** Presses Ctrl+C on the run in progress, if one is listening. */
    boolean pressCtrlC() {
        return stop(Signals.Stop.CTRL_C);
    }

    /** Sends the run in progress a stop signal, as {@code kill PID} or a closed terminal would, if one is listening. */
    boolean stop(Signals.Stop how) {
        Consumer<Signals.Stop> r = interrupt.get();
        if (r == null) {
            return false;
        }
        r.accept(how);
        return true;
    }
}
