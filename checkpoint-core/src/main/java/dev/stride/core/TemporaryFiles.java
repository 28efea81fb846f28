package dev.stride.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Temporary files written beside an output (an export's hidden .part, a snapshot's .partial and its journal), removed
 * by a shutdown hook when the process ends while they are held: a command removes its own when it fails, but Ctrl+C or
 * SIGTERM during an export or a snapshot ends the JVM without that, and left them in the user's folder for good. A
 * kill -9 or a second Ctrl+C during the hook still leaves them; their names say what they are.
 */
public final class TemporaryFiles {
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    private TemporaryFiles() {
    }

    /** Removal of held files at exit, until {@link Held#close()}; the files need not exist yet. */
    public static Held hold(Path... files) {
        if (HOOKED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(TemporaryFiles::removeHeld, "stride-temporary-files"));
        }
        List<Path> held = List.of(files);
        HELD.addAll(held);
        return new Held(held);
    }

    /**
     * Removes the held files now: for a second Ctrl+C, which ends the process with {@link Runtime#halt}, skipping
     * the shutdown hook.
     */
    public static void removeHeld() {
        for (Path file : HELD) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the process is ending: nothing better to do than leave it
            }
        }
    }

    /** Files held for removal at exit; closing lets them go (the command has removed or renamed them). */
    public static final class Held implements AutoCloseable {
        private final List<Path> files;

        private Held(List<Path> files) {
            this.files = files;
        }

        @Override
        public void close() {
            HELD.removeAll(files);
        }
    }
}
