package dev.stride.db;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import org.sqlite.SQLiteDataSource;

/**
 * Creates a checkpoint database so that no other process ever sees it half made. Several workers started at the same
 * moment on a file that does not exist yet would otherwise all create it: the first one's Flyway writes the schema
 * while the others open a file that has a history table but no history, which they refuse as "not a stride
 * checkpoint file", or migrate beside it. So the schema is written into a file of its own beside the target, closed
 * (its WAL folded in), and hard-linked into place; link(2) fails when the name exists, so exactly one process's file
 * becomes the database and the others drop theirs and open it.
 */
final class NewDatabase {
    private NewDatabase() {
    }

    /** Makes {@code file} a whole, current checkpoint database unless it exists already. */
    static void createWhole(Path file) {
        if (Files.exists(file)) {
            return;
        }
        Path draft = file.resolveSibling("." + file.getFileName() + ".new-" + ProcessHandle.current().pid() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        try {
            SQLiteDataSource source = SqliteFiles.writerSource(draft);
            // Errors name the file the user gave: the draft is ours, not theirs.
            try (Connection c = SqliteFiles.connect(source, file)) {
                Schema.migrate(source, c, file);
            }
            Files.createLink(file, draft);
        } catch (FileAlreadyExistsException e) {
            // Another process linked its file first: that one is the database.
        } catch (IOException | UnsupportedOperationException e) {
            // No hard links here (some file systems): the caller creates the file in place, as before.
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        } finally {
            deleteQuietly(draft);
        }
    }

    private static void deleteQuietly(Path draft) {
        for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
            try {
                Files.deleteIfExists(draft.resolveSibling(draft.getFileName() + suffix));
            } catch (IOException ignored) {
                // a leftover hidden draft is harmless; the database itself is whole
            }
        }
    }
}
