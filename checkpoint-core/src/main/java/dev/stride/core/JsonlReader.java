package dev.stride.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.NoSuchElementException;

/**
 * Reads a JSONL file (gzip-compressed or not) one line at a time, so a file of any size streams through in constant memory. Blank lines are
 * skipped, a byte-order mark and CRLF endings are accepted; anything else that is not one JSON object per line stops
 * the read with the file, the line and what to do.
 */
public final class JsonlReader implements RecordReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String fileName;
    private final InputStream in;
    private final ByteArrayOutputStream lineBytes = new ByteArrayOutputStream(256);
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final RecordMaker maker;
    private long lineNumber;
    private InputRecord next;

    JsonlReader(String fileName, InputStream in, String idField, PromptTemplate template) {
        this.fileName = fileName;
        this.in = in;
        this.maker = new RecordMaker(fileName, idField, template);
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = readNext();
        }
        return next != null;
    }

    @Override
    public InputRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        InputRecord record = next;
        next = null;
        return record;
    }

    private InputRecord readNext() {
        String line;
        do {
            line = readLine();
            if (line == null) {
                return null;
            }
            lineNumber++;
            if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
        } while (line.isBlank());

        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw fail(Phrase.core("line.notJson", e.getOriginalMessage()));
        }
        return maker.make(node, lineNumber);
    }

    /**
     * One line without its LF or CRLF, or null at the end. Lines are split as bytes and decoded one by one, so
     * invalid UTF-8 is reported on its own line rather than wherever a read-ahead buffer happened to end.
     */
    private String readLine() {
        lineBytes.reset();
        try {
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                lineBytes.write(b);
            }
            if (b == -1 && lineBytes.size() == 0) {
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(fileName + ": read failed after line " + lineNumber, e);
        }
        byte[] bytes = lineBytes.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        try {
            return utf8.decode(ByteBuffer.wrap(bytes, 0, length)).toString();
        } catch (CharacterCodingException e) {
            throw InvalidInputException.onLine(fileName, lineNumber + 1, Phrase.core("line.notUtf8"));
        }
    }

    private InvalidInputException fail(Phrase what) {
        return InvalidInputException.onLine(fileName, lineNumber, what);
    }

    static String sha256(String text) {
        return RecordMaker.sha256(text);
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
