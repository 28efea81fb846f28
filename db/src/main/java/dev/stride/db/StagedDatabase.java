package dev.stride.db;

import dev.stride.core.TemporaryFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A new SQLite database that gets its name only once it is whole: {@code stride copy} and {@code merge} to a file
 * that does not exist yet write it beside the target as {@code NAME.partial-PID} and link it into place after the
 * store on it is closed (its WAL folded in). Before, they wrote the target itself, and Ctrl+C or SIGTERM mid-copy left
 * an empty stride database there that nothing told apart from a finished one.
 *
 * <p>The partial file is removed on close when it was not put in place (an error, a refusal, a stop) and, held in
 * {@link TemporaryFiles}, by the shutdown hook when the JVM ends on a signal first. One left by a kill -9 keeps its
 * name, which nobody takes for a result, until the next attempt at the same target removes it ({@link
 * #removeStale}); one of a process still running is that process's work, and stays. Putting it in place never
 * replaces a file: one made at the target meanwhile (another stride's run or copy) is kept, and this attempt refused.
 */
public final class StagedDatabase implements AutoCloseable {
    private static final List<String> SIDE_FILES = List.of("", "-wal", "-shm", "-journal");

    private final Path target;
    private final Path partial;
    private final TemporaryFiles.Held held;
    private boolean placed;

    private StagedDatabase(Path target, Path partial, TemporaryFiles.Held held) {
        this.target = target;
        this.partial = partial;
        this.held = held;
    }

    /** A new database to be put at {@code target}, whose folder exists; nothing is written yet. */
    public static StagedDatabase beside(Path target) {
        Path partial = partialOf(target);
        TemporaryFiles.Held held = TemporaryFiles.hold(
                SIDE_FILES.stream().map(suffix -> Path.of(partial + suffix)).toArray(Path[]::new));
        StagedDatabase staged = new StagedDatabase(target, partial, held);
        staged.removePartial(); // a leftover of a killed process that had this pid: not a start to build on
        removeStale(target);
        return staged;
    }

    /**
     * Removes what a killed process left while it wrote {@code target} (a copy, a merge or a snapshot of it): each
     * {@code NAME.partial-PID} file, with its -wal, -shm and -journal, whose process no longer runs on this machine
     * and none of whose files has changed for a minute ({@link TemporaryFiles#removeLeftovers}).
     */
    static void removeStale(Path target) {
        TemporaryFiles.removeLeftovers(target.toAbsolutePath().getParent(), target.getFileName() + ".partial-",
                StagedDatabase::pidOf);
    }

    /** The pid that a partial file's name ends with ({@code 123}, {@code 123-wal}...), or -1 for any other name. */
    private static long pidOf(String rest) {
        for (String suffix : SIDE_FILES) {
            if (suffix.isEmpty() || rest.endsWith(suffix)) {
                String digits = rest.substring(0, rest.length() - suffix.length());
                if (!digits.isEmpty() && digits.length() <= 18 && digits.chars().allMatch(Character::isDigit)) {
                    return Long.parseLong(digits);
                }
            }
        }
        return -1;
    }

    /**
     * The file this process writes {@code target} in, {@code NAME.partial-PID}: what a store's error names when
     * writing it failed, and what a command turns back into {@code target}'s name for the user, who never asked for it.
     */
    public static Path partialOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".partial-" + ProcessHandle.current().pid());
    }

    /** Where the database is written: open the store here, and close it before {@link #putInPlace}. */
    public Path file() {
        return partial;
    }

    /**
     * Gives the closed, whole database its name, synced first so that a power loss cannot leave the name on a file
     * only partly on disk.
     *
     * @throws TransferRefusedException when a file was made at the target meanwhile; it is left as it is
     * @throws UncheckedIOException     when the file cannot be synced or named, with the operating system's reason
     */
    public void putInPlace() {
        try {
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            if (!nameUnlessTaken(partial, target)) {
                throw appeared();
            }
            placed = true;
            SqliteFiles.syncFolder(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Gives {@code partial} the name {@code target} unless a file has that name (made meanwhile by another process:
     * a copy, a snapshot, a run), which it never replaces; false then, with {@code partial} left as it is.
     */
    static boolean nameUnlessTaken(Path partial, Path target) throws IOException {
        try {
            // A hard link fails when the name is taken; a rename would replace whatever took it.
            Files.createLink(target, partial);
            Files.delete(partial);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | IOException noLinks) {
            // Some FUSE and network mounts have no hard links: a rename after a last look.
            if (Files.exists(target)) {
                return false;
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
    }

    private TransferRefusedException appeared() {
        return new TransferRefusedException(DbPhrase.of("staged.appeared", target));
    }

    /** Removes the partial database unless it was put in place; call it after the store on it is closed. */
    @Override
    public void close() {
        try {
            if (!placed) {
                removePartial();
            }
        } finally {
            held.close();
        }
    }

    private void removePartial() {
        for (String suffix : SIDE_FILES) {
            try {
                Files.deleteIfExists(Path.of(partial + suffix));
            } catch (IOException e) {
                // Left under its .partial name, which nobody takes for a result.
            }
        }
    }
}
