package dev.stride.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM for a real process. Handling them ourselves (not in a shutdown hook) lets the run finish its
 * graceful stop and exit with 130; a second signal halts at once, which is safe because every commit is atomic.
 */
final class ProcessSignals implements Signals {
    private final PrintWriter err;
    private final String halted;

    ProcessSignals(PrintWriter err, Messages messages) {
        this.err = err;
        this.halted = messages.get("msg.interruptedHard");
    }

    @Override
    public AutoCloseable onInterrupt(Runnable onFirst) {
        AtomicInteger count = new AtomicInteger();
        SignalHandler handler = signal -> {
            if (count.incrementAndGet() == 1) {
                onFirst.run();
            } else {
                err.println(halted);
                err.flush();
                Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
            }
        };
        Signal interrupt = new Signal("INT");
        Signal terminate = new Signal("TERM");
        SignalHandler previousInt = Signal.handle(interrupt, handler);
        SignalHandler previousTerm = Signal.handle(terminate, handler);
        return () -> {
            Signal.handle(interrupt, previousInt);
            Signal.handle(terminate, previousTerm);
        };
    }
}
