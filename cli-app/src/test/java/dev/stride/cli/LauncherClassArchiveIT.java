package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./stride} launcher's class-data archive holds the classes of the start that recorded it, and only those
 * are mapped later. Any command records one where there is none, but only a run that sent its requests keeps it: a run
 * after {@code --version}, or after a run refused before its first request, records it again. It is mapped from any
 * folder, whatever path the jar was given by. One start records it at a time.
 */
@EnabledOnOs(OS.LINUX)
class LauncherClassArchiveIT {
    private static final Duration GUARD = Duration.ofMinutes(3);
    /** A class only a run that sends requests loads. */
    private static final String RUNNER = "dev.stride.core.BatchRunner";

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer paced = new PacedModelServer();
    private final List<StrideProcess> children = new ArrayList<>();
    private Simulator sim;

    @AfterEach
    void stopEverything() {
        children.forEach(StrideProcess::close);
        paced.release();
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void onlyARunThatSentRequestsKeepsTheArchiveThatLaterRunsMapFromAnyFolder() throws Exception {
        Path install = Files.createDirectories(dir.resolve("install"));
        Files.copy(StrideProcess.jar(), install.resolve("stride.jar")); // a fresh folder, as after a build
        Path archive = install.resolve("stride.jsa");
        Path kept = install.resolve("stride.jsa.kept");
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
        Path input = Datasets.questions(dir, "q.jsonl", 5);
        String relativeJar = "install/stride.jar"; // from dir, where the commands below start

        StrideProcess version = start(dir, relativeJar, "version", List.of("--version"));
        assertThat(version.waitForExit(GUARD)).as(version.transcript()).isZero();
        assertThat(version.err()).as("the pause at the exit is said").isEqualTo("stride: saving the classes this start"
                + " loaded, so that later starts are faster (after a build, until a run has sent its requests;"
                + " a few seconds)\n");
        assertThat(archive).as("where there is none, any command records one").isRegularFile();
        assertThat(kept).as("but --version does not keep it").doesNotExist();

        assertThat(launch(dir, relativeJar, "refused", runArgs(dir.resolve("missing.jsonl"), dir.resolve("a.db"))))
                .isEqualTo(2);
        assertThat(kept).as("a run refused before its first request does not keep its archive").doesNotExist();

        assertThat(launch(dir, relativeJar, "first", runArgs(input, dir.resolve("a.db")))).isZero();
        assertThat(archive).as("recorded by the run").isRegularFile();
        assertThat(kept).as("kept: the run sent its requests").isRegularFile();
        FileTime recorded = Files.getLastModifiedTime(archive);

        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path classes = dir.resolve("classes.log");
        StrideProcess second = start(elsewhere, install.resolve("stride.jar").toString(), "second",
                runArgs(input, dir.resolve("b.db")), "-Xlog:class+load=info:file=" + classes);
        assertThat(second.waitForExit(GUARD)).as(second.transcript()).isZero();
        assertThat(second.err()).as("mapping the archive, nothing to say").doesNotContain("saving the classes");
        assertThat(Files.readAllLines(classes))
                .as("the run's classes mapped from the archive, though the first run named the jar by a relative path")
                .anyMatch(line -> line.contains(RUNNER + " source: shared objects file"));
        assertThat(Files.getLastModifiedTime(archive)).as("not recorded again").isEqualTo(recorded);
        assertThat(install.resolve("stride.jsa.recording")).as("the lock of the recorder, gone since").doesNotExist();
    }

    @Test
    void aRunStartedWhileAnotherRecordsTheArchiveDoesNotRecordItToo() throws Exception {
        Path install = Files.createDirectories(dir.resolve("install"));
        Path jar = Files.copy(StrideProcess.jar(), install.resolve("stride.jar"));
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
        server.setDispatcher(paced);
        Path input = Datasets.questions(dir, "q.jsonl", 5);
        String flags = "-XX:+PrintCommandLineFlags"; // the JVM's options, on stdout as it starts

        List<String> held = new ArrayList<>(runArgs(input, dir.resolve("a.db")));
        held.set(held.indexOf(sim.url()), PacedModelServer.baseUrl(server, 0));
        StrideProcess recording = start(dir, jar.toString(), "recording", held, flags);
        recording.await("its first request, unanswered", GUARD, () -> paced.requests() >= 1);

        assertThat(launch(dir, jar.toString(), "beside", runArgs(input, dir.resolve("b.db")), flags)).isZero();
        assertThat(Files.readString(dir.resolve("beside.out"))).contains("-XX:+UseSerialGC")
                .as("the run started beside the recording one").doesNotContain("ArchiveClassesAtExit");
        assertThat(Files.readString(dir.resolve("recording.out")))
                .contains("-XX:ArchiveClassesAtExit=" + install.resolve("stride.jsa"));

        paced.release();
        assertThat(recording.waitForExit(GUARD)).as(recording.transcript()).isZero();
        assertThat(install.resolve("stride.jsa.kept")).isRegularFile();
    }

    @Test
    void aLockWhosePidNowBelongsToAnotherProcessIsTakenOver() throws Exception {
        Path install = Files.createDirectories(dir.resolve("install"));
        Path jar = Files.copy(StrideProcess.jar(), install.resolve("stride.jar"));
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
        // Left by a recorder that died, its pid since given to a live process that records nothing: this JVM.
        Files.writeString(install.resolve("stride.jsa.recording"), ProcessHandle.current().pid() + "\n");

        assertThat(launch(dir, jar.toString(), "run", runArgs(Datasets.questions(dir, "q.jsonl", 5),
                dir.resolve("a.db")))).isZero();
        assertThat(install.resolve("stride.jsa")).as("recorded").isRegularFile();
        assertThat(install.resolve("stride.jsa.kept")).isRegularFile();
    }

    /**
     * An archive written over after it was recorded (bytes at 4096, as a bad disk or a stray tool would) made every
     * run die in a SIGSEGV, an hs_err_pid*.log left in the user's folder, until the user deleted it. The launcher
     * records one newer than its mark again; and one damaged with its time put back, which it cannot tell, the JVM
     * refuses by its checksums and starts without.
     */
    @Test
    void anArchiveWrittenOverIsRecordedAgainAndOneThatLooksUntouchedIsRefused() throws Exception {
        Path install = Files.createDirectories(dir.resolve("install"));
        Path jar = Files.copy(StrideProcess.jar(), install.resolve("stride.jar"));
        Path archive = install.resolve("stride.jsa");
        Path kept = install.resolve("stride.jsa.kept");
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
        Path input = Datasets.questions(dir, "q.jsonl", 5);
        assertThat(launch(dir, jar.toString(), "record", runArgs(input, dir.resolve("a.db")))).isZero();
        assertThat(launch(dir, jar.toString(), "first-map", List.of("--version"))).isZero();
        byte[] recorded = Files.readAllBytes(archive);

        writeOver(archive);
        StrideProcess again = start(dir, jar.toString(), "written-over", runArgs(input, dir.resolve("b.db")));
        assertThat(again.waitForExit(GUARD)).as(again.transcript()).isZero();
        assertThat(again.err()).as("recorded again").contains("saving the classes");
        assertThat(kept).isRegularFile();
        assertThat(launch(dir, jar.toString(), "maps-the-new-one", List.of("--version"))).isZero();

        assertThat(archive.toFile().setWritable(true)).isTrue();
        Files.write(archive, recorded);
        writeOver(archive);
        Files.setLastModifiedTime(archive, Files.getLastModifiedTime(kept)); // as the launcher dated it
        StrideProcess refused = start(dir, jar.toString(), "untouched-look", runArgs(input, dir.resolve("c.db")));
        assertThat(refused.waitForExit(GUARD)).as(refused.transcript()).isZero();
        assertThat(refused.err()).doesNotContain("saving the classes");
        try (Stream<Path> crashes = Files.list(dir)) {
            assertThat(crashes.map(Path::getFileName).map(Path::toString)).noneMatch(n -> n.startsWith("hs_err"));
        }
    }

    /** A folder where the archive goes (or its mark, or its lock): stride runs without an archive, and says nothing. */
    @Test
    void aFolderInTheArchivesPlaceLeavesStrideToRunWithoutOne() throws Exception {
        Path install = Files.createDirectories(dir.resolve("install"));
        Path jar = Files.copy(StrideProcess.jar(), install.resolve("stride.jar"));
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
        Path input = Datasets.questions(dir, "q.jsonl", 5);
        int db = 0;
        for (String name : List.of("stride.jsa", "stride.jsa.kept", "stride.jsa.recording")) {
            Path folder = Files.createDirectories(install.resolve(name));
            for (List<String> args : List.of(runArgs(input, dir.resolve("db" + db++ + ".db")), List.of("--version"))) {
                StrideProcess p = start(dir, jar.toString(), name + "-" + db++, args);
                assertThat(p.waitForExit(GUARD)).as(p.transcript()).isZero();
                assertThat(p.err()).as(name).isEmpty();
            }
            assertThat(install.resolve("stride.jsa.recording")).as("no lock left")
                    .matches(lock -> !Files.isRegularFile(lock));
            Files.delete(folder);
        }
    }

    /**
     * One archive serves one Java: with JAVA_HOME switched to another, its starts were refused the archive quietly and
     * never recorded their own while the mark kept the other's. The mark names the Java it was kept for; an archive
     * kept for another is as none (recorded again, by any command), one kept for this Java is mapped. Fake Javas that
     * write their arguments down.
     */
    @Test
    void anArchiveKeptForAnotherJavaIsRecordedAgainAndOneKeptForThisJavaIsMapped() throws Exception {
        Path install = Files.createDirectories(dir.resolve("install"));
        Path jar = Files.copy(StrideProcess.jar(), install.resolve("stride.jar"));
        Path archive = install.resolve("stride.jsa");
        Path kept = install.resolve("stride.jsa.kept");
        Path home = fakeJavaHome("17.0.2");
        String thisJava = home.toRealPath() + " 17.0.2";

        recordedFor("/usr/lib/jvm/temurin-25-jdk-amd64 25.0.3", archive, kept, jar);
        List<String> other = javaArgs(home, jar, "kept-for-another", List.of("--version"));
        assertThat(other).as("recorded again, though --version maps an archive there is")
                .contains("-XX:ArchiveClassesAtExit=" + archive, "-Dstride.cds.kept=" + kept,
                        "-Dstride.cds.java=" + thisJava)
                .noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile"));

        recordedFor(thisJava, archive, kept, jar);
        List<String> same = javaArgs(home, jar, "kept-for-this", List.of("run", "q.jsonl", "--db", "a.db", "--model",
                "m", "--base-url", "http://127.0.0.1:9/v1"));
        assertThat(same).as("mapped").contains("-XX:SharedArchiveFile=" + archive)
                .noneMatch(arg -> arg.startsWith("-XX:ArchiveClassesAtExit"));

        // A mark that names no Java, as a build before marks named theirs wrote it (bench/cpu.sh runs older jars
        // through this launcher): trusted, not recorded at every start.
        recordedFor("", archive, kept, jar);
        assertThat(javaArgs(home, jar, "kept-by-an-older-build", List.of("--version"))).as("mapped")
                .contains("-XX:SharedArchiveFile=" + archive)
                .noneMatch(arg -> arg.startsWith("-XX:ArchiveClassesAtExit"));
    }

    /**
     * A real second Java (Java 25 where this machine has one): its first run records the archive again and marks it
     * its own; its next run maps it; a run on this Java then records its own again.
     */
    @Test
    void aRunOnAnotherJavaRecordsAnArchiveOfItsOwnThatItsNextRunMaps() throws Exception {
        Path otherJava = LauncherJavaIT.newJavaHere();
        Assumptions.assumeTrue(otherJava != null, "no Java of 24 or later in /usr/lib/jvm");
        Path install = Files.createDirectories(dir.resolve("install"));
        Path jar = Files.copy(StrideProcess.jar(), install.resolve("stride.jar"));
        Path kept = install.resolve("stride.jsa.kept");
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ZERO).build()).start(0);
        Path input = Datasets.questions(dir, "q.jsonl", 5);
        assertThat(launch(dir, jar.toString(), "this-java", runArgs(input, dir.resolve("a.db")))).isZero();
        assertThat(Files.readString(kept)).as("kept for this Java")
                .startsWith(Path.of(System.getProperty("java.home")).toRealPath() + " 17");

