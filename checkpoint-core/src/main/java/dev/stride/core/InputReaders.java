package dev.stride.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Opens an input in any {@link InputFormat}, from a file or from standard input, gzip-compressed or not. Every reader
 * streams (constant memory for any size of input) and stops at the first bad record with the file, the line and what
 * to do.
 */
public final class InputReaders {
    /** The field a record's id is taken from unless another is named ({@code --id-field}). */
    public static final String DEFAULT_ID_FIELD = "id";

    private static final CsvMapper CSV = CsvMapper.builder()
            // Jackson's SKIP_EMPTY_LINES drops the leading blanks of every row's first value along with blank lines:
            // blank lines are skipped by CsvReader instead, which needs a short row's missing values as nulls.
            .disable(CsvParser.Feature.SKIP_EMPTY_LINES)
            .enable(CsvParser.Feature.INSERT_NULLS_FOR_MISSING_COLUMNS)
            .enable(CsvParser.Feature.FAIL_ON_MISSING_HEADER_COLUMNS)
            // A column is named " prompt" by no one: header names are read without their surrounding blanks, as the
            // first one always was.
            .enable(CsvParser.Feature.TRIM_HEADER_SPACES)
            .build();

    private InputReaders() {
    }

    /**
     * @param format   null to choose by the file's extension ({@link InputFormat#of})
     * @param template when given, each record must fill every placeholder, checked as it is read
     * @throws InvalidInputException when the file cannot be opened
     */
    public static RecordReader open(Path file, InputFormat format, String idField, PromptTemplate template) {
        InputFormat chosen = format != null ? format : InputFormat.of(file);
        DigestInputStream in = new DigestInputStream(openFile(file),
                InputDigest.start(chosen, idField, template == null ? null : template.text()));
        // The parsers close their stream when they reach its end (Jackson's CSV does); the digest reads on after that.
        InputStream unclosable = new FilterInputStream(in) {
            @Override
            public void close() {
            }
        };
        return new Digested(file.toString(), open(file.toString(), unclosable, chosen, idField, template), in,
                chosen == InputFormat.JSON);
    }

