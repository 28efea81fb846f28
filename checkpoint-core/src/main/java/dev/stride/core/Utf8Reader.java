package dev.stride.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads UTF-8 text and, where the bytes are not UTF-8, says on which line and in which column: every character before
 * the bad bytes is delivered first, then the read fails with {@link NotUtf8}. (The JDK's InputStreamReader fails for a
 * whole buffer at once, so the place is lost.) A byte-order mark at the start is skipped. Lines end at LF; columns
 * count characters (a character outside the Basic Multilingual Plane is one column), from 1.
 */
public final class Utf8Reader extends Reader {

    /** Bytes that are not UTF-8, at {@link #line()} and {@link #column()} of the text read so far. */
    public static final class NotUtf8 extends CharacterCodingException {
        private static final long serialVersionUID = 1L;

        private final long line;
        private final long column;

        NotUtf8(long line, long column) {
            this.line = line;
            this.column = column;
        }

        public long line() {
            return line;
        }

        public long column() {
            return column;
        }

        @Override
        public String getMessage() {
            return "not UTF-8 at line " + line + ", column " + column;
        }
    }

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(1 << 16).flip();
    private final CharBuffer chars = CharBuffer.allocate(1 << 16).flip();
    private boolean endOfBytes;
    private boolean flushed;
    private boolean badBytesNext;
    private boolean started;
    private long line = 1;
    private long column = 1;
    private boolean afterHighSurrogate;

    public Utf8Reader(InputStream in) {
        this.in = in;
    }

    /** The line of the next character. */
    public long line() {
        return line;
    }

    /** The column of the next character. */
    public long column() {
        return column;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(length, chars.remaining());
        chars.get(buffer, offset, n);
        for (int i = offset; i < offset + n; i++) {
            count(buffer[i]);
        }
        return n;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        char c = chars.get();
        count(c);
        return c;
    }

    private void count(char c) {
        if (c == '\n') {
            line++;
            column = 1;
        } else if (!(afterHighSurrogate && Character.isLowSurrogate(c))) {
            column++;
        }
        afterHighSurrogate = Character.isHighSurrogate(c);
    }

    /** True when a character is ready; false at the end; throws at bad bytes once the good ones before are read. */
    private boolean fill() throws IOException {
        while (!chars.hasRemaining()) {
            if (badBytesNext) {
                throw new NotUtf8(line, column);
            }
            if (flushed) {
                return false;
            }
            decodeMore();
        }
        if (!started) {
            started = true;
            if (chars.get(chars.position()) == '\uFEFF') {
                chars.get();
                return fill();
            }
        }
        return true;
    }

    private void decodeMore() throws IOException {
        if (!endOfBytes) {
            bytes.compact();
            int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
            if (n < 0) {
                endOfBytes = true;
            } else {
                bytes.position(bytes.position() + n);
            }
            bytes.flip();
        }
        chars.clear();
        CoderResult result = decoder.decode(bytes, chars, endOfBytes);
        if (result.isError()) {
            badBytesNext = true;
        } else if (endOfBytes && !bytes.hasRemaining()) {
            decoder.flush(chars);
            flushed = true;
        }
        chars.flip();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
