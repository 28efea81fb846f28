package dev.stride.cli;

import picocli.CommandLine.ITypeConverter;

/**
 * {@code --rpm} and {@code --tpm}: a budget per minute of at least 1. Checked as the option is converted, so a config
 * file's {@code rpm: 0} is named by its file and setting, as any other bad setting is, and the command line's in the
 * same words.
 */
final class PerMinute {
    private PerMinute() {
    }

    /** {@code --rpm}. */
    static final class Requests implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return atLeastOne(value, "msg.rpm.tooSmall");
        }
    }

    /** {@code --tpm}. */
    static final class Tokens implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return atLeastOne(value, "msg.tpm.tooSmall");
        }
    }

    private static Long atLeastOne(String value, String tooSmall) {
        long n = WholeNumbers.read(value, Long.MAX_VALUE);
        if (n < 1) {
            throw new UnreadableValue(Messages.text(tooSmall, value));
        }
        return n;
    }
}
