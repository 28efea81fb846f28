package dev.stride.cli;

import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import picocli.CommandLine.TypeConversionException;

/**
 * An option's or a config setting's value that its converter cannot take (a duration, a concurrency, a budget per
 * minute). picocli keeps a converter's exception as the cause of its own, so the reader gets these words translated.
 */
final class UnreadableValue extends TypeConversionException implements Phrased {
    private static final long serialVersionUID = 1L;

    private final transient Phrase phrase;

    UnreadableValue(Phrase phrase) {
        super(phrase.english());
        this.phrase = phrase;
    }

    @Override
    public Phrase phrase() {
        return phrase;
    }
}
