package dev.stride.cli;

import picocli.CommandLine.ITypeConverter;

/**
 * A run's counts ({@code --save-interval}, {@code --retries}, {@code --max-tokens}, {@code --json-retries}) refused as
 * the command line or the config file is read, in the words of every other value refused there ("invalid value for
 * --save-interval: '0' is too small (at least 1)", then where to read the options), not in the app's own style, which
 * a program using the Java API still gets.
 */
final class WholeNumbers {
    private WholeNumbers() {
    }

    /** {@code value} as an int of at least {@code least}. */
    static int atLeast(String value, int least) {
        long n = read(value, Integer.MAX_VALUE);
        if (n < 0 && least == 0) {
            throw new UnreadableValue(Messages.text("msg.value.negative", value));
        }
        if (n < least) {
            throw new UnreadableValue(Messages.text("msg.config.tooSmall", value, least));
        }
        return (int) n;
    }

    /**
     * {@code value} as a whole number of at most {@code largest}, refused as too large past it; one below a long's
     * range is {@link Long#MIN_VALUE}, for the caller to refuse in its words.
     */
    static long read(String value, long largest) {
        String t = value.strip();
        if (!t.matches("[-+]?\\d+")) {
            throw new UnreadableValue(Messages.text("msg.config.notWholeNumber", value));
        }
        long n;
        try {
            n = Long.parseLong(t);
        } catch (NumberFormatException e) {
            if (!t.startsWith("-")) {
                throw new UnreadableValue(Messages.text("msg.config.tooLarge", value, largest));
            }
            n = Long.MIN_VALUE;
        }
        if (n > largest) {
            throw new UnreadableValue(Messages.text("msg.config.tooLarge", value, largest));
        }
        return n;
    }

    /** 1 or more: {@code --save-interval}, {@code --max-tokens}. */
    static final class AtLeastOne implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return atLeast(value, 1);
        }
    }

    /** 0 or more: {@code --retries}, {@code --json-retries}. */
    static final class NotNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return atLeast(value, 0);
        }
    }
}
