package dev.stride.db;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The write-ahead log SQLite keeps beside a database ({@code runs.db-wal}), and what the database file lacks without
 * it. Commits go to the WAL first and reach the file at checkpoints; the last connection to close cleanly folds in
 * the rest and deletes the WAL. A process that dies without closing leaves its last commits in the WAL alone.
 */
final class WalFile {
    private static final int WAL_HEADER = 32;
    private static final int FRAME_HEADER = 24;
    /** The WAL's magic number, whose lowest bit says in which byte order its checksums read the data. */
    private static final int WAL_MAGIC = 0x377f0682;

    private WalFile() {
    }

    /** The WAL of {@code file}: beside a symbolic link's target, where SQLite keeps it, when {@code file} is a link. */
    static Path of(Path file) {
        Path opened = SqliteFiles.linkFollowed(file);
        return opened.resolveSibling(opened.getFileName() + "-wal");
    }

    /** The WAL's index, beside the WAL. */
    static Path shmOf(Path file) {
        Path opened = SqliteFiles.linkFollowed(file);
        return opened.resolveSibling(opened.getFileName() + "-shm");
    }

    /** The size of the WAL beside {@code file}; 0 when there is none (a folded and truncated WAL is 0 too). */
    static long bytes(Path file) {
        try {
            Path wal = of(file);
            return Files.exists(wal) ? Files.size(wal) : 0;
        } catch (IOException e) {
            throw new StoreException(DbPhrase.of("file.cannotRead", of(file), SqliteFiles.detail(e)), e);
        }
    }

    /**
     * Whether the WAL beside {@code file} holds a commit, read as SQLite reads a WAL when it opens one: from the
     * header on, frames count while they carry the header's salts and their running checksum holds, and a commit is a
     * frame that gives the database's size after it. A transaction that never committed can still have written
     * frames (a bulk insert spills its pages there before its commit, and {@code kill -9} can come first): then the
     * WAL holds none, and the file alone has every commit. Reads up to the first commit; true when the WAL cannot
     * be read, so a caller never takes an unread WAL for an empty one.
     */
    static boolean holdsCommits(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(of(file)), 1 << 16)) {
            byte[] header = in.readNBytes(WAL_HEADER);
            if (header.length < WAL_HEADER || (bigEndianInt(header, 0) & ~1) != WAL_MAGIC) {
                return false;
            }
            boolean bigEndianSums = (bigEndianInt(header, 0) & 1) == 1;
            int pageSize = bigEndianInt(header, 8);
            if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
                return false;
            }
            int[] sum = checksum(header, 0, 24, new int[2], bigEndianSums);
            if (sum[0] != bigEndianInt(header, 24) || sum[1] != bigEndianInt(header, 28)) {
                return false;
            }
            byte[] frame = new byte[FRAME_HEADER + pageSize];
            while (in.readNBytes(frame, 0, frame.length) == frame.length) {
                if (bigEndianInt(frame, 8) != bigEndianInt(header, 16)
                        || bigEndianInt(frame, 12) != bigEndianInt(header, 20)) {
                    return false; // a frame of an earlier generation of the WAL: the log ends before it
                }
                sum = checksum(frame, 0, 8, sum, bigEndianSums);
                sum = checksum(frame, FRAME_HEADER, pageSize, sum, bigEndianSums);
                if (sum[0] != bigEndianInt(frame, 16) || sum[1] != bigEndianInt(frame, 20)) {
                    return false;
                }
                if (bigEndianInt(frame, 4) != 0) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** SQLite's WAL checksum: over 32-bit words in pairs, carried on from {@code from}. */
    private static int[] checksum(byte[] data, int offset, int length, int[] from, boolean bigEndian) {
        int s0 = from[0];
        int s1 = from[1];
        for (int i = offset; i < offset + length; i += 8) {
            s0 += word(data, i, bigEndian) + s1;
            s1 += word(data, i + 4, bigEndian) + s0;
        }
        return new int[] {s0, s1};
    }

    private static int word(byte[] data, int at, boolean bigEndian) {
        return bigEndian ? bigEndianInt(data, at)
                : (data[at] & 0xff) | (data[at + 1] & 0xff) << 8 | (data[at + 2] & 0xff) << 16 | data[at + 3] << 24;
    }

    private static int bigEndianInt(byte[] data, int at) {
        return data[at] << 24 | (data[at + 1] & 0xff) << 16 | (data[at + 2] & 0xff) << 8 | (data[at + 3] & 0xff);
    }

    /** Answers (done predictions) that {@code connection} sees; 0 in a database without stride's tables. */
    static long answers(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions WHERE status = 'done'")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if (String.valueOf(e.getMessage()).contains("no such table")) {
                return 0; // a file killed before its schema reached it: no answer in it
            }
            throw e;
        }
    }

    /**
     * Answers in the database file as it is on disk, without its WAL: what a copy of the file alone would hold.
     * SQLite opens an {@code immutable} file as if it were a temporary one: no locks and no WAL. That is only
     * meaningful while nobody writes the file (no checkpoint under way), which the callers make sure of.
     */
    static long answersInFileAlone(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        SQLiteDataSource source = new SQLiteDataSource(config);
        // A file: URI (spaces, '?' and '#' in the path escaped), as SQLite's URI filenames want it.
        source.setUrl("jdbc:sqlite:" + file.toAbsolutePath().toUri().toASCIIString() + "?immutable=1");
        try (Connection alone = source.getConnection()) {
            return answers(alone);
        }
    }
}
