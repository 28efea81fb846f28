package dev.stride.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code -wal} and {@code -shm} files that reading a database made beside it, removed once the command that read
 * is over, so that {@code status} or {@code export} leaves the folder as it found it. A read-only connection to a WAL
 * database makes both (its index is read through the -shm) and cannot remove them as it closes: only a connection that
 * may write folds and deletes them, as the last one out. Left behind, they were litter beside a .db a user copies
 * around, and an -shm owned by whoever read it last.
 *
 * <p>Only a file that had neither beside it when it was first read here is tidied, and only while no other connection
 * (of this process or another) has it open: as for {@link WalFold}, a connection in EXCLUSIVE locking mode gets the
 * file's exclusive lock at its first read only then, and holding it removes the -shm; closing, SQLite deletes the
 * WAL as the last connection does. A WAL that holds anything is left for the next writer to fold.
 */
public final class ReadTraces {
    private static final Set<Path> READ_WITHOUT = ConcurrentHashMap.newKeySet();

    private ReadTraces() {
    }

    /** Notes {@code file} before a read-only connection opens it, when neither side file is there yet. */
    static void beforeReading(Path file) {
        if (Files.isRegularFile(file) && !Files.exists(WalFile.of(file)) && !Files.exists(WalFile.shmOf(file))) {
            READ_WITHOUT.add(file.toAbsolutePath().normalize());
        }
    }

    /**
     * Removes the side files that reading made, of every file noted, once this process's reading is over. Never
     * throws and never waits: a file in use, or any doubt, keeps them (harmless; the next writer's close removes
     * them).
     */
    public static void tidy() {
        for (Path file : List.copyOf(READ_WITHOUT)) {
            READ_WITHOUT.remove(file);
            tidy(file);
        }
    }

    private static void tidy(Path file) {
        Path shm = WalFile.shmOf(file);
        if (!Files.isRegularFile(file) || !Files.exists(shm) && !Files.exists(WalFile.of(file))
                || WalFile.bytes(file) > 0) {
            return;
        }
        try (Connection alone = SqliteFiles.aloneSource(file).getConnection(); Statement st = alone.createStatement()) {
            // The first read takes the exclusive lock, or fails with SQLITE_BUSY when another connection is open.
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
                rs.next();
            }
            if (WalFile.bytes(file) > 0) {
                return; // written meanwhile, by a connection that has gone: the next writer folds it
            }
            Files.deleteIfExists(shm);
        } catch (SQLException | IOException e) {
            // Kept: the file is in use, or cannot be opened so; nothing is lost by leaving them.
        }
    }
}
