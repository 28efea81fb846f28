package dev.stride.db;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A new checkpoint database made by copying an empty one that Flyway migrated at build time (it ships in the jar),
 * instead of by Flyway at run time, which first scans the jar for migrations and parses them: about 0.2 s of a new
 * run's start, the run's whole wait on a short one. The copy is the same file Flyway makes (same schema, same history
 * rows; EmptyDatabaseTemplateTest compares them), and any trouble placing it leaves the file to Flyway as before.
 */
final class EmptyDatabaseTemplate {
    static final String RESOURCE = "new-database.sqlite";

    private EmptyDatabaseTemplate() {
    }

    /**
     * Puts the template at {@code file} when neither it nor its WAL exists. Never replaces a file: the copy is written
     * beside it and linked into place, which fails when another stride created the file meanwhile (that one is used).
     *
     * @return whether this call created the file from the template
     */
    static boolean placeIfAbsent(Path file) {
        if (Files.exists(file) || Files.exists(WalFile.of(file))) {
            return false;
        }
        byte[] bytes;
        try (InputStream template = EmptyDatabaseTemplate.class.getResourceAsStream(RESOURCE)) {
            if (template == null) {
                return false; // a build without it (an IDE's): Flyway makes the file
            }
            bytes = template.readAllBytes();
        } catch (IOException e) {
            return false;
        }
        Path partial = file.resolveSibling(file.getFileName() + ".new-" + ProcessHandle.current().pid());
        try {
            try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.wrap(bytes));
                out.force(true); // whole on disk before it has the database's name
            }
        } catch (IOException e) {
            // Not ours to delete if it was there already (a stride of the same pid in another container, say).
            return false; // no room, or the name taken: Flyway makes the file
        }
        try {
            Files.createLink(file, partial);
            // Else a power loss could take the new name back while the WAL made next, a name SQLite syncs, stayed.
            SqliteFiles.syncFolder(file.toAbsolutePath().getParent());
            return true;
        } catch (FileAlreadyExistsException e) {
            return false; // another stride made the file first: it is used
        } catch (IOException | UnsupportedOperationException e) {
            return false; // no hard links here (some FUSE and network mounts): Flyway makes the file
        } finally {
            try {
                Files.delete(partial);
            } catch (IOException e) {
                // Left behind, it is a few kilobytes named for this process; nothing reads it.
            }
        }
    }

    /**
     * Stamps the history rows with this open's time: the template's say when the jar was built, and the history
     * should say when this database was made. The stamp's commit goes into the file at once: a stride killed while it
     * reads its first input (before its run is committed) would otherwise leave a WAL whose only commit is the stamp,
     * and every reader would take the file for one that another program wrote.
     */
    static void stampInstalledNow(Connection writer, Path file) {
        try (Statement statement = writer.createStatement()) {
            statement.executeUpdate("UPDATE flyway_schema_history"
                    + " SET installed_on = strftime('%Y-%m-%d %H:%M:%f', 'now'), execution_time = 0");
            statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }
}
