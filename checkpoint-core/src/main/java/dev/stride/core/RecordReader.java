package dev.stride.core;

import java.io.Closeable;
import java.util.Iterator;
import java.util.Optional;

/** Input records read one at a time, in input order, from any of the formats of {@link InputFormat}. */
public interface RecordReader extends Iterator<InputRecord>, Closeable {

    /**
     * The {@link InputDigest} of every byte this reader read, once it has read its input to the end (has returned
     * false from {@link #hasNext()}); empty before that, and for an input that is not a file (standard input).
     */
    default Optional<String> inputDigest() {
        return Optional.empty();
    }

    @Override
    void close();
}
