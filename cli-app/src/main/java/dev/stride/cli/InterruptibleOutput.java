package dev.stride.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A command that writes its output to {@code -o FILE}, a device or pipe, or standard output, and gives it up on
 * Ctrl+C, SIGTERM or SIGHUP (export, report, compare): exit 130 and one line that says what became of the output,
 * where the JVM would end with 143 and no word. A file is written whole or not at all ({@link OutputFile#write}), so
 * a stop asked before its name leaves no file, or the one that was there as it was.
 */
final class InterruptibleOutput {
    /** The command's lines for a stop, by where its output went; each may name the output as {0}. */
    record Words(String standardOutput, String stream, String fresh, String into) {
    }

    /** What the command does, asking {@link Stop#check} between its steps and before a whole file gets its name. */
    @FunctionalInterface
    interface Work {
        int write(Stop stop) throws Exception;
    }

    /** Whether a stop was asked for; set by the first signal. */
    static final class Stop {
        private final AtomicBoolean asked = new AtomicBoolean();

        boolean asked() {
            return asked.get();
        }

        /** Throws {@link Stopped} once a stop was asked for. */
        void check() {
            if (asked.get()) {
                throw new Stopped();
            }
        }
    }

    /** The output given up because a stop was asked for: what was written is incomplete, and the command says so. */
    static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("stopped before the output was complete");
        }
    }

    private InterruptibleOutput() {
    }

    /**
     * Runs {@code work} listening for a stop from before it opens anything (a stop during the opening is seen at its
     * first check), and turns a {@link Stopped} into the one line of {@code words} for where the output went.
     *
     * @param output {@code -o}: null or {@code -} for standard output
     */
    static int run(Signals signals, Path output, Words words, Work work) throws Exception {
        boolean toStandardOutput = output == null || OutputFile.isStandardOutput(output);
        // A device or a pipe given as -o is written as it is (WholeFile): a stop cuts it short as standard output.
        boolean direct = toStandardOutput || Files.exists(output) && !Files.isRegularFile(output);
        boolean fresh = !direct && !Files.exists(output);
        Stop stop = new Stop();
        try (AutoCloseable listening = signals.onInterrupt(() -> stop.asked.set(true))) {
            return work.write(stop);
        } catch (Stopped e) {
            throw UserError.of(ExitCodes.INTERRUPTED, toStandardOutput ? words.standardOutput()
                    : direct ? words.stream() : fresh ? words.fresh() : words.into(), output);
        }
    }
}
