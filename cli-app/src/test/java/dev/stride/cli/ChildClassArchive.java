package dev.stride.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A class-data archive for the ITs' child JVMs, as the {@code ./stride} launcher keeps one for a user's: the ITs start
 * some hundreds of children, and each spent about 0.6 s more wall and twice the CPU loading stride's classes from the
 * jar (a 64-record run: first answer at 1.6–1.9 s without, 0.8–0.9 s with; {@code status}: 1.06 s against 0.53 s).
 *
 * <p>Recorded once per build of the jar, by a {@code stride demo} (a run against the built-in simulator, answering at
 * once) with the children's own JVM options and environment, beside the jar, under a name that tells the JDK and the
 * options (an archive recorded for others maps nothing, silently). The test JVMs (Failsafe runs two) take turns
 * through a file lock, so one records while the other waits for it. If recording fails the children start without an
 * archive: slower, not wrong. A child whose archive does not match the jar is started by the JVM without one, silently
 * (the {@code cds} logs are off, as in the launcher).
 */
final class ChildClassArchive {
    private static final long RECORDING_LIMIT_SECONDS = 180;
    private static List<String> options; // guarded by the class

    private ChildClassArchive() {
    }

    /** The JVM options that map the archive, recording it first when the jar is newer; none if it cannot be had. */
    static synchronized List<String> options(Path jar, List<String> jvmOptions) {
        if (options == null) {
            String made = System.getProperty("java.home") + " " + String.join(" ", jvmOptions);
            Path archive = jar.toAbsolutePath().resolveSibling(
                    "stride-it-" + Integer.toHexString(made.hashCode()) + ".jsa");
            boolean ready = ready(jar, archive, jvmOptions);
            if (Thread.currentThread().isInterrupted()) {
                return List.of(); // this test's time ran out: the next may find the archive after all
            }
            options = ready ? List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off")
                    : List.of();
        }
        return options;
    }

    private static boolean ready(Path jar, Path archive, List<String> jvmOptions) {
        Path lock = archive.resolveSibling(archive.getFileName() + ".lock");
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = channel.lock();
            try {
                if (!current(jar, archive)) {
                    record(jar, archive, jvmOptions);
                }
                return current(jar, archive);
            } finally {
                held.release();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("ChildClassArchive: the ITs' children start without a class archive: " + e);
            return false;
        }
    }

    private static boolean current(Path jar, Path archive) throws IOException {
        return Files.isRegularFile(archive) && Files.size(archive) > 0
                && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0;
    }

    private static void record(Path jar, Path archive, List<String> jvmOptions)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("stride-it-archive");
        Path recording = archive.resolveSibling(archive.getFileName() + ".recording");
        Process demo = null;
        try {
            Files.deleteIfExists(recording);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.addAll(List.of("-XX:ArchiveClassesAtExit=" + recording, "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                    "-jar", jar.toAbsolutePath().toString(), "demo", "--db", dir.resolve("demo.db").toString(),
                    "--sim-latency", "0ms", "--sim-jitter", "0ms", "--sim-tokens-per-second", "0"));
            Path log = dir.resolve("demo.log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            // As the children start: options of the environment would record an archive for others.
            StrideProcess.asAChild(builder.environment());
            demo = builder.start();
            demo.getOutputStream().close();
            if (!demo.waitFor(RECORDING_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the recording demo did not end within " + RECORDING_LIMIT_SECONDS + " s");
            }
            if (demo.exitValue() != 0 || !Files.isRegularFile(recording)) {
                throw new IOException("the recording demo ended with exit " + demo.exitValue() + " and "
                        + (Files.isRegularFile(recording) ? "an archive" : "no archive") + ": " + Files.readString(log));
            }
            Files.move(recording, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            // Never a recorder left writing after the lock is let go: the other test JVM would start a second one.
            if (demo != null && demo.isAlive()) {
                demo.destroyForcibly();
                demo.onExit().join();
            }
            Files.deleteIfExists(recording);
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
