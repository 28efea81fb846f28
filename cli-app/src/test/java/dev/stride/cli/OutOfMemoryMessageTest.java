package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * A command whose heap runs out ({@code stride compare} of two runs of a million records in {@code -Xmx96m}) ends
 * with one line that says so and how to give it more, exit code 1, and no stack trace (the JVM's "Exception in thread
 * main" and forty lines of jOOQ before).
 */
class OutOfMemoryMessageTest {

    /** Stands for a command that needs more heap than it has: the JVM's own error, as the JVM throws it. */
    @Command(name = "compare")
    static final class HeapHungry implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    private record Outcome(int exitCode, String out, String err) {
    }

    private static Outcome run(Locale locale) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true);
        CommandLine cl = new CommandLine(new StrideCommand());
        cl.addSubcommand(new HeapHungry());
        StrideCommand.configure(cl, outWriter, errWriter, Messages.bundle(locale), true);
        try {
            int code = cl.execute("compare");
            return new Outcome(code, out.toString(), err.toString());
        } catch (OutOfMemoryError escaped) {
            // what main saw before: the JVM then printed "Exception in thread main" and the stack trace
            return new Outcome(-1, out.toString(), err + "escaped to main: " + escaped);
        }
    }

    @Test
    void aHeapTooSmallIsOneLineThatSaysHowToGiveItMore() {
        Outcome o = run(Locale.ENGLISH);

        long maxMb = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        assertThat(o.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(o.out()).isEmpty();
        assertThat(o.err()).isEqualTo("stride: out of memory: the Java heap (at most " + maxMb
                + " MB) is too small for compare here; give it more and run it again, e.g. JAVA_OPTS=-Xmx"
                + Math.max(256, maxMb * 4) + "m ./stride compare ...\n");
        assertThat(o.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void itIsSaidInChineseToo() {
        Outcome o = run(Locale.SIMPLIFIED_CHINESE);

        assertThat(o.exitCode()).isEqualTo(ExitCodes.ERROR);
        assertThat(o.err()).startsWith("stride: 内存不足：Java 堆（最多 ").contains("JAVA_OPTS=-Xmx")
                .doesNotContain("\tat ").endsWith("\n");
        assertThat(o.err().lines()).hasSize(1);
    }
}
