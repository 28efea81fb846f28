package dev.stride.core;

/**
 * An exception whose message is a {@link Phrase}, so the command line can show it in the reader's language;
 * {@code getMessage()} is its English.
 */
public interface Phrased {
    Phrase phrase();
}
