package dev.stride.core;

import java.io.Closeable;
import java.util.Iterator;

/** Input records read one at a time, in input order, from any of the formats of {@link InputFormat}. */
public interface RecordReader extends Iterator<InputRecord>, Closeable {

    @Override
    void close();
}
