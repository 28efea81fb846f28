package dev.stride.cli;

import dev.stride.app.WholeFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whether two paths reach one file on disk, whatever their spelling: another path to it, a symbolic link, {@code ./}
 * or {@code ..}. Comparing the names alone let {@code export -o ./runs.db} replace the database it read, and a run
 * writing it then wrote its answers to a file nobody could open any more.
 */
final class SameFile {
    /** The files SQLite keeps beside a database: writing one of them damages the database as surely as itself. */
    static final List<String> SQLITE_SIDE_FILES = List.of("-wal", "-shm", "-journal");

    private SameFile() {
    }

    /** True when {@code a} and {@code b} are one file, or would be once written (a path that does not exist yet). */
    static boolean same(Path a, Path b) {
        if (Files.exists(a) && Files.exists(b)) {
            try {
                return Files.isSameFile(a, b);
            } catch (IOException e) {
                // unreadable metadata: the real paths below still tell most cases
            }
        }
        return real(a).equals(real(b));
    }

    /**
     * What of the SQLite database {@code database} the file {@code path} is: "" for the database itself, "-wal",
     * "-shm" or "-journal" for one of its side files, empty for none of them.
     */
    static Optional<String> partOfDatabase(Path path, Path database) {
        if (same(path, database)) {
            return Optional.of("");
        }
        // SQLite names the side files after the database's real path; a link's own name is checked as well
        Set<Path> names = new LinkedHashSet<>();
        names.add(database.toAbsolutePath().normalize());
        names.add(real(database));
        for (String suffix : SQLITE_SIDE_FILES) {
            for (Path name : names) {
                if (same(path, name.resolveSibling(name.getFileName() + suffix))) {
                    return Optional.of(suffix);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The absolute path a write to {@code path} would reach: links followed (a dangling one to where it points), the
     * folder by its real path when it exists.
     */
    static Path real(Path path) {
        Path absolute = path.toAbsolutePath();
        try {
            if (Files.exists(absolute)) {
                return absolute.toRealPath();
            }
            Path target = WholeFile.target(absolute).normalize();
            Path folder = target.getParent();
            if (folder != null && Files.isDirectory(folder)) {
                return folder.toRealPath().resolve(target.getFileName());
            }
            return target;
        } catch (IOException e) {
            return absolute.normalize();
        }
    }
}
