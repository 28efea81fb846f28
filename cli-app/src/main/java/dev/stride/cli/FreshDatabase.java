package dev.stride.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code --db} of a command that may create it. Opening a database creates the file and its schema before the
 * input is read; when the command then stores no run in it (a bad line or template, an empty input, a dry run, a stop
 * while reading), the new file is removed again on close, with its -wal and -shm, so a failed first try leaves
 * nothing behind that the next one would have to explain. A database that existed before is never touched here.
 */
final class FreshDatabase implements AutoCloseable {
    private static final String[] SQLITE_SIDE_FILES = {"-wal", "-shm", "-journal"};

    private final Path created; // null when the file existed before the command
    private boolean keep;

    private FreshDatabase(Path created) {
        this.created = created;
    }

    /** Notes whether {@code db} exists now, before the command opens it; null (a PostgreSQL database): nothing to remove. */
    static FreshDatabase at(Path db) {
        return new FreshDatabase(db == null || Files.exists(db) ? null : db);
    }

    /** The command stored a run in the file (or not): a file with a run in it stays. */
    void keepIf(boolean storedSomething) {
        keep = storedSomething;
    }

    /** Removes the file this command created and stored nothing in; call it after the database is closed. */
    @Override
    public void close() {
        if (created == null || keep) {
            return;
        }
        try {
            Files.deleteIfExists(created);
            for (String suffix : SQLITE_SIDE_FILES) {
                Files.deleteIfExists(created.resolveSibling(created.getFileName() + suffix));
            }
        } catch (IOException e) {
            // An empty database left behind is harmless (the next run uses it); the command's own outcome matters.
        }
    }
}
