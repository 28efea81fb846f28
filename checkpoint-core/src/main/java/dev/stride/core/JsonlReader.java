package dev.stride.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a JSONL file (gzip-compressed or not) one line at a time, so a file of any size streams through in constant
 * memory. Blank lines are skipped, a byte-order mark and CRLF endings are accepted; anything else that is not one JSON
 * object per line stops the read with the file, the line, the column and what is wrong there.
 */
public final class JsonlReader implements RecordReader {
    /**
     * A second value on a line is an error, not something to drop: the line holds one record. So is a key written
     * twice in one object, whose later value would otherwise replace the earlier one unseen (a check that costs
     * nothing: the tree already looks the key up to put it).
     */
    static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();

    /** An escape of half a character (\\ud800 to \\udfff): the lines that have one are read again to pair them. */
    private static final Pattern SURROGATE_ESCAPE = Pattern.compile("\\\\u[dD][89a-fA-F]");
    /** How the pinned Jackson names a repeated key; InputReadersTest would notice a new wording. */
    private static final Pattern DUPLICATE_KEY =
            Pattern.compile("^Duplicate field '(.*)' for `ObjectNode`", Pattern.DOTALL);

    private final String fileName;
    private final Utf8Reader in;
    private final char[] buffer = new char[1 << 14];
    private int position;
    private int limit;
    private final StringBuilder lineChars = new StringBuilder(256);
    private final RecordMaker maker;
    private long lineNumber;
    /** Whether a line with something on it was read: the first one tells a file of JSON Lines from a JSON array. */
    private boolean anyLine;
    private InputRecord next;

    JsonlReader(String fileName, InputStream in, String idField, PromptTemplate template) {
        this.fileName = fileName;
        this.in = new Utf8Reader(in);
        this.maker = new RecordMaker(fileName, idField, template);
    }

    @Override
    public Optional<String> likelyIdField() {
        return maker.likelyIdField();
    }

    @Override
    public boolean numberedByLine() {
        return maker.numberedByLine();
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
        } while (line.isBlank());
        if (!anyLine) {
            anyLine = true;
            // A whole file that is one JSON array (a .txt, or .jsonl by mistake) fails on its first line either way,
            // as JSON cut short or as an array that is not an object: say what it is and how it is read instead.
            if (line.stripLeading().startsWith("[")) {
                throw InvalidInputException.onLine(fileName, lineNumber, Phrase.core("line.arrayNotLines"));
            }
        }
        return maker.make(parse(line), lineNumber);
    }

    /**
     * The line as JSON. Where Jackson refuses it, {@link JsonSyntax} says where and why in the reader's terms (never
     * Jackson's words); a line that JSON allows but Jackson's limits do not is said to be beyond them.
     */
    private JsonNode parse(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            if (line.indexOf("\\u") >= 0 && SURROGATE_ESCAPE.matcher(line).find()) {
                // Jackson takes half a character alone; JsonSyntax says where one stands.
                JsonSyntax.check(line, JsonSyntax.endOfLine()).ifPresent(p -> {
                    throw InvalidInputException.at(fileName, lineNumber, p.column(), p.what());
                });
            }
            return node;
        } catch (JsonProcessingException e) {
            duplicateKey(e).ifPresent(key -> {
                throw InvalidInputException.onLine(fileName, lineNumber, Phrase.core("line.duplicateKey", key));
            });
            throw JsonSyntax.check(line, JsonSyntax.endOfLine())
                    .map(p -> InvalidInputException.at(fileName, lineNumber, p.column(),
                            Phrase.core("line.notJson", p.what())))
                    .orElseGet(() -> InvalidInputException.onLine(fileName, lineNumber, JsonSyntax.beyondLimits()));
        }
    }

    /** One line without its LF or CRLF, or null at the end. Bytes that are not UTF-8 are named by line and column. */
    private String readLine() {
        lineChars.setLength(0);
        boolean any = false;
        try {
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer, 0, buffer.length);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        break;
                    }
                }
                any = true;
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                lineChars.append(buffer, start, position - start);
                if (position < limit) {
                    position++;
                    break;
                }
            }
        } catch (Utf8Reader.NotUtf8 e) {
            throw InvalidInputException.at(fileName, e.line(), e.column(), Phrase.core("line.notUtf8"));
        } catch (IOException e) {
            throw new UncheckedIOException(fileName + ": read failed after line " + lineNumber, e);
        }
        if (!any) {
            return null;
        }
        int length = lineChars.length();
        if (length > 0 && lineChars.charAt(length - 1) == '\r') {
            lineChars.setLength(length - 1);
        }
        return lineChars.toString();
    }

    /** The key a refused text repeats, when that is why Jackson refused it. */
    static Optional<String> duplicateKey(JsonProcessingException e) {
        if (!(e instanceof MismatchedInputException)) {
            return Optional.empty();
        }
        Matcher m = DUPLICATE_KEY.matcher(String.valueOf(e.getOriginalMessage()));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
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
