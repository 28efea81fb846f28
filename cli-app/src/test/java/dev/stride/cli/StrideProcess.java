package dev.stride.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The real stride CLI as a child JVM ({@code java -jar stride.jar ...}) for the process-level ITs. Its stdout and
 * stderr go to files (no pipe can fill up and block it), and every wait is bounded: a wait that runs out kills the
 * child and fails with what it printed.
 */
final class StrideProcess implements AutoCloseable {
    /** Small heap and one GC thread: several of these run one after another on a 2-core CI machine. */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    final String label;
    final Process process;
    /** {@link System#nanoTime()} just before the child was started. */
    final long startNanos;
    private final Path out;
    private final Path err;

    private StrideProcess(String label, Process process, long startNanos, Path out, Path err) {
        this.label = label;
        this.process = process;
        this.startNanos = startNanos;
        this.out = out;
        this.err = err;
    }

    /** The shaded jar Failsafe names in the system property {@code stride.jar}. */
    static Path jar() {
        String property = System.getProperty("stride.jar");
        if (property == null) {
            throw new IllegalStateException("system property stride.jar is not set: run the ITs with mvn verify"
                    + " (Failsafe passes it)");
        }
        Path jar = Path.of(property);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: the package phase builds it");
        }
        return jar;
    }

    /** The {@code ./stride} launcher of this checkout, beside the modules. */
    static Path launcher() {
        return jar().toAbsolutePath().getParent().getParent().getParent().resolve("stride");
    }

    /** A PATH on which the launcher's {@code java} is this JVM's own. */
    static String pathWithThisJava() {
        return Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH");
    }

    /**
     * A job started in the background by a non-interactive shell (as a CI runner may start the build) has SIGINT
     * ignored, one started with nohup SIGHUP; that is inherited through exec, and a JVM that starts with a signal
     * ignored never installs a handler for it, so Ctrl+C (or SIGHUP) could not be tested. Perl (part of every Debian system) puts the default back and execs the
     * JVM in its own place, so the child's pid is still the JVM's.
     */
    static List<String> signalRestorer() {
        if (!ignoredHere(1) && !ignoredHere(2) && !ignoredHere(15)) {
            return List.of();
        }
        return List.of("perl", "-e", "$SIG{HUP} = 'DEFAULT'; $SIG{INT} = 'DEFAULT'; $SIG{TERM} = 'DEFAULT';"
                + " exec { $ARGV[0] } @ARGV or die \"exec: $!\";");
    }

    /** Whether this JVM started with signal {@code number} ignored (from /proc/self/status). */
    static boolean ignoredHere(int number) {
        try {
            return (sigIgn(Path.of("/proc/self/status")) & (1L << (number - 1))) != 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static long sigIgn(Path status) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        return 0;
    }

    /** Starts {@code stride ARGS...} in {@code dir}; its output goes to {@code dir/LABEL.out} and {@code .err}. */
    static StrideProcess start(Path dir, String label, List<String> args) throws IOException {
        return startUnder(dir, label, List.of(), args);
    }

    /**
     * As {@link #start}, with the JVM run by {@code wrapper} (such as {@code strace -f -o FILE}), which must exec
     * the command it is given.
     */
    static StrideProcess startUnder(Path dir, String label, List<String> wrapper, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(signalRestorer());
        command.addAll(javaCommand(args));
        return startCommand(dir, label, command, Map.of());
    }

    /** {@code java [the small-JVM options] [the class archive's] -jar stride.jar ARGS...} */
    static List<String> javaCommand(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(ChildClassArchive.options(jar(), JVM_OPTIONS));
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(args);
        return command;
    }

    /**
     * The options {@link #javaCommand} gives the JVM, as one string for {@code JAVA_OPTS}: without the class archive,
     * which a launcher has its own way with ({@code STRIDE_CDS}).
     */
    static String jvmOptions() {
        return String.join(" ", JVM_OPTIONS);
    }

    /**
     * Starts {@code command} (which must end up running stride, e.g. through a shell or the {@code ./stride}
     * launcher) as {@link #start} starts the JVM, with {@code env} added to the environment.
     */
    static StrideProcess startCommand(Path dir, String label, List<String> command, Map<String, String> env)
            throws IOException {
        Path out = dir.resolve(label + ".out");
        Path err = dir.resolve(label + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        asAChild(builder.environment());
        builder.environment().putAll(env);
        long started = System.nanoTime();
        Process process = builder.start();
        process.getOutputStream().close();
        return new StrideProcess(label, process, started, out, err);
    }

    /** The environment every child of the ITs starts with, {@code environment} being this JVM's as inherited. */
    static void asAChild(Map<String, String> environment) {
        // No key of the developer's may reach the fake server; no JVM options of the environment may change the
        // child (or print "Picked up ..." on its stderr).
        environment.remove("OPENAI_API_KEY");
        environment.remove("JAVA_TOOL_OPTIONS");
        environment.remove("_JAVA_OPTIONS");
        // stride reads the machine's proxy from these: a test's unresolvable host must stay unresolvable.
        for (String proxy : List.of("http_proxy", "https_proxy", "no_proxy", "all_proxy")) {
            environment.remove(proxy);
            environment.remove(proxy.toUpperCase(Locale.ROOT));
        }
        // The launcher runs JAVA_HOME's java before the PATH's: this JVM's, as the PATH's first (pathWithThisJava).
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        // The tests read stride's English messages: a machine set to another language must not change them.
        environment.remove("LC_ALL");
        environment.remove("LC_MESSAGES");
        environment.put("LANG", "C.UTF-8");
    }

    long pid() {
        return process.pid();
    }

    /** Sends a signal with {@code kill -NAME PID}, as a user or a supervisor would. */
    void signal(String name) throws IOException, InterruptedException {
        kill(name, pid());
    }

    /**
     * A second signal right after a first: on a loaded machine the first may already have ended the process (say, one
     * still starting, which the JVM ends at once) before {@code kill} runs again, and then there is nothing to send.
     */
    void signalAgain(String name) throws IOException, InterruptedException {
        try {
            signal(name);
        } catch (AssertionError noSuchProcess) {
            if (process.isAlive()) {
                throw noSuchProcess;
            }
        }
    }

    /** {@code kill -NAME PID}, for a process this one did not start itself (a shell's child). */
    static void kill(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
        if (!kill.waitFor(60, TimeUnit.SECONDS)) {
            kill.destroyForcibly();
            throw new AssertionError("kill -" + name + " " + pid + " did not return within 60 s");
        }
        String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + pid + " failed (" + kill.exitValue() + "): " + said);
        }
    }

    /** Which signals process {@code pid} ignores, from its {@code SigIgn} line in /proc (bit n-1 for signal n). */
    static long ignoredSignals(long pid) throws IOException {
        return sigIgn(Path.of("/proc", Long.toString(pid), "status"));
    }

    /**
     * SIGKILL: {@link Process#destroyForcibly()} is {@code kill(pid, SIGKILL)} on Linux (the caller checks the exit
     * status 137 = 128 + 9 to be sure). Returns the exit status.
     */
    int killHard(Duration max) throws InterruptedException {
        process.destroyForcibly();
        return waitForExit(max);
    }

    /** The exit status, once the child has ended; fails (after killing it) if that takes longer than {@code max}. */
    int waitForExit(Duration max) throws InterruptedException {
        if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new AssertionError(label + " did not end within " + max + "\n" + transcript());
        }
        return process.exitValue();
    }

    /** Waits until {@code condition} holds; fails if it does not within {@code max} or the child ends first. */
    void await(String what, Duration max, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive() && !condition.getAsBoolean()) {
                throw new AssertionError(label + " ended (exit " + process.exitValue() + ") before " + what + "\n"
                        + transcript());
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new AssertionError(label + ": no " + what + " within " + max + "\n" + transcript());
            }
            Thread.sleep(2);
        }
    }

    String out() {
        return read(out);
    }

    String err() {
        return read(err);
    }

    String transcript() {
        return "--- stdout of " + label + " ---\n" + tail(out()) + "\n--- stderr of " + label + " ---\n" + tail(err());
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /**
     * Kills the child if it is still alive, with what it started (the JVM under a shell), and waits (bounded) until
     * it is gone. Never throws.
     */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> started = process.descendants().toList();
        started.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Copies a database a dead process left (with its -wal, without the -shm that SQLite rebuilds) into
     * {@code into}, so the test can look into it with plain JDBC without touching the original: opening the
     * original would replay and checkpoint its WAL, and the next stride would find nothing to recover.
     */
    static Path snapshot(Path db, Path into) throws IOException {
        Files.createDirectories(into);
        Path copy = into.resolve(db.getFileName());
        Files.copy(db, copy, StandardCopyOption.REPLACE_EXISTING);
        Path wal = db.resolveSibling(db.getFileName() + "-wal");
        Path walCopy = into.resolve(db.getFileName() + "-wal");
        if (Files.exists(wal)) {
            Files.copy(wal, walCopy, StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(walCopy);
        }
        Files.deleteIfExists(into.resolve(db.getFileName() + "-shm"));
        return copy;
    }

    /** The size of the database's -wal file, -1 when there is none. */
    static long walSize(Path db) throws IOException {
        Path wal = db.resolveSibling(db.getFileName() + "-wal");
        return Files.exists(wal) ? Files.size(wal) : -1;
    }

    /** Whether the sqlite3 shell is on the PATH (CI installs it; tests that use it say so when it is not). */
    static boolean hasSqlite3Shell() {
        try {
            Process p = new ProcessBuilder("sqlite3", "-version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
