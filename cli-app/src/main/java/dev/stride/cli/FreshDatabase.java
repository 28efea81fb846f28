package dev.stride.cli;

import dev.stride.db.StoreException;
import dev.stride.db.UnusedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /**
     * A full disk, said by the store of a file it keeps: "everything saved so far is kept", and "go on from a copy:
     * stride snapshot --db FILE COPY.db", which then found no such database. Of a file this command made and that is
     * gone again (removed as it closed, by the store or by {@link #close()}: no run was stored), or never made (too
     * little room to start, refused before SQLite made it), the line says that nothing was kept and what to do; exit 4
     * still. Anything else as it is.
     */
    RuntimeException said(RuntimeException e) {
        if (created == null || !(e instanceof StoreException store) || Files.exists(created)) {
            return e;
        }
        List<Object> args = store.phrase().args();
        if (args.size() < 2 || !created.toString().equals(String.valueOf(args.get(0)))) {
            return e;
        }
        return switch (store.phrase().key()) {
            // SQLite made the file and could not write it.
            case "sqlite.full" -> UserError.of(ExitCodes.DATABASE, "msg.run.diskFullNewRemoved", created,
                    args.get(1));
            case "file.diskLow" -> UserError.of(ExitCodes.DATABASE, "msg.run.diskFullNew", created,
                    Messages.text("msg.run.diskLowReason", args.get(1), args.get(2)));
            default -> e;
        };
    }
}
