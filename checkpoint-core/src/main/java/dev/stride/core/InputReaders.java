package dev.stride.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Opens an input in any {@link InputFormat}, from a file or from standard input, gzip-compressed or not. Every reader
 * streams (constant memory for any size of input) and stops at the first bad record with the file, the line and what
 * to do.
 */
public final class InputReaders {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = CsvMapper.builder()
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
            .enable(CsvParser.Feature.FAIL_ON_MISSING_HEADER_COLUMNS)
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
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(Phrase.core("input.noSuchFile", file));
        } catch (IOException e) {
            throw cannotRead(file, e);
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
            plain = decompressed(new BufferedInputStream(in, 1 << 16));
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
    static InputStream decompressed(BufferedInputStream in) {
        try {
            in.mark(2);
            int b1 = in.read();
            int b2 = in.read();
            in.reset();
            if (b1 == 0x1f && b2 == 0x8b) {
                return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
            }
            return in;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        public void close() {
            records.close();
            closeQuietly(raw);
        }
    }

    /** A JSON array of objects, streamed element by element. */
    private static final class JsonArrayReader implements RecordReader {
        private final String name;
        private final InputStream in;
        private final RecordMaker maker;
        private JsonParser parser;
        private InputRecord next;
        private boolean ended;

        JsonArrayReader(String name, InputStream in, RecordMaker maker) {
            this.name = name;
            this.in = in;
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

        private InputRecord readNext() {
            try {
                if (parser == null) {
                    parser = JSON.createParser(in);
                    JsonToken first = parser.nextToken();
                    if (first != JsonToken.START_ARRAY) {
                        throw new InvalidInputException(Phrase.core("input.notJsonArray", name));
                    }
                }
                JsonToken token = parser.nextToken();
                if (token == JsonToken.END_ARRAY || token == null) {
                    return null;
                }
                long line = parser.currentTokenLocation().getLineNr();
                JsonNode node = parser.readValueAsTree();
                return maker.make(node, line);
            } catch (JsonProcessingException e) {
                throw InvalidInputException.onLine(name, e.getLocation().getLineNr(),
                        Phrase.core("line.notJsonInArray", e.getOriginalMessage()));
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": read failed", e);
            }
        }

        @Override
        public void close() {
            closeQuietly(in);
        }
    }

    /** CSV or TSV with a header row: each row becomes an object of text values named by the header. */
    private static final class CsvReader implements RecordReader {
        private final String name;
        private final BufferedReader in;
        private final MappingIterator<JsonNode> rows;
        private final RecordMaker maker;

        CsvReader(String name, InputStream in, char separator, RecordMaker maker) {
            this.name = name;
            this.maker = maker;
            this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
            try {
                this.in.mark(1);
                if (this.in.read() != '\uFEFF') {
                    this.in.reset();
                }
                CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnSeparator(separator);
                this.rows = CSV.readerFor(JsonNode.class).with(schema).readValues(this.in);
            } catch (IOException e) {
                throw new InvalidInputException(Phrase.core("input.notCsv", name, separator == ',' ? "CSV" : "TSV",
                        e.getMessage()), e);
            }
        }

        @Override
        public boolean hasNext() {
            try {
                return rows.hasNextValue();
            } catch (IOException e) {
                throw bad(e);
            }
        }

        @Override
        public InputRecord next() {
            try {
                long line = rows.getParser().currentLocation().getLineNr();
                JsonNode row = rows.nextValue();
                return maker.make(row, Math.max(line, 2));
            } catch (IOException e) {
                throw bad(e);
            }
        }

        private RuntimeException bad(IOException e) {
            if (e instanceof JsonProcessingException j) {
                long line = j.getLocation() == null ? -1 : j.getLocation().getLineNr();
                return InvalidInputException.onLine(name, line, Phrase.core("line.badRow", j.getOriginalMessage()));
            }
            if (e instanceof java.nio.charset.CharacterCodingException) {
                return new InvalidInputException(Phrase.core("input.notUtf8", name));
            }
            return new UncheckedIOException(name + ": read failed", e);
        }

        @Override
        public void close() {
            closeQuietly(rows);
            closeQuietly(in);
        }
    }
}
