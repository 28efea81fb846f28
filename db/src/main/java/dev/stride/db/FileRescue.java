package dev.stride.db;

import dev.stride.core.RunInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches that a writer's file is still the one at its name, and saves what it held when it is not. Someone deleted
 * it ({@code rm}, its folder with {@code rm -rf}) or put another file at its name ({@code mv other.db runs.db}) while
 * a run wrote it: SQLite goes on writing the file it opened, which no name leads to, and it is gone once the process
 * ends. The connection still reads that file and its WAL, so {@code VACUUM INTO} writes it out whole: back at its name
 * when nothing is there, else beside it as {@code NAME.rescued-PID.db} (never over a file someone put there), or in
 * the current folder when its own folder is gone.
 * A run given a symbolic link is watched at the link's target: SQLite follows the link and keeps the file's
 * {@code -wal} and {@code -shm} beside the target, and a link removed while its target stays loses nothing.
 *
 * <p>The WAL and its index that the writer made beside the file ({@code -wal}, {@code -shm}) stay at their names after
 * it is gone (SQLite keeps them when the file moved), and would be read as the log of whatever file has that name
 * next: the rescued one, or the file that replaced it, whose pages they would overwrite. They are removed when they
 * are still the ones the writer opened.
 */
final class FileRescue {
    private final Path file;
    private final Object key;
    private final Object walKey;
    private final Object shmKey;
    private final Path fallback;

    private FileRescue(Path file, Object key, Object walKey, Object shmKey, Path fallback) {
        this.file = file;
        this.key = key;
        this.walKey = walKey;
        this.shmKey = shmKey;
        this.fallback = fallback;
    }

    /**
     * Watches {@code file} as a writer's connection has it open now: its key, and its {@code -wal} and {@code -shm},
     * read after the open (before it, a file SQLite was still to create had none). What is rescued when the folder is
     * gone goes to {@code fallback}.
     *
     * @param file the file SQLite opened, a symbolic link at the name followed ({@link SqliteFiles#linkFollowed})
     */
    static FileRescue watching(Path file, Path fallback) {
        return new FileRescue(file, SqliteFiles.fileKey(file), SqliteFiles.fileKey(side(file, "-wal")),
                SqliteFiles.fileKey(side(file, "-shm")), fallback);
    }

    /**
     * Whether the name no longer leads to the file opened: it is missing, or another file has it. One stat. Without
     * keys from the file system only a missing file is seen; a folder that cannot be looked into tells nothing.
     */
    boolean moved() {
        try {
            Object now = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            return key != null && !key.equals(now);
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Writes out what {@code connection} (the writer, outside any transaction) reads of the file, and says so. The
     * copy is made a file nobody works on, as a snapshot is ({@link SqliteCheckpointStore#nobodyAtWork}): the run's
     * next session takes it up from its cursor.
     *
     * @param runId the run being written, whose counts the message gives
     */
    DatabaseGoneException rescue(Connection connection, long runId) {
        Path folder = file.toAbsolutePath().getParent();
        boolean folderGone = folder != null && !Files.isDirectory(folder);
        boolean replaced = !folderGone && Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        if (!folderGone) {
            removeIfOurs(side(file, "-wal"), walKey);
            removeIfOurs(side(file, "-shm"), shmKey);
        }
        List<Path> places = new ArrayList<>();
        if (!replaced && !folderGone && !Files.exists(side(file, "-wal")) && !Files.exists(side(file, "-shm"))) {
            places.add(file);
        }
        Path aside = folderGone ? fallback : file.getParent();
        for (int n = 1; n <= 100; n++) {
            String name = rescuedName(file.getFileName().toString(), n);
            places.add(aside == null ? Path.of(name) : aside.resolve(name));
        }
        try (StagedDatabase staged = StagedDatabase.beside(places.get(0))) {
            Path partial = staged.file();
            try (var statement = connection.prepareStatement("VACUUM INTO ?")) {
                statement.setString(1, partial.toAbsolutePath().toString());
                statement.execute();
            }
            SqliteCheckpointStore.nobodyAtWork(partial);
            RunInfo run = SqliteCheckpointStore.runsOfCopy(partial).stream().filter(r -> r.id() == runId)
                    .findFirst().orElse(null);
            long done = run == null ? 0 : run.done();
            long total = run == null ? 0 : run.total();
            Path placed = null;
            for (int i = 0; i < places.size() && placed == null; i++) {
                // The first through the staged file's own naming, which syncs it first.
                if (i == 0 ? placeFirst(staged) : StagedDatabase.nameUnlessTaken(partial, places.get(i))) {
                    placed = places.get(i);
                }
            }
            if (placed == null) {
                throw new IOException("every name beside it is taken");
            }
            SqliteFiles.syncFolder(placed.toAbsolutePath().getParent());
            return new DatabaseGoneException(placed.equals(file)
                    ? DbPhrase.of("file.goneWrittenBack", file, done, total)
                    : replaced ? DbPhrase.of("file.replacedWrittenAside", file, done, total, placed)
                    : DbPhrase.of("file.goneWrittenAside", file, done, total, placed, folderGone ? 1 : 0),
                    file, placed, null);
        } catch (SQLException | IOException | RuntimeException e) {
            return new DatabaseGoneException(DbPhrase.of("file.goneNotRescued", file, replaced ? 1 : 0,
                    SqliteFiles.detail(e)), file, null, e);
        }
    }

    /** Names the staged file as it was staged for; false when a file took that name meanwhile. */
    private static boolean placeFirst(StagedDatabase staged) {
        try {
            staged.putInPlace();
            return true;
        } catch (TransferRefusedException e) {
            return false;
        }
    }

    /** {@code runs.db} → {@code runs.rescued-PID.db}, {@code runs.rescued-PID-2.db}, ... */
    static String rescuedName(String name, int n) {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : ".db";
        return stem + ".rescued-" + ProcessHandle.current().pid() + (n == 1 ? "" : "-" + n) + ext;
    }

    private static Path side(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** Removes {@code path} when it is still the file with {@code key}: the writer's own, which it reads by handle. */
    private static void removeIfOurs(Path path, Object key) {
        if (key != null && key.equals(SqliteFiles.fileKey(path))) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // Left there: the rescue is then written beside it, not at the name whose log it would be read as.
            }
        }
    }
}
