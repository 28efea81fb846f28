package dev.stride.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * sqlite-jdbc's native library, kept in a directory of ours. On its own, sqlite-jdbc lists the temp directory for
 * copies left behind, then compares the library it extracted there earlier with the one in its jar, byte by byte, at
 * every start (0.1 s of CPU before stride's first request). Told where a library is ({@code org.sqlite.lib.path} and
 * {@code org.sqlite.lib.name}, its documented properties), it loads that one without comparing; pointed at our
 * directory as its temp directory too ({@code org.sqlite.tmpdir}), it lists a directory of one file, not /tmp.
 *
 * <p>The copy is written once, to a temporary name, read back and compared with the jar's, and only then renamed to
 * its final name (atomically: two starts at once each write their own and either rename wins), so a file under the
 * final name is whole. Its directory's name carries sqlite-jdbc's version, the OS and the architecture: another build
 * of stride with another sqlite-jdbc writes its own. A later start only checks that the file is there and begins
 * as a native library does on this OS (its first four bytes): asking sqlite-jdbc which file its jar holds for this
 * machine costs more than the comparison saved (its OS detection). A copy that does not begin so (overwritten,
 * emptied) is written again; left there, it made sqlite-jdbc log a SEVERE error with a stack trace and extract its
 * own at every start. Whenever no directory can hold it, or the user named a library already, nothing is set and
 * sqlite-jdbc loads its library as it always does; a copy damaged past its first bytes makes sqlite-jdbc log why and
 * extract its own, as it always does.
 */
public final class NativeSqliteLibrary {
    static final String PATH = "org.sqlite.lib.path";
    static final String NAME = "org.sqlite.lib.name";
    static final String TEMP_DIR = "org.sqlite.tmpdir";

    private NativeSqliteLibrary() {
    }

    /**
     * Points sqlite-jdbc at its library in the first of {@code dirs} that has it or can be given it. Call before the
     * first connection. Returns the library used, or null when sqlite-jdbc is left to load its own.
     */
    public static Path keepInFirstOf(List<Path> dirs) {
        if (System.getProperty(PATH) != null || System.getProperty(NAME) != null) {
            return null; // the user's choice
        }
        // The jar's own file name: when the copy will not load, sqlite-jdbc looks for this name in its jar and
        // extracts it as usual. The version, OS and architecture go into the directory's name instead.
        String name = LibraryLoaderUtil.getNativeLibName();
        String folder = ("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion() + "-" + System.getProperty("os.name") + "-"
                + System.getProperty("os.arch")).replaceAll("[^A-Za-z0-9._-]", "_");
        for (Path place : dirs) {
            Path dir = place.resolve(folder);
            Path library = dir.resolve(name);
            if (Files.exists(dir) && !ownedByUs(place, dir, library)) {
                continue; // someone else's: not a library to load (a jar in /tmp, say)
            }
            if (looksLoadable(library) || written(library)) {
                System.setProperty(PATH, dir.toString());
                System.setProperty(NAME, name);
                // sqlite-jdbc also lists its temp directory at every start, for copies other processes left there:
                // a small directory of ours costs less than a shared /tmp. Only where it can write, in case the copy
                // will not load and it extracts its own.
                if (System.getProperty(TEMP_DIR) == null && Files.isWritable(dir)) {
                    System.setProperty(TEMP_DIR, dir.toString());
                }
                return library;
            }
        }
        return null;
    }

    /**
     * Whether {@code library} is a file that begins as this OS's native libraries do: ELF on Linux and the other
     * Unixes, Mach-O on macOS (either byte order, or a universal binary), PE ("MZ") on Windows.
     */
    static boolean looksLoadable(Path library) {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(library)) {
            if (in.readNBytes(head, 0, 4) < 4) {
                return false;
            }
        } catch (IOException e) {
            return false; // not there, or not readable
        }
        int magic = ((head[0] & 0xff) << 24) | ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return head[0] == 'M' && head[1] == 'Z';
        }
        if (os.startsWith("mac")) {
            return magic == 0xfeedface || magic == 0xfeedfacf || magic == 0xcefaedfe || magic == 0xcffaedfe
                    || magic == 0xcafebabe;
        }
        return magic == 0x7f454c46; // "\x7fELF"
    }

    /**
     * Whether the folder (and the library, if there) belong to this user or to the owner of the place (an install
     * made by root serves every user). A library planted by another user beside a jar in a shared folder is not
     * loaded: sqlite-jdbc's byte-by-byte comparison guarded its copies in /tmp against that; ownership guards ours.
     */
    private static boolean ownedByUs(Path place, Path dir, Path library) {
        try {
            Set<String> owners = new HashSet<>(List.of(System.getProperty("user.name"),
                    Files.getOwner(place).getName()));
            return owners.contains(Files.getOwner(dir).getName())
                    && (!Files.exists(library) || owners.contains(Files.getOwner(library).getName()));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void readableByAll(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** Writes the jar's library to {@code library}, whole and checked, or leaves nothing there. */
    private static boolean written(Path library) {
        String folder = LibraryLoaderUtil.getNativeLibResourcePath();
        String jarName = library.getFileName().toString();
        if (!LibraryLoaderUtil.hasNativeLib(folder, jarName)) {
            return false;
        }
        String resource = folder + "/" + jarName;
        Path temp = null;
        try {
            Files.createDirectories(library.getParent());
            temp = Files.createTempFile(library.getParent(), "." + library.getFileName(), ".part");
            try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource);
                 OutputStream out = Files.newOutputStream(temp)) {
                in.transferTo(out);
            }
            byte[] expected;
            try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
                expected = in.readAllBytes();
            }
            if (!Arrays.equals(expected, Files.readAllBytes(temp))) {
                return false;
            }
            readableByAll(temp); // a shared install's copy serves every user who runs it
            Files.move(temp, library, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // a directory we cannot write: sqlite-jdbc's own way
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // only a leftover .part file
                }
            }
        }
    }
}
