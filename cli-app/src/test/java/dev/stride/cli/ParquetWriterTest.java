package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Parquet writer on its own, read back by DuckDB: several row groups, every kind, nulls anywhere. */
class ParquetWriterTest {
    private static final int ROWS = 2 * ParquetWriter.ROW_GROUP_ROWS + 1234;
    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00.123Z");

    @TempDir
    Path dir;

    /** Row i's value in column c, or null: each column has nulls in its own pattern, runs of them and single ones. */
    private static Object value(int i, ParquetWriter.Kind kind) {
        if (i % (7 + kind.ordinal()) == 0 || i >= 5000 && i < 5300) {
            return null;
        }
        return switch (kind) {
            case STRING -> "v" + i + (i % 3 == 0 ? " 中文, \"q\"\n" : "");
            case INT32 -> i - 1000;
            case INT64 -> (long) i * 1_000_003L - 7;
            case DOUBLE -> i / 8.0;
            case BOOLEAN -> i % 5 < 2;
            case TIMESTAMP_MILLIS -> T0.plusMillis(i * 37L);
        };
    }

    @Test
    void duckDbReadsEveryValueOfEveryRowGroup() throws Exception {
        List<ParquetWriter.Kind> kinds = List.of(ParquetWriter.Kind.values());
        Path file = dir.resolve("t.parquet");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file));
             ParquetWriter w = new ParquetWriter(out, kinds.stream()
                     .map(k -> new ParquetWriter.Column("c_" + k.name().toLowerCase(), k)).toList())) {
            for (int i = 0; i < ROWS; i++) {
                Object[] row = new Object[kinds.size()];
                for (int c = 0; c < kinds.size(); c++) {
                    row[c] = value(i, kinds.get(c));
                }
                w.row(row);
            }
        }
        String f = "'" + file + "'";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(DISTINCT row_group_id) FROM parquet_metadata(" + f + ")")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(3);
            }
            try (ResultSet rs = st.executeQuery("SELECT c_string, c_int32, c_int64, c_double, c_boolean,"
                    + " epoch_ms(c_timestamp_millis) FROM read_parquet(" + f + ")")) {
                int i = 0;
                while (rs.next()) {
                    for (int col = 0; col < kinds.size(); col++) {
                        Object want = value(i, kinds.get(col));
                        if (want instanceof Instant t) {
                            want = t.toEpochMilli();
                        }
                        Object got = rs.getObject(col + 1);
                        assertThat(got).as("row " + i + " " + kinds.get(col)).isEqualTo(want);
                    }
                    i++;
                }
                assertThat(i).isEqualTo(ROWS);
            }
        }
    }
}
