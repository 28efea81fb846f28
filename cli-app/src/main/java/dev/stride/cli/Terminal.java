package dev.stride.cli;

import java.io.Console;

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
     * The process's terminal. On Java 17 {@link System#console()} is there only when both stdin and stdout are a
     * terminal: {@code stride clear ... < /dev/null} or in a pipe has none, so it is refused rather than answered by
     * whatever stdin holds.
     */
    static Terminal system() {
        Console console = System.console();
        if (console == null) {
            return NONE;
        }
        return new Terminal() {
            @Override
            public boolean present() {
                return true;
            }

            @Override
            public String ask(String question) {
                // Console.readLine's first argument is a format: the question is passed as an argument, so a run
                // named "50%" is shown as it is.
                return console.readLine("%s", question);
            }
        };
    }
}