    /** {@code file} opened for reading; a missing or unreadable file is the user's to fix, and is named. */
    static InputStream openFile(Path file) {
        try {
            return new AvailableNeverFails(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(Phrase.core("input.noSuchFile", file));
        } catch (IOException e) {
            throw cannotRead(file, e);
        }
    }

    /**
     * A stream whose {@code available()} answers 0 where it cannot tell. On a named pipe ({@code <(cat a b)}, a fifo)
     * the JDK's file channel throws "Illegal seek" there, and a BufferedInputStream, which asks after each read that
     * filled less than it wanted, would take that for a failed read.
     */
    private static final class AvailableNeverFails extends FilterInputStream {
        AvailableNeverFails(InputStream in) {
            super(in);
        }

        @Override
        public int available() {
            try {
                return in.available();
            } catch (IOException e) {
                return 0;
            }
        }
    }

    static InvalidInputException cannotRead(Object name, IOException e) {
        return new InvalidInputException(Phrase.core("input.cannotRead", name, e.getMessage()), e);
    }

    /** Reads {@code in} (e.g. standard input, named {@code name} in messages) in {@code format}. */
    public static RecordReader open(String name, InputStream in, InputFormat format, String idField,
                                    PromptTemplate template) {
        InputStream plain;
        try {
            plain = decompressed(new BufferedInputStream(in, 1 << 16), name);
        } catch (UncheckedIOException e) {
            throw cannotRead(name, e.getCause());
        }
        return switch (format) {
            case JSONL -> new JsonlReader(name, plain, idField, template);
            case JSON -> new JsonArrayReader(name, plain, new RecordMaker(name, idField, template));
            case CSV -> new CsvReader(name, plain, ',', new RecordMaker(name, idField, template));
            case TSV -> new CsvReader(name, plain, '\t', new RecordMaker(name, idField, template));
        };
    }

    /** The stream itself, or its gzip decompression when it starts with gzip's magic bytes. */
    static InputStream decompressed(BufferedInputStream in, String name) {
        try {
            in.mark(2);
            int b1 = in.read();
            int b2 = in.read();
            in.reset();
            if (b1 == 0x1f && b2 == 0x8b) {
                return new BufferedInputStream(new CutShortGzip(new GZIPInputStream(in, 1 << 16), name), 1 << 16);
            }
            return in;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * gzip's decompression, its end before gzip's own end marker said as what it is: an input cut short (a copy or a
     * download that stopped), named, instead of an I/O error ("Unexpected end of ZLIB input stream") that named no
     * file and no remedy.
     */
    private static final class CutShortGzip extends FilterInputStream {
        private final String name;

        CutShortGzip(InputStream gzip, String name) {
            super(gzip);
            this.name = name;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (EOFException e) {
                throw cutShort(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (EOFException e) {
                throw cutShort(e);
            }
        }

        private InvalidInputException cutShort(EOFException e) {
            return new InvalidInputException(Phrase.core("input.gzipCutShort", name), e);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Reading is over; nothing was written.
        }
    }

    /**
     * A file's reader that also digests the file's bytes as they are read. At the end it reads on to the end of the
     * file: a JSON array's parser stops at its closing bracket, and what follows it is part of the file; any other
     * parser has read to the end already, so bytes found there were appended while the file was read, and the digest
     * is withheld (the records read are not those of the file as it now is).
     */
    private static final class Digested implements RecordReader {
        private final String name;
        private final RecordReader records;
        private final DigestInputStream raw;
        private final boolean mayLeaveBytes;
        private boolean ended;
        private String digest;

        Digested(String name, RecordReader records, DigestInputStream raw, boolean mayLeaveBytes) {
            this.name = name;
            this.records = records;
            this.raw = raw;
            this.mayLeaveBytes = mayLeaveBytes;
        }

        @Override
        public boolean hasNext() {
            boolean more = records.hasNext();
            if (!more && !ended) {
                ended = true;
                long left = 0;
                try {
                    byte[] rest = new byte[1 << 16];
                    for (int n; (n = raw.read(rest)) != -1; ) {
                        left += n;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(name + ": read failed", e);
                }
                digest = left == 0 || mayLeaveBytes ? InputDigest.hex(raw.getMessageDigest()) : null;
            }
            return more;
        }

        @Override
        public InputRecord next() {
            return records.next();
        }

        @Override
        public Optional<String> inputDigest() {
            return Optional.ofNullable(digest);
        }

        @Override
        public Optional<String> likelyIdField() {
            return records.likelyIdField();
        }

        @Override
        public boolean numberedByLine() {
            return records.numberedByLine();
        }

        @Override
        public void close() {
            records.close();
            closeQuietly(raw);
        }
    }

    /**
     * A JSON array of objects, streamed element by element: {@link JsonSyntax} reads the characters, says where the
     * text goes wrong if it does, and marks where each element starts and ends; Jackson then reads each element alone.
     * So an array of any size, even on one line, takes the memory of one element.
     */
    private static final class JsonArrayReader implements RecordReader {
        private final String name;
        private final Utf8Reader in;
        private final RecordMaker maker;
        private final JsonSyntax syntax = new JsonSyntax(JsonSyntax.endOfFile(), 1);
        private final char[] buffer = new char[1 << 14];
        private int position;
        private int limit;
        private final StringBuilder element = new StringBuilder();
        private long elementLine;
        private boolean inElement;
        private boolean begun;
        private InputRecord next;
        private boolean ended;

        @Override
        public Optional<String> likelyIdField() {
            return maker.likelyIdField();
        }

        @Override
        public boolean numberedByLine() {
            return maker.numberedByLine();
        }

        JsonArrayReader(String name, InputStream in, RecordMaker maker) {
            this.name = name;
            this.in = new Utf8Reader(in);
            this.maker = maker;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !ended) {
                next = readNext();
                ended = next == null;
            }
            return next != null;
        }

        @Override
        public InputRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            InputRecord r = next;
            next = null;
            return r;
        }

        /** The next element as a record, or null once the array and what follows it (only whitespace) are read. */
        private InputRecord readNext() {
            try {
                while (true) {
                    if (position == limit) {
                        limit = in.read(buffer, 0, buffer.length);
                        position = 0;
                        if (limit <= 0) {
                            limit = 0;
                            if (!begun) {
                                throw new InvalidInputException(Phrase.core("input.notJsonArray", name));
                            }
                            syntax.finish();
                            return null;
                        }
                    }
                    char c = buffer[position++];
                    if (!begun && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                        if (c != '[') {
                            throw new InvalidInputException(Phrase.core("input.notJsonArray", name));
                        }
                        begun = true;
                    }
                    int flags = syntax.accept(c);
                    if ((flags & JsonSyntax.ENDED_BEFORE) != 0) {
                        return element();
                    }
                    if ((flags & JsonSyntax.STARTS) != 0) {
                        inElement = true;
                        element.setLength(0);
                        elementLine = syntax.line();
                    }
                    if (inElement) {
                        element.append(c);
                    }
                    if ((flags & JsonSyntax.ENDS_WITH) != 0) {
                        return element();
                    }
                }
            } catch (JsonSyntax.Failure f) {
                JsonSyntax.Problem p = f.problem();
                throw InvalidInputException.at(name, p.line(), p.column(), Phrase.core("line.notJsonInArray", p.what()));
            } catch (Utf8Reader.NotUtf8 e) {
                throw InvalidInputException.at(name, e.line(), e.column(), Phrase.core("line.notUtf8"));
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": read failed", e);
            }
        }

        private InputRecord element() {
            inElement = false;
            JsonNode node;
            try {
                node = JsonlReader.JSON.readTree(element.toString());
            } catch (JsonProcessingException e) {
                JsonlReader.duplicateKey(e).ifPresent(key -> {
                    throw InvalidInputException.onLine(name, elementLine, Phrase.core("line.duplicateKey", key));
                });
                // The syntax was checked: only Jackson's limits (string length, number length) are left to refuse it.
                throw InvalidInputException.onLine(name, elementLine, JsonSyntax.beyondLimits());
            }
            return maker.make(node, elementLine);
        }

        @Override
        public void close() {
            closeQuietly(in);
        }
    }

    /**
     * CSV or TSV with a header row: each row becomes an object of text values named by the header. Jackson reads the
     * rows; where it refuses one, the error names the line (and column, where Jackson knows it) and says what is wrong
     * in the reader's terms, never in Jackson's.
     */
    private static final class CsvReader implements RecordReader {
        private final String name;
        private final String format;
        private final Utf8Reader in;
        private final MappingIterator<JsonNode> rows;
        private final RecordMaker maker;
        /** The line where the row being read starts: an unclosed quote is found only at the end of the file. */
        private long rowLine = 1;
        private boolean headerChecked;
        private InputRecord next;

        @Override
        public Optional<String> likelyIdField() {
            return maker.likelyIdField();
        }

        @Override
        public boolean numberedByLine() {
            return maker.numberedByLine();
        }

        CsvReader(String name, InputStream in, char separator, RecordMaker maker) {
            this.name = name;
            this.format = separator == ',' ? "CSV" : "TSV";
            this.maker = maker;
            this.in = new Utf8Reader(in);
            try {
                CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnSeparator(separator);
                this.rows = CSV.readerFor(JsonNode.class).with(schema).readValues(this.in);
            } catch (IOException e) {
                throw bad(e);
            }
        }

        @Override
        public boolean hasNext() {
            try {
                while (next == null) {
                    rowLine = rows.getParser().currentLocation().getLineNr();
                    if (!rows.hasNextValue()) {
                        refuseRepeatedColumn();
                        return false;
                    }
                    long line = Math.max(rows.getParser().currentLocation().getLineNr(), 2);
                    JsonNode row = rows.nextValue();
                    refuseRepeatedColumn();
                    if (!isBlankLine(row)) {
                        if (hasMissingValue(row)) {
                            // A short row is most often a line broken by a value's unquoted line break: refused, not
                            // read with holes.
                            throw InvalidInputException.onLine(name, line,
                                    Phrase.core("line.csvTooFewValues", columns()));
                        }
                        next = maker.make(row, line);
                    }
                }
                return true;
            } catch (IOException e) {
                throw bad(e);
            }
        }

        /** A line with nothing but blanks: its only value is the first column's, and it is blank. */
        private static boolean isBlankLine(JsonNode row) {
            boolean first = true;
            for (JsonNode value : row) {
                if (first ? !value.isTextual() || !value.asText().isBlank() : !value.isNull()) {
                    return false;
                }
                first = false;
            }
            return true;
        }

        private static boolean hasMissingValue(JsonNode row) {
            for (JsonNode value : row) {
                if (value.isNull()) {
                    return true;
                }
            }
            return false;
        }

        /**
         * A header that names a column twice: each row's later value took the name, and the earlier one was lost
         * without a word. Unnamed columns share one name, the empty one, so two of them lose a value the same way;
         * only when all of them come after the last named column (a spreadsheet's trailing separators, whose cells
         * are empty) are they left alone. Once, after the parser has read the header.
         */
        private void refuseRepeatedColumn() {
            if (headerChecked || !(rows.getParser() instanceof CsvParser csv)) {
                return;
            }
            headerChecked = true;
            CsvSchema header = csv.getSchema();
            Map<String, Integer> seen = new HashMap<>();
            int lastNamed = 0;
            List<Integer> unnamed = new ArrayList<>();
            for (int i = 0; i < header.size(); i++) {
                String column = header.columnName(i);
                if (column == null || column.isEmpty()) {
                    unnamed.add(i + 1);
                } else {
                    lastNamed = i + 1;
                }
            }
            // An unnamed column before a named one holds data; any other unnamed column would take its values.
            if (unnamed.size() > 1 && unnamed.get(0) < lastNamed) {
                throw InvalidInputException.onLine(name, 1,
                        Phrase.core("line.csvUnnamedColumns", unnamed.get(0), unnamed.get(1)));
            }
            for (int i = 0; i < header.size(); i++) {
                String column = header.columnName(i);
                if (column == null || column.isEmpty()) {
                    continue;
                }
                Integer first = seen.putIfAbsent(column, i + 1);
                if (first != null) {
                    throw InvalidInputException.onLine(name, 1,
                            Phrase.core("line.csvRepeatedColumn", column, first, i + 1));
                }
            }
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

        private RuntimeException bad(IOException e) {
            if (e instanceof Utf8Reader.NotUtf8 notUtf8) {
                return InvalidInputException.at(name, notUtf8.line(), notUtf8.column(), Phrase.core("line.notUtf8"));
            }
            if (!(e instanceof JsonProcessingException j)) {
                return new UncheckedIOException(name + ": read failed", e);
            }
            // Jackson's words are not shown; its kind of error is told by its message, which the pinned version fixes
            // (InputReadersTest checks each).
            String what = String.valueOf(j.getOriginalMessage());
            long line = j.getLocation() == null ? -1 : j.getLocation().getLineNr();
            long column = j.getLocation() == null ? -1 : j.getLocation().getColumnNr();
            if (what.startsWith("Empty header line")) {
                return new InvalidInputException(Phrase.core("input.noHeader", name, format));
            }
            if (what.startsWith("Missing closing quote")) {
                return InvalidInputException.onLine(name, Math.max(rowLine, 1), Phrase.core("line.csvUnclosedQuote"));
            }
            Phrase problem;
            if (what.startsWith("Too many entries")) {
                problem = Phrase.core("line.csvTooManyValues", columns());
            } else if (what.contains("Expected column separator")) {
                problem = Phrase.core("line.csvTextAfterQuote");
                // Jackson places this one just after the character it did not expect.
                column--;
            } else {
                problem = Phrase.core("line.csvUnreadable", format);
            }
            if (line < 1) {
                return InvalidInputException.onLine(name, Math.max(rowLine, 1), problem);
            }
            return column < 1 ? InvalidInputException.onLine(name, line, problem)
                    : InvalidInputException.at(name, line, column, problem);
        }

        /** The header's number of columns, as the parser read it. */
        private int columns() {
            return rows.getParser() instanceof CsvParser csv ? csv.getSchema().size() : 0;
        }

        @Override
        public void close() {
            closeQuietly(rows);
            closeQuietly(in);
        }
    }
}
