package dev.stride.cli;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

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
        String t = value.strip();
        if (!t.matches("[-+]?\\d+")) {
            throw new NotABudget(Messages.text("msg.config.notWholeNumber", value));
        }
        long n;
        try {
            n = Long.parseLong(t);
        } catch (NumberFormatException e) {
            if (t.startsWith("-")) {
                throw new NotABudget(Messages.text(tooSmall, value));
            }
            throw new NotABudget(Messages.text("msg.config.tooLarge", value, Long.MAX_VALUE));
        }
        if (n < 1) {
            throw new NotABudget(Messages.text(tooSmall, value));
        }
        return n;
    }

    /** picocli keeps a converter's exception as the cause of its own, so the reader gets these words translated. */
    static final class NotABudget extends TypeConversionException implements Phrased {
        private static final long serialVersionUID = 1L;

        private final transient Phrase phrase;

        NotABudget(Phrase phrase) {
            super(phrase.english());
            this.phrase = phrase;
        }

        @Override
        public Phrase phrase() {
            return phrase;
        }
    }
}
