package dev.stride.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The seed's design as a process of its own, against a server in another process (bench/e2e.sh), so that it is
 * measured as the stride CLI is: its own JVM, start included, against the same external server.
 *
 * <p>Usage: {@code java -cp stride-bench.jar dev.stride.bench.SeedDesignProcess BASE_URL RECORDS [THREADS] [EVERY]};
 * prints one line: the records and the predictions per second it measured itself (JVM start excluded).
 */
public final class SeedDesignProcess {
    private SeedDesignProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: SeedDesignProcess BASE_URL RECORDS [THREADS (16)] [SAVE EVERY (10)]");
            System.exit(2);
        }
        String url = args[0];
        int records = Integer.parseInt(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int every = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        Path dir = Files.createTempDirectory("stride-seed");
        try {
            double perSecond = Baselines.seedDesign(url, threads, records, every, dir.resolve("checkpoint.ser"));
            System.out.printf(Locale.ROOT, "seed's design: %d records, %d threads, map saved every %d: %.1f/s%n",
                    records, threads, every, perSecond);
        } finally {
            Files.deleteIfExists(dir);
        }
        System.exit(0); // the pool's and the HTTP client's idle threads would keep the process alive for a while
    }
}
