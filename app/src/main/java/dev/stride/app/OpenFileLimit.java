package dev.stride.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files a run will hold open at once, against what this process may open ({@code ulimit -n}). Each request in
 * flight holds a connection, and a connection is a file: past the limit, connects fail with "Too many open files",
 * which reads as a server that cannot be reached, and records failed one by one after their retries while nothing
 * was wrong with the server. So a run that cannot have its requests in flight is refused before anything is stored,
 * with the two ways out.
 */
final class OpenFileLimit {
    /**
     * Files a run holds besides its connections, on top of those open as it plans: the database's WAL and shared
     * memory, SQLite's temporary files, idle connections kept for the next request, and a few spare.
     */
    static final int BESIDES_CONNECTIONS = 32;
    private static final String OPEN_FILES = "Max open files";

    private OpenFileLimit() {
    }

    /**
     * Refuses {@code options} when their requests in flight need more files than this process may open. Read from
     * /proc (Linux; elsewhere nothing is checked): the management beans that say the same loaded a native library and
     * some 900 classes, 60-100 ms of every run's start.
     */
    static void check(RunOptions options) {
        long limit = softLimit();
        long open = openNow();
        if (limit > 0 && open >= 0) {
            check(options.concurrency(), options.autoConcurrency(), limit, open);
        }
    }

    /** The soft limit on open files (the JVM raised it to the hard one as it started), or -1: unlimited, unknown. */
    private static long softLimit() {
        try (BufferedReader limits = Files.newBufferedReader(Path.of("/proc/self/limits"), StandardCharsets.UTF_8)) {
            for (String line = limits.readLine(); line != null; line = limits.readLine()) {
                if (line.startsWith(OPEN_FILES)) {
                    String soft = line.substring(OPEN_FILES.length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc (not Linux), or a line of another shape: nothing to check against.
        }
        return -1;
    }

    /** The files this process has open now, or -1 when it cannot be told. */
    private static long openNow() {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            long open = 0;
            for (Path ignored : files) {
                open++;
            }
            return open;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @param inFlight the most requests in flight ({@code --concurrency N}, or {@code --max-concurrency} when auto)
     * @param limit    the files this process may open (the soft limit, which the JVM raises to the hard one)
     * @param open     the files it has open now
     */
    static void check(int inFlight, boolean auto, long limit, long open) {
        long needed = open + inFlight + BESIDES_CONNECTIONS;
        if (limit <= 0 || needed <= limit) {
            return;
        }
        long fits = Math.max(1, limit - open - BESIDES_CONNECTIONS);
        throw auto ? AppPhrase.invalid("run.filesForMaxConcurrency", inFlight, needed, limit, fits)
                : AppPhrase.invalid("run.filesForConcurrency", inFlight, needed, limit, fits);
    }
}
