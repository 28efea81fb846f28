package dev.stride.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The launcher's class-data archive, from stride's side. The launcher lets a run record the archive (the JVM writes
 * it at the process's exit) and names, in {@value #KEPT_PROPERTY}, the mark that keeps it. A run whose session ended
 * has loaded what every run needs (its store, its HTTP client, its writer), so its archive is worth keeping; one
 * refused before (bad input, a bad option) leaves no mark, and the next run records the archive again. The mark holds
 * the Java the launcher named in {@value #JAVA_PROPERTY} (its home and version): another Java cannot map the archive,
 * and the launcher records one again for it.
 */
final class ClassArchive {
    static final String KEPT_PROPERTY = "stride.cds.kept";
    static final String JAVA_PROPERTY = "stride.cds.java";

    private ClassArchive() {
    }

    /** Whether the JVM writes an archive as this process exits (the launcher names its mark only then). */
    static boolean recording() {
        return System.getProperty(KEPT_PROPERTY) != null;
    }

    /** Marks the archive this process records, if it records one, as kept. */
    static void keep() {
        String kept = System.getProperty(KEPT_PROPERTY);
        if (kept == null) {
            return;
        }
        try {
            Files.writeString(Path.of(kept), System.getProperty(JAVA_PROPERTY, "") + "\n");
        } catch (IOException | InvalidPathException e) {
            // Nothing lost: the next run records the archive again.
        }
    }
}
