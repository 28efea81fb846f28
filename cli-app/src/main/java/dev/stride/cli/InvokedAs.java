package dev.stride.cli;

import dev.stride.core.ShellWords;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * How the person typed stride, for the commands stride suggests: the launcher passes its own name as it was given
 * ({@value #ENV}). The demo said {@code ./stride status ...} to someone who had typed {@code ~/stride/stride demo} in
 * another folder, or {@code stride demo} through a link on the PATH, where {@code ./stride} is nothing.
 */
final class InvokedAs {
    static final String ENV = "STRIDE_INVOKED_AS";
    /** The README's way, and the name without a launcher (in-process, {@code java -jar}). */
    static final String CHECKOUT = "./stride";

    private InvokedAs() {
    }

    /**
     * The command to suggest: {@code stride} where the PATH finds the same launcher by that name, else the name as it
     * was typed (a path, relative to where it was typed, quoted for the shell), else {@link #CHECKOUT}.
     */
    static String command(Map<String, String> env) {
        String given = env.get(ENV);
        if (given == null || given.isBlank()) {
            return CHECKOUT;
        }
        if (!given.contains("/")) {
            // Found on the PATH by that name, or run by a shell from the current folder (`sh stride demo`).
            return firstOnPath(given, env.get("PATH")) != null ? ShellWords.quoted(given)
                    : ShellWords.quoted("./" + given);
        }
        try {
            Path launcher = Path.of(given);
            String name = String.valueOf(launcher.getFileName());
            Path onPath = firstOnPath(name, env.get("PATH"));
            if (onPath != null && Files.isSameFile(onPath, launcher)) {
                return ShellWords.quoted(name);
            }
        } catch (IOException | InvalidPathException e) {
            // Said as it was typed.
        }
        return ShellWords.quoted(given);
    }

    /** The first executable named {@code name} in {@code path}'s folders, as a shell looks it up; null if none. */
    private static Path firstOnPath(String name, String path) {
        if (path == null) {
            return null;
        }
        for (String folder : path.split(File.pathSeparator)) {
            if (folder.isEmpty()) {
                continue; // the current folder, which a shell searches here, but no user means ./stride by it
            }
            try {
                Path candidate = Path.of(folder, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            } catch (InvalidPathException e) {
                // A folder no file can be in.
            }
        }
        return null;
    }
}