        StrideProcess first = start(dir, jar.toString(), "other-java", runArgs(input, dir.resolve("b.db")),
                Map.of("JAVA_HOME", otherJava.toString()));
        assertThat(first.waitForExit(GUARD)).as(first.transcript()).isZero();
        assertThat(first.err()).as("recorded for it").contains("saving the classes");
        assertThat(Files.readString(kept)).as("kept for it").startsWith(otherJava.toRealPath() + " ");

        Path classes = dir.resolve("classes.log");
        StrideProcess next = start(dir, jar.toString(), "other-java-again", runArgs(input, dir.resolve("c.db")),
                Map.of("JAVA_HOME", otherJava.toString()), "-Xlog:class+load=info:file=" + classes);
        assertThat(next.waitForExit(GUARD)).as(next.transcript()).isZero();
        assertThat(next.err()).doesNotContain("saving the classes");
        assertThat(Files.readAllLines(classes)).as("mapped by the other Java")
                .anyMatch(line -> line.contains(RUNNER + " source: shared objects file"));
    }

    /** An archive (not a real one: fake Javas map nothing) newer than the jar, and its mark naming {@code java}. */
    private static void recordedFor(String java, Path archive, Path kept, Path jar) throws Exception {
        Files.writeString(archive, "archive");
        Files.writeString(kept, java + "\n");
        FileTime later = FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000);
        Files.setLastModifiedTime(archive, later);
        Files.setLastModifiedTime(kept, later);
    }

    /** The arguments the launcher gave the fake Java at {@code home}, started with {@code args}. */
    private List<String> javaArgs(Path home, Path jar, String label, List<String> args) throws Exception {
        Files.deleteIfExists(home.resolve("args"));
        StrideProcess p = start(dir, jar.toString(), label, args, Map.of("JAVA_HOME", home.toString()));
        assertThat(p.waitForExit(GUARD)).as(p.transcript()).isZero();
        return Files.readAllLines(home.resolve("args"));
    }

    /** A Java home whose bin/java writes the arguments it was given, one a line, to {@code args} beside bin/. */
    private Path fakeJavaHome(String version) throws Exception {
        Path home = Files.createDirectories(dir.resolve("jdk-" + version).resolve("bin")).getParent();
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$(dirname \"$0\")/../args\"\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
        return home;
    }

    /** Bytes from a fixed seed over 64 KiB at offset 4096, the archive's time changed by the write. */
    private static void writeOver(Path archive) throws Exception {
        byte[] garbage = new byte[64 * 1024];
        new Random(4096).nextBytes(garbage);
        assertThat(archive.toFile().setWritable(true)).isTrue(); // the JVM writes it read-only
        try (FileChannel file = FileChannel.open(archive, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.wrap(garbage), 4096);
        }
    }

    private List<String> runArgs(Path input, Path db) {
        return List.of("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", sim.url(),
                "--template", "Q: {{question}}", "--log-every", "0");
    }

    /** Runs the launcher in {@code folder} on {@code jar} (STRIDE_JAR) and returns its exit code. */
    private int launch(Path folder, String jar, String label, List<String> args, String... javaOptions)
            throws Exception {
        StrideProcess p = start(folder, jar, label, args, javaOptions);
        int exit = p.waitForExit(GUARD);
        assertThat(exit).as(p.transcript()).isIn(0, 2);
        return exit;
    }

    /** Starts the launcher in {@code folder} on {@code jar} (STRIDE_JAR), with this JVM's java first on the PATH. */
    private StrideProcess start(Path folder, String jar, String label, List<String> args, String... javaOptions)
            throws Exception {
        return start(folder, jar, label, args, Map.of(), javaOptions);
    }

    /** As above, with {@code env} besides (JAVA_HOME). */
    private StrideProcess start(Path folder, String jar, String label, List<String> args, Map<String, String> env,
                                String... javaOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of(StrideProcess.launcher().toString()));
        command.addAll(args);
        String options = String.join(" ", List.of(javaOptions));
        Map<String, String> all = new HashMap<>(env);
        all.putAll(Map.of("PATH", StrideProcess.pathWithThisJava(), "STRIDE_JAR", jar, "STRIDE_CDS", "1",
                "JAVA_OPTS", ("-Xmx256m " + options).strip()));
        StrideProcess p = StrideProcess.startCommand(folder, label, command, all);
        children.add(p);
        return p;
    }
}
