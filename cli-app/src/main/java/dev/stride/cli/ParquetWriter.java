package dev.stride.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a flat table of optional columns as a Parquet file, row by row, to a stream: rows are buffered into a row
 * group until it holds {@link #ROW_GROUP_BYTES} of values or {@link #ROW_GROUP_ROWS} rows, then written out as one
 * gzip-compressed PLAIN data page per column. Memory is one row group, whatever the number of rows.
 *
 * <p>Only what the format requires (parquet-format's {@code parquet.thrift}): the {@code PAR1} magic, data pages
 * with RLE definition levels, and a footer of {@code FileMetaData}. No dictionaries, statistics or indexes: readers
 * do without them. Why not a library: BENCHMARKS.md.
 */
final class ParquetWriter implements AutoCloseable {
    /** A column's type: its physical type (parquet.thrift's {@code Type}), and the logical type readers show. */
    enum Kind {
        STRING(6), INT32(1), INT64(2), DOUBLE(5), BOOLEAN(0), TIMESTAMP_MILLIS(2);

        final int physical;

        Kind(int physical) {
            this.physical = physical;
        }
    }

    record Column(String name, Kind kind) {
    }

    /** Small enough that a row group's buffers fit a small heap, large enough for readers to scan fast. */
    static final int ROW_GROUP_BYTES = 8 << 20;
    static final int ROW_GROUP_ROWS = 100_000;
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
    private static final int CODEC_GZIP = 2;
    private static final int ENCODING_PLAIN = 0;
    private static final int ENCODING_RLE = 3;

    private final OutputStream out;
    private final List<Column> columns;
    private final List<ColumnBuffer> buffers = new ArrayList<>();
    private final List<byte[]> rowGroups = new ArrayList<>();
    private long position;
    private long rows;
    private int groupRows;

    ParquetWriter(OutputStream out, List<Column> columns) throws IOException {
        this.out = out;
        this.columns = List.copyOf(columns);
        columns.forEach(c -> buffers.add(new ColumnBuffer(c.kind())));
        write(MAGIC);
    }

    /**
     * One row, a value per column in the columns' order, null where there is none: a String, an Integer, a Long,
     * a Double, a Boolean or an Instant, as the column's kind says.
     */
    void row(Object... values) throws IOException {
        long bytes = 0;
        for (int i = 0; i < values.length; i++) {
            buffers.get(i).add(values[i]);
            bytes += buffers.get(i).values.size();
        }
        groupRows++;
        rows++;
        if (groupRows >= ROW_GROUP_ROWS || bytes >= ROW_GROUP_BYTES) {
            flushRowGroup();
        }
    }

    @Override
    public void close() throws IOException {
        if (groupRows > 0) {
            flushRowGroup();
        }
        // FileMetaData: 1 version, 2 schema (a root with the columns as its children), 3 num_rows, 4 row_groups,
        // 6 created_by. SchemaElement: 1 type, 3 repetition (1 = OPTIONAL), 4 name, 5 num_children, 6 converted_type
        // (0 = UTF8, 9 = TIMESTAMP_MILLIS), 10 logicalType (1 = STRING; 8 = TIMESTAMP {1 isAdjustedToUTC, 2 unit
        // {1 = MILLIS}}): both the legacy and the current annotation, so old and new readers see the same types.
        ThriftCompact footer = new ThriftCompact().begin().i32(1, 1);
        footer.structList(2, columns.size() + 1);
        footer.begin().string(4, "schema").i32(5, columns.size()).end();
        for (Column c : columns) {
            footer.begin().i32(1, c.kind().physical).i32(3, 1).string(4, c.name());
            switch (c.kind()) {
                case STRING -> footer.i32(6, 0).struct(10).struct(1).end().end();
                case TIMESTAMP_MILLIS -> footer.i32(6, 9).struct(10).struct(8).bool(1, true).struct(2).struct(1)
                        .end().end().end().end();
                default -> { }
            }
            footer.end();
        }
        footer.i64(3, rows);
        footer.structList(4, rowGroups.size());
        rowGroups.forEach(footer::raw);
        byte[] footerBytes = footer.string(6, "stride").end().bytes();
        write(footerBytes);
        write(new byte[] {(byte) footerBytes.length, (byte) (footerBytes.length >>> 8),
            (byte) (footerBytes.length >>> 16), (byte) (footerBytes.length >>> 24)});
        write(MAGIC);
        out.flush();
    }

    private void flushRowGroup() throws IOException {
        ThriftCompact group = new ThriftCompact().begin();
        group.structList(1, columns.size());
        long groupBytes = 0;
        for (int i = 0; i < columns.size(); i++) {
            ColumnBuffer buffer = buffers.get(i);
            int pageSize = buffer.pageSize();
            byte[] compressed = buffer.compressedPage();
            // PageHeader: 1 type (0 = DATA_PAGE), 2 uncompressed size, 3 compressed size, 5 DataPageHeader
            // {1 num_values, 2 encoding, 3 definition level encoding, 4 repetition level encoding}.
            byte[] header = new ThriftCompact().begin()
                    .i32(1, 0).i32(2, pageSize).i32(3, compressed.length)
                    .struct(5).i32(1, groupRows).i32(2, ENCODING_PLAIN).i32(3, ENCODING_RLE).i32(4, ENCODING_RLE).end()
                    .end().bytes();
            long start = position;
            write(header);
            write(compressed);
            long size = header.length + compressed.length;
            groupBytes += header.length + pageSize;
            // ColumnChunk: 2 file_offset, 3 ColumnMetaData {1 type, 2 encodings, 3 path_in_schema, 4 codec,
            // 5 num_values, 6 total_uncompressed_size, 7 total_compressed_size (both with the page header),
            // 9 data_page_offset}. RowGroup: 1 columns, 2 total_byte_size, 3 num_rows.
            group.begin().i64(2, start).struct(3)
                    .i32(1, columns.get(i).kind().physical)
                    .i32List(2, List.of(ENCODING_PLAIN, ENCODING_RLE))
                    .stringList(3, List.of(columns.get(i).name()))
                    .i32(4, CODEC_GZIP)
                    .i64(5, groupRows)
                    .i64(6, header.length + pageSize)
                    .i64(7, size)
                    .i64(9, start)
                    .end().end();
            buffer.clear();
        }
        group.i64(2, groupBytes).i64(3, groupRows).end();
        rowGroups.add(group.bytes());
        groupRows = 0;
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        position += b.length;
    }

    /** One column's values of the current row group: definition levels and PLAIN values. */
    private static final class ColumnBuffer {
        private final Kind kind;
        private final Bytes values = new Bytes();
        private final Bytes levels = new Bytes();
        private int runValue = -1;
        private int runLength;
        private int bits;
        private int bitCount;

        ColumnBuffer(Kind kind) {
            this.kind = kind;
        }

        void add(Object v) {
            level(v == null ? 0 : 1);
            if (v == null) {
                return;
            }
            switch (kind) {
                case STRING -> {
                    byte[] b = ((String) v).getBytes(StandardCharsets.UTF_8);
                    values.int32(b.length);
                    values.writeBytes(b);
                }
                case INT32 -> values.int32(((Number) v).intValue());
                case INT64 -> values.int64(((Number) v).longValue());
                case DOUBLE -> values.int64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
                case TIMESTAMP_MILLIS -> values.int64(((Instant) v).toEpochMilli());
                case BOOLEAN -> {
                    // PLAIN booleans are bit-packed, least significant bit first.
                    if ((Boolean) v) {
                        bits |= 1 << bitCount;
                    }
                    if (++bitCount == 8) {
                        values.write(bits);
                        bits = 0;
                        bitCount = 0;
                    }
                }
            }
        }

        /** Definition levels as RLE runs (bit width 1): a run's length, shifted left, then its value in a byte. */
        private void level(int level) {
            if (level != runValue && runLength > 0) {
                endRun();
            }
            runValue = level;
            runLength++;
        }

        private void endRun() {
            levels.varint((long) runLength << 1);
            levels.write(runValue);
            runLength = 0;
        }

        /** Ends the row group's levels and values: the page holds them from here on. */
        private void finish() {
            if (runLength > 0) {
                endRun();
            }
            if (bitCount > 0) {
                values.write(bits);
                bits = 0;
                bitCount = 0;
            }
        }

        /** The page's size before compression: the levels' length, the levels, the values. */
        int pageSize() {
            finish();
            return 4 + levels.size() + values.size();
        }

        /** The page, gzip-compressed straight from the buffers (no uncompressed copy). */
        byte[] compressedPage() throws IOException {
            finish();
            ByteArrayOutputStream b = new ByteArrayOutputStream(pageSize() / 4 + 64);
            // The fastest level: results are mostly text that compresses well even so, and export should keep up
            // with the disk rather than wait on the CPU.
            try (GZIPOutputStream z = new GZIPOutputStream(b, 1 << 16) {
                {
                    def.setLevel(Deflater.BEST_SPEED);
                }
            }) {
                Bytes length = new Bytes();
                length.int32(levels.size());
                length.writeTo(z);
                levels.writeTo(z);
                values.writeTo(z);
            }
            return b.toByteArray();
        }

        void clear() {
            values.reset();
            levels.reset();
            runValue = -1;
            runLength = 0;
        }
    }

    /** A byte buffer with little-endian integers and varints. */
    private static final class Bytes extends ByteArrayOutputStream {
        void int32(int v) {
            write(v);
            write(v >>> 8);
            write(v >>> 16);
            write(v >>> 24);
        }

        void int64(long v) {
            int32((int) v);
            int32((int) (v >>> 32));
        }

        void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            write((int) v);
        }

    }
}
