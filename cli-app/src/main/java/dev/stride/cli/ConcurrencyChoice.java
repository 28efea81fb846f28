package dev.stride.cli;

import dev.stride.app.RunOptions;
import picocli.CommandLine.ITypeConverter;

/**
 * {@code --concurrency}: a whole number of requests in flight, or {@code auto} to follow what each server takes.
 * The option stays text (so a config file can set it like any other); this converter refuses anything else as the
 * command line is parsed, and {@link #parse} reads it.
 *
 * @param fixed the number given; 0 with {@code auto}
 */
record ConcurrencyChoice(int fixed, boolean auto) {

    static final String AUTO = "auto";

    /** @throws UnreadableValue for neither a whole number nor {@code auto} */
    static ConcurrencyChoice parse(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase(AUTO)) {
            return new ConcurrencyChoice(0, true);
        }
        if (!t.matches("[-+]?\\d+")) {
            throw new UnreadableValue(Messages.text("msg.concurrency.invalid", text));
        }
        // Refused here, not only by the app: a config file's value is then named by its setting, and the command
        // line's 0 and 99999999999 read alike.
        if (!inRange(t)) {
            throw new UnreadableValue(Messages.text("msg.concurrency.outOfRange", text, RunOptions.MAX_CONCURRENCY));
        }
        return new ConcurrencyChoice(Integer.parseInt(t), false);
    }

    /** Whether the whole number {@code digits} is one a run takes, 1 to {@link RunOptions#MAX_CONCURRENCY}. */
    private static boolean inRange(String digits) {
        try {
            int n = Integer.parseInt(digits);
            return n >= 1 && n <= RunOptions.MAX_CONCURRENCY;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Checks the text as picocli parses the command line; the option keeps the text. */
    static final class Converter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            parse(value);
            return value;
        }
    }

    /** {@code --max-concurrency}: a whole number in the range a run takes, in the words of {@code --concurrency}'s. */
    static final class Maximum implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            String t = value.strip();
            if (!t.matches("[-+]?\\d+")) {
                throw new UnreadableValue(Messages.text("msg.config.notWholeNumber", value));
            }
            if (!inRange(t)) {
                throw new UnreadableValue(Messages.text("msg.concurrency.maxOutOfRange", value,
                        RunOptions.MAX_CONCURRENCY));
            }
            return Integer.valueOf(t);
        }
    }
}
