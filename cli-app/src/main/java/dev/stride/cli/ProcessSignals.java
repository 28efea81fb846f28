package dev.stride.cli;

import dev.stride.core.TemporaryFiles;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT, SIGTERM and SIGHUP for a real process. Handling them ourselves (not in a shutdown hook) lets the run finish
 * its graceful stop and exit with 130 whichever one came: Ctrl+C, {@code kill}, {@code docker stop} and systemd
 * (SIGTERM), or the terminal going away (SIGHUP).
 *
 * <p>A second SIGINT or SIGTERM during the stop halts at once, which is safe because every commit is atomic; one
 * that comes with the first is the same stop ({@link StopSignals}). A second SIGHUP does not halt: when a terminal
 * closes, the shell passes its SIGHUP on to its jobs and the kernel sends another as the shell exits, so two arrive
 * with nobody impatient behind them.
 *
 * <p>A signal ignored when the JVM started stays ignored (HotSpot installs no handler for it): SIGINT of a job
 * that a script started in the background, SIGHUP under {@code nohup}. That is why a script should stop stride with
 * SIGTERM.
 */
final class ProcessSignals implements Signals {
    private final PrintWriter err;
    private final String halted;

    ProcessSignals(PrintWriter err, Messages messages) {
        this.err = err;
        this.halted = messages.get("msg.interruptedHard");
    }

    @Override
    public AutoCloseable onStop(Consumer<Stop> onFirst) {
        StartSignals.handedOver();
        StopSignals stops = new StopSignals();
        SignalHandler stopThenQuit = signal -> {
            switch (stops.on(System.nanoTime())) {
                case STOP -> onFirst.accept(signal.getName().equals("INT") ? Stop.CTRL_C : Stop.SIGTERM);
                case SAME_STOP -> {
                    // the first one's copy: its stop goes on
                }
                case QUIT -> {
                    err.println(halted);
                    err.flush();
                    // halt skips the shutdown hook: a copy's partial file goes now, or stays for good.
                    TemporaryFiles.removeHeld();
                    Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
                }
            }
        };
        SignalHandler stopOnce = signal -> {
            if (stops.stopOnly(System.nanoTime())) {
                onFirst.accept(Stop.SIGHUP);
            }
        };
        Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
        install(new Signal("INT"), stopThenQuit, previous);
        install(new Signal("TERM"), stopThenQuit, previous);
        install(new Signal("HUP"), stopOnce, previous);
        return () -> previous.forEach(ProcessSignals::restore);
    }

    private static void install(Signal signal, SignalHandler handler, Map<Signal, SignalHandler> previous) {
        try {
            previous.put(signal, Signal.handle(signal, handler));
        } catch (IllegalArgumentException vmKeepsIt) {
            // Started with -Xrs, the JVM lets nobody handle these: the signal then ends the process as a crash
            // would, and every commit is kept all the same.
        }
    }

    private static void restore(Signal signal, SignalHandler handler) {
        try {
            Signal.handle(signal, handler);
        } catch (IllegalArgumentException vmKeepsIt) {
            // As in install: nothing of ours to take back.
        }
    }
}
