package dev.stride.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The few parts of Thrift's compact protocol that a Parquet writer needs to write its page headers and footer:
 * structs of integers, strings, booleans, nested structs and lists. Written by hand so that writing Parquet does not
 * bring in a Thrift runtime (see BENCHMARKS.md).
 */
final class ThriftCompact {
    private static final int BOOLEAN_TRUE = 1;
    private static final int BOOLEAN_FALSE = 2;
    private static final int I32 = 5;
    private static final int I64 = 6;
    private static final int BINARY = 8;
    private static final int LIST = 9;
    private static final int STRUCT = 12;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    /** The last field id written in each open struct: compact field headers carry the difference to it. */
    private final Deque<Integer> lastField = new ArrayDeque<>();
    private int last;

    ThriftCompact i32(int field, int value) {
        header(field, I32);
        varint(zigzag(value));
        return this;
    }

    ThriftCompact i64(int field, long value) {
        header(field, I64);
        varint(zigzag(value));
        return this;
    }

    ThriftCompact string(int field, String value) {
        header(field, BINARY);
        binary(value);
        return this;
    }

    ThriftCompact bool(int field, boolean value) {
        header(field, value ? BOOLEAN_TRUE : BOOLEAN_FALSE);
        return this;
    }

    ThriftCompact i32List(int field, List<Integer> values) {
        header(field, LIST);
        listHeader(values.size(), I32);
        values.forEach(v -> varint(zigzag(v)));
        return this;
    }

    ThriftCompact stringList(int field, List<String> values) {
        header(field, LIST);
        listHeader(values.size(), BINARY);
        values.forEach(this::binary);
        return this;
    }

    /** Opens a struct-valued field; {@link #end} closes it. */
    ThriftCompact struct(int field) {
        header(field, STRUCT);
        return begin();
    }

    /** Opens a list of {@code size} structs; each element is opened with {@link #begin} and closed with {@link #end}. */
    ThriftCompact structList(int field, int size) {
        header(field, LIST);
        listHeader(size, STRUCT);
        return this;
    }

    /** Opens a struct that is not a field: the message itself or a list element. */
    ThriftCompact begin() {
        lastField.push(last);
        last = 0;
        return this;
    }

    ThriftCompact end() {
        out.write(0);
        last = lastField.pop();
        return this;
    }

    /** Appends what another writer encoded whole, e.g. a struct element of a list. */
    ThriftCompact raw(byte[] encoded) {
        out.writeBytes(encoded);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private void header(int field, int type) {
        int delta = field - last;
        if (delta > 0 && delta <= 15) {
            out.write(delta << 4 | type);
        } else {
            out.write(type);
            varint(zigzag(field));
        }
        last = field;
    }

    private void listHeader(int size, int elementType) {
        if (size < 15) {
            out.write(size << 4 | elementType);
        } else {
            out.write(0xF0 | elementType);
            varint(size);
        }
    }

    private void binary(String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        varint(b.length);
        out.write(b, 0, b.length);
    }

    private void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long zigzag(long v) {
        return v << 1 ^ v >> 63;
    }
}
