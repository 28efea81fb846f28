package dev.stride.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * A person at a terminal whom a command can ask before it does something that cannot be undone, or nobody. The
 * process asks through {@link System#console()}; tests hand a command their own, so the question and its answers are
 * tested without a terminal.
 */
interface Terminal {

    /** Whether someone can be asked: false when stdin or stdout is a pipe, a file or nothing (cron, CI, scripts). */
    boolean present();

    /** Shows {@code question} and returns the line typed after it, or null at end of input (Ctrl+D). */
    String ask(String question);

    /** Nobody to ask. */
    Terminal NONE = new Terminal() {
        @Override
        public boolean present() {
            return false;
        }

        @Override
        public String ask(String question) {
            return null;
        }
    };

    /**
     * The process's terminal, the question shown through {@code out}. On Java 17 {@link System#console()} is there
     * only when both stdin and stdout are a terminal: {@code stride clear ... < /dev/null} or in a pipe has none, so
     * it is refused rather than answered by whatever stdin holds. The question goes out and the answer comes in as
     * UTF-8, as everything stride prints does: the Console's own charset follows the JVM's locale, which a container
     * without the user's locale installed sets to ASCII, and then a Chinese yes (是) would arrive as '?'.
     */
    static Terminal system(PrintWriter out) {
        if (System.console() == null) {
            return NONE;
        }
        return new Terminal() {
            @Override
            public boolean present() {
                return true;
            }

            @Override
            public String ask(String question) {
                out.print(question);
                out.flush();
                try {
                    // Not closed: closing it would close the process's stdin.
                    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                } catch (IOException e) {
                    return null;
                }
            }
        };
    }
}
