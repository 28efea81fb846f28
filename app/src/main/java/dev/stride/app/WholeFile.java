package dev.stride.app;

import dev.stride.core.TemporaryFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file a command writes whole or not at all (an export, a comparison's records, a report): written beside its
 * target under a hidden name, then renamed over it. The new file has the permissions of the one it replaces, or those
 * any new file of the user gets (a temporary file's 0600 made reports meant to be mailed unreadable to the group); a
 * symbolic link is written through, not replaced; and the hidden file is gone afterwards, whatever failed (one a
 * kill -9 left goes at the next write of the same file). A device or a pipe is written directly.
 */
public final class WholeFile {
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** What writes the content, to the file it is given. */
    @FunctionalInterface
    public interface Content<T> {
        T writeTo(Path file) throws IOException;
    }

    private WholeFile() {
    }

    /** Where {@code file} is written: the file itself, or what it links to. */
    public static Path target(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        if (!Files.isSymbolicLink(absolute)) {
            return absolute;
        }
        try {
            return absolute.toRealPath();
        } catch (NoSuchFileException dangling) {
            return absolute.resolveSibling(Files.readSymbolicLink(absolute)).normalize();
        }
    }

    /**
     * Writes {@code content} to {@code file}, replacing it only once the whole was written; returns what it said. A
     * device or a pipe ({@code /dev/null}, {@code /dev/stdout}, a FIFO a script reads) is written as it is: there is
     * no file to replace, and the rename would put a regular file in its place (as root, even over /dev/null).
     */
    public static <T> T write(Path file, Content<T> content) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file) && !Files.isDirectory(file)) {
            return content.writeTo(file);
        }
        Path target = target(file);
        String prefix = "." + target.getFileName() + ".";
        Path partial = target.resolveSibling(prefix + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet()
                + ".part");
        // What a kill -9 of an earlier write of this file left: hidden, and as large as the output.
        TemporaryFiles.removeLeftovers(target.getParent(), prefix, WholeFile::pidOf);
        // Ctrl+C or SIGTERM ends the JVM without the finally below: its shutdown hook removes the file then.
        try (TemporaryFiles.Held held = TemporaryFiles.hold(partial)) {
            Files.deleteIfExists(partial); // a leftover of a killed process that had this pid
            Files.createFile(partial);
            try {
                T result = content.writeTo(partial);
                keepPermissions(target, partial);
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return result;
            } finally {
                Files.deleteIfExists(partial);
            }
        }
    }

    /**
     * The hidden files of {@code file} that processes no longer running on this machine left, which a write of it
     * keeps: those changed within {@link TemporaryFiles#LEFTOVER_QUIET} (a kill -9 of an export a moment ago, or a
     * write of another machine into a shared folder). After a write, what is left to name to the user.
     */
    public static List<Path> leftBehind(Path file) throws IOException {
        Path target = target(file);
        return TemporaryFiles.leftByGoneProcesses(target.getParent(), "." + target.getFileName() + ".",
                WholeFile::pidOf);
    }

    /** The pid in the rest of a hidden file's name, {@code PID-N.part}, or -1 when it is not one of ours. */
    private static long pidOf(String rest) {
        int dash = rest.indexOf('-');
        if (dash < 1 || dash > 18 || !rest.endsWith(".part")) {
            return -1;
        }
        String pid = rest.substring(0, dash);
        String sequence = rest.substring(dash + 1, rest.length() - ".part".length());
        boolean digits = !sequence.isEmpty() && (pid + sequence).chars().allMatch(Character::isDigit);
        return digits ? Long.parseLong(pid) : -1;
    }

    private static void keepPermissions(Path target, Path partial) throws IOException {
        PosixFileAttributeView old = Files.getFileAttributeView(target, PosixFileAttributeView.class);
        if (old != null && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.setPosixFilePermissions(partial, old.readAttributes().permissions());
        }
    }
}
