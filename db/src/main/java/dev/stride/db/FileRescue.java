package dev.stride.db;

import dev.stride.core.RunInfo;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Watches that a writer's file is still the one at its name, and saves what it held when it is not. Someone deleted
 * it ({@code rm}, its folder with {@code rm -rf}) or put another file at its name ({@code mv other.db runs.db}) while
 * a run wrote it: SQLite goes on writing the file it opened, which no name leads to, and it is gone once the process
 * ends. The connection still reads that file and its WAL, so {@code VACUUM INTO} writes it out whole: back at its name
 * when nothing is there, else beside it as {@code NAME.rescued-PID.db} (never over a file someone put there), or in
 * the current folder when its own folder is gone or has no room for it, else the system's temporary folder.
 * A run given a symbolic link is watched at the link's target: SQLite follows the link and keeps the file's
 * {@code -wal} and {@code -shm} beside the target, and a link removed while its target stays loses nothing.
 *
 * <p>The WAL and its index that the writer made beside the file ({@code -wal}, {@code -shm}) stay at their names after
 * it is gone (SQLite keeps them when the file moved), and would be read as the log of whatever file has that name
 * next: the rescued one, or the file that replaced it, whose pages they would overwrite. They are removed when they
 * are still the ones the writer opened.
 */
final class FileRescue {
    /** How many names beside a file are tried for its rescue before its folder is given up. */
    private static final int NAMES = 100;
    /** A folder with no room left, for tests: a full disk is not made for one; none outside them. */
    static volatile Predicate<Path> noRoomIn = folder -> false;

    private final Path file;
    private final Object key;
    private final Object walKey;
    private final Object shmKey;
    private final List<Path> fallbacks;

    private FileRescue(Path file, Object key, Object walKey, Object shmKey, List<Path> fallbacks) {
        this.file = file;
        this.key = key;
        this.walKey = walKey;
        this.shmKey = shmKey;
        this.fallbacks = fallbacks;
    }

    /**
     * Watches {@code file} as a writer's connection has it open now: its key, and its {@code -wal} and {@code -shm},
     * read after the open (before it, a file SQLite was still to create had none). What is rescued when its folder
     * is gone or full goes to the first of {@code fallbacks} (the current folder, the system's temporary one) that
     * takes it.
     *
     * @param file the file SQLite opened, a symbolic link at the name followed ({@link SqliteFiles#linkFollowed})
     */
    static FileRescue watching(Path file, List<Path> fallbacks) {
        return new FileRescue(file, SqliteFiles.fileKey(file), SqliteFiles.fileKey(WalFile.of(file)),
                SqliteFiles.fileKey(WalFile.shmOf(file)), fallbacks);
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
     * Writes out what {@code connection} (the writer, outside any transaction) reads of the file, and says so: into
     * its folder, else (gone, or no room there) the current folder, else the system's temporary folder. The copy is
     * made a file nobody works on, as a snapshot is ({@link SqliteCheckpointStore#nobodyAtWork}): the run's next
     * session takes it up from its cursor.
     *
     * @param runId the run being written, whose counts the message gives
     */
    DatabaseGoneException rescue(Connection connection, long runId) {
        Path folder = file.toAbsolutePath().getParent();
        boolean folderGone = folder != null && !Files.isDirectory(folder);
        boolean replaced = !folderGone && Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        if (!folderGone) {
            removeIfOurs(WalFile.of(file), walKey);
            removeIfOurs(WalFile.shmOf(file), shmKey);
        }
        boolean backAtName = !replaced && !folderGone && !Files.exists(WalFile.of(file))
                && !Files.exists(WalFile.shmOf(file));
        Path own = file.getParent() == null ? Path.of("") : file.getParent(); // named as the user named the file
        List<Path> folders = new ArrayList<>();
        if (!folderGone) {
            folders.add(own);
        }
        for (Path fallback : fallbacks) {
            Path absolute = fallback.toAbsolutePath().normalize();
            if (folders.stream().noneMatch(f -> f.toAbsolutePath().normalize().equals(absolute))) {
                folders.add(fallback);
            }
        }
        Exception first = null;
        for (Path into : folders) {
            try {
                Rescued rescued = writeInto(connection, runId, into, backAtName && into == own);
                return new DatabaseGoneException(rescued.file().equals(file)
                        ? DbPhrase.of("file.goneWrittenBack", file, rescued.done(), rescued.total())
                        : replaced ? DbPhrase.of("file.replacedWrittenAside", file, rescued.done(), rescued.total(),
                                rescued.file())
                        : DbPhrase.of("file.goneWrittenAside", file, rescued.done(), rescued.total(), rescued.file(),
                                folderGone ? 1 : 0),
                        file, rescued.file(), first);
            } catch (SQLException | IOException | RuntimeException e) {
                first = first == null ? e : first; // its own folder's reason is the one to free
            }
        }
        List<String> tried = folders.stream().map(f -> f.toAbsolutePath().normalize().toString()).toList();
        return new DatabaseGoneException(DbPhrase.of("file.goneNotRescued", file, replaced ? 1 : 0,
                SqliteFiles.detail(first), String.join(", ", tried)), file, null, first);
    }

    /** The copy as named, with the run's counts in it. */
    private record Rescued(Path file, long done, long total) {
    }

    /**
     * Writes the copy into {@code folder}: at the file's own name when {@code atName}, else under the first free
     * {@link #rescuedName}; nothing is left there when it fails.
     */
    private Rescued writeInto(Connection connection, long runId, Path folder, boolean atName)
            throws SQLException, IOException {
        List<Path> places = new ArrayList<>();
        if (atName) {
            places.add(file);
        }
        for (int n = 1; n <= NAMES; n++) {
            places.add(folder.resolve(rescuedName(file.getFileName().toString(), n)));
        }
        if (noRoomIn.test(folder)) {
            throw new FileSystemException(folder.toString(), null, "No space left on device");
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
            for (int i = 0; i < places.size(); i++) {
                // The first through the staged file's own naming, which syncs it first.
                if (i == 0 ? placeFirst(staged) : StagedDatabase.nameUnlessTaken(partial, places.get(i))) {
                    SqliteFiles.syncFolder(places.get(i).toAbsolutePath().getParent());
                    return new Rescued(places.get(i), run == null ? 0 : run.done(), run == null ? 0 : run.total());
                }
            }
            throw new IOException("every name in " + folder + " is taken");
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
