package dev.stride.cli;

import dev.stride.db.UnusedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code --db} of a command that may create it. Opening a database creates the file and its schema before the
 * input is read; when the command then stores no run in it (a bad line or template, an empty input, a dry run, a stop
 * while reading), the new file is removed again on close, with its -wal and -shm, so a failed first try leaves
 * nothing behind that the next one would have to explain. A database that existed before is never touched here.
 *
 * <p>"Created by this command" is only a guess made before opening: two commands started together on a missing file
 * both make it. So the file goes only if it still holds no run when it is removed, checked under SQLite's write lock
 * ({@link UnusedDatabase}): the one that failed or was refused never takes the run the other stored.
 */
final class FreshDatabase implements AutoCloseable {
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

    /**
     * Removes the file this command created and stored nothing in, unless it holds a run by now (another command's);
     * call it after the database is closed. An empty database left behind is harmless: the next run uses it.
     */
    @Override
    public void close() {
        if (created == null || keep) {
            return;
        }
        UnusedDatabase.removeIfNoRun(created);
    }
}
