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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
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
                + " loaded, so that later starts are faster (once after a build; a few seconds)\n");
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
        List<String> command = new ArrayList<>(List.of(StrideProcess.launcher().toString()));
        command.addAll(args);
        String options = String.join(" ", List.of(javaOptions));
        StrideProcess p = StrideProcess.startCommand(folder, label, command, Map.of("PATH",
                StrideProcess.pathWithThisJava(), "STRIDE_JAR", jar, "STRIDE_CDS", "1",
                "JAVA_OPTS", ("-Xmx256m " + options).strip()));
        children.add(p);
        return p;
    }
}
