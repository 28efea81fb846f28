package dev.stride.core;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

/**
 * Temporary files written beside an output (an export's hidden .part, a snapshot's .partial and its journal), removed
 * by a shutdown hook when the process ends while they are held: a command removes its own when it fails, but Ctrl+C or
 * SIGTERM during an export or a snapshot ends the JVM without that, and left them in the user's folder for good. A
 * kill -9 or a second Ctrl+C during the hook still leaves them; their names say what they are, and the next command
 * writing the same output removes them ({@link #removeLeftovers}).
 */
public final class TemporaryFiles {
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOKED = new AtomicBoolean();
    /** How long a dead process's temporary files must have lain unchanged before another command removes them. */
    public static final Duration LEFTOVER_QUIET = Duration.ofMinutes(1);

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

    /**
     * Removes what killed processes left in {@code folder}: the files whose names start with {@code prefix} and whose
     * rest names a process ({@code pidOf}: its pid, or -1 for a name that is not such a file) that no longer runs on
     * this machine, once none of that process's files has changed for {@link #LEFTOVER_QUIET}. A live pid's files are
     * kept, whatever that process is now (two commands writing one output at once must not take each other's file
     * away; a reused pid costs only a file left a while longer), and so are files changed lately: a process this
     * machine cannot see (another machine's, writing into a shared folder) changes its files as it writes them. Best
     * effort: a file that cannot be removed stays, under a name nobody takes for a result.
     */
    public static void removeLeftovers(Path folder, String prefix, ToLongFunction<String> pidOf) {
        try {
            Instant quietSince = Instant.now().minus(LEFTOVER_QUIET);
            for (List<Path> left : ofProcessesGone(folder, prefix, pidOf).values()) {
                if (untouchedSince(left, quietSince)) {
                    for (Path file : left) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // Leftovers are no obstacle, only clutter: the command goes on.
        }
    }

    /**
     * The files in {@code folder} as {@link #removeLeftovers} judges them whose process no longer runs on this machine:
     * after a removal, those it kept because they changed within {@link #LEFTOVER_QUIET} (a kill -9 a moment ago, or
     * a process of another machine writing into a shared folder), which a command names rather than leave unsaid.
     * Empty when the folder cannot be read.
     */
    public static List<Path> leftByGoneProcesses(Path folder, String prefix, ToLongFunction<String> pidOf) {
        try {
            return ofProcessesGone(folder, prefix, pidOf).values().stream().flatMap(List::stream).sorted().toList();
        } catch (IOException | DirectoryIteratorException e) {
            return List.of();
        }
    }

    /** The files named after a process that no longer runs on this machine, by its pid. */
    private static Map<Long, List<Path>> ofProcessesGone(Path folder, String prefix, ToLongFunction<String> pidOf)
            throws IOException {
        long self = ProcessHandle.current().pid();
        Map<Long, List<Path>> byPid = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder,
                file -> file.getFileName().toString().startsWith(prefix))) {
            for (Path file : files) {
                long pid = pidOf.applyAsLong(file.getFileName().toString().substring(prefix.length()));
                if (pid > 0 && pid != self) {
                    byPid.computeIfAbsent(pid, p -> new ArrayList<>()).add(file);
                }
            }
        }
        byPid.keySet().removeIf(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return byPid;
    }

    private static boolean untouchedSince(List<Path> files, Instant since) throws IOException {
        for (Path file : files) {
            if (!Files.getLastModifiedTime(file).toInstant().isBefore(since)) {
                return false;
            }
        }
        return true;
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
