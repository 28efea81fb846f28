package dev.stride.app;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

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

    private OpenFileLimit() {
    }

    /** Refuses {@code options} when their requests in flight need more files than this process may open. */
    static void check(RunOptions options) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            check(options.concurrency(), options.autoConcurrency(), unix.getMaxFileDescriptorCount(),
                    unix.getOpenFileDescriptorCount());
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
