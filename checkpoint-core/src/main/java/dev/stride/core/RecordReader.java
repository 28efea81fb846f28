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

    /**
     * The field of the first record that looks like its id, when that record has no id field itself and is numbered
     * by its line: named as the id field but for case ({@code ID} for {@code id}), or, for the default field, named
     * like an id ({@code question_id}, {@code custom_id}, {@code questionId}, {@code uid}, {@code key}); empty
     * otherwise, and before the first record is read.
     */
    default Optional<String> likelyIdField() {
        return Optional.empty();
    }

    /**
     * Whether a record read so far had no id field and took its line number as its id: such records are matched with
     * a run's by position, so a line deleted or added shifts every record after it onto another's stored one.
     */
    default boolean numberedByLine() {
        return false;
    }

    @Override
    void close();
}
