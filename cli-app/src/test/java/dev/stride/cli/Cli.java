package dev.stride.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** Runs stride commands in this JVM, as the process would, and keeps what they print. */
final class Cli {
    /** Captures the run's stop action, so a test can press "Ctrl+C" whenever it likes. */
    final AtomicReference<Runnable> interrupt = new AtomicReference<>();
    private final Map<String, String> env;

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

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Signals signals = onFirst -> {
            interrupt.set(onFirst);
            return () -> interrupt.set(null);
        };
        CliContext context = new CliContext(signals, env, Duration.ofMillis(5));
        int code = StrideCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), context)
                .execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Presses Ctrl+C on the run in progress, if one is listening. */
    boolean pressCtrlC() {
        Runnable r = interrupt.get();
        if (r == null) {
            return false;
        }
        r.run();
        return true;
    }
}
