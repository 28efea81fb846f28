package dev.stride.cli;

import java.io.PrintWriter;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl+C, SIGTERM and SIGHUP from the first line of {@link Main} until a command listens for them itself ({@link
 * ProcessSignals}). The JVM's own handling ended a start stopped in its first half second with 143 (129 for SIGHUP)
 * and not a word, so a script that reruns on 130 took it for a failure. A stop then exits 130, as every stop does,
 * with one line: nothing was started or saved, and the same command starts it. A command that has given the signals
 * back has ended its work (a run's summary, the JVM's exit are left): a stop then exits 130 with no line, since this
 * one would be untrue there.
 *
 * <p>It ends the process as the JVM's handling did, through {@link System#exit} and so the shutdown hooks, only with
 * another code. A signal ignored when the JVM started stays ignored, as in {@link ProcessSignals}.
 */
final class StartSignals {
    private static volatile boolean handedOver;

    private StartSignals() {
    }

    /** Listens for a stop while the process starts; its line goes to {@code err}, in the language of the environment. */
    static void install(PrintWriter err) {
        SignalHandler stop = signal -> {
            if (!handedOver) {
                err.println(Messages.of(Messages.localeOf(System.getenv())).get("msg.stoppedStarting"));
                err.flush();
            }
            System.exit(ExitCodes.INTERRUPTED);
        };
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            try {
                Signal.handle(new Signal(name), stop);
            } catch (IllegalArgumentException vmKeepsIt) {
                // Started with -Xrs: the JVM lets nobody handle these (ProcessSignals says the same).
            }
        }
    }

    /** A command listens for the stop signals from now on; given back, they are no longer the start's. */
    static void handedOver() {
        handedOver = true;
    }
}
