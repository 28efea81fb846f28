package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * stride as a user starts it, through the {@code ./stride} launcher with the launcher's own JVM options: the options
 * are valid (the JVM starts), a collector named in JAVA_OPTS wins over the launcher's, and a run keeps 1,024 requests
 * in flight against a slow server within the resident memory issue 15 allows (512 MB). Nothing here measures time.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ManyInFlightIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Only a guard against a hung test: every wait below is for a condition, never for a time. */
    private static final Duration GUARD = Duration.ofMinutes(5);
    private static final int IN_FLIGHT = 1024;
    private static final long MAX_RESIDENT_KB = 512 * 1024;

    @TempDir
    Path dir;

    private final List<StrideProcess> children = new ArrayList<>();
    private Simulator sim;

    @AfterEach
    void stopEverything() {
        children.forEach(StrideProcess::close);
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void theLaunchersJvmOptionsAreValid() throws Exception {
        StrideProcess version = launch("version", Map.of(), List.of("--version"));

        assertThat(version.waitForExit(GUARD)).as(version.transcript()).isZero();
        assertThat(version.out()).startsWith("stride ");
        assertThat(version.err()).as("no JVM warning").isEmpty();
    }

    @Test
    void aCollectorChosenInJavaOptsWinsOverTheLaunchersWithoutAConflict() throws Exception {
        StrideProcess version = launch("g1", Map.of("JAVA_OPTS", "-XX:+UseG1GC -Xmx64m"), List.of("--version"));

        assertThat(version.waitForExit(GUARD)).as(version.transcript()).isZero();
        assertThat(version.out()).startsWith("stride ");
    }

    @Test
    void aRunKeepsAThousandRequestsInFlightWithinHalfAGigabyteResident() throws Exception {
        // 30 s per answer: the dispatcher has time to fill every slot before the first answer comes back, even on a
        // loaded machine (filling 1,024 took 3 s at a load average of 13 on 2 cores; 10 s, as this was, left only
        // three times that), so the peak the simulator sees is the run's whole concurrency; the records beyond it
        // are sent as slots come free.
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofSeconds(30)).build()).start(0);
        int records = IN_FLIGHT + IN_FLIGHT / 2;
        Path input = questions(dir, "q.jsonl", records);
        Path db = dir.resolve("runs.db");
        StrideProcess run = launch("run", Map.of(), List.of("run", input.toString(), "--db", db.toString(), "--model",
                "m", "--base-url", sim.url(), "--template", "Q: {{question}}", "--concurrency",
                Integer.toString(IN_FLIGHT), "--log-every", "1s"));

        long peakKb = peakResidentKb(run);

        assertThat(run.waitForExit(GUARD)).as(run.transcript()).isZero();
        assertThat(sim.stats().requests()).isEqualTo(records);
        assertThat(sim.stats().peakInFlight()).as("requests the simulator served at once").isEqualTo(IN_FLIGHT);
        JsonNode status = status(db);
        assertThat(status.get("done").asLong()).isEqualTo(records);
        assertThat(status.get("failed").asLong()).isZero();
        assertThat(peakKb).as("peak resident memory (VmHWM) of the stride JVM, kB").isPositive()
                .isLessThanOrEqualTo(MAX_RESIDENT_KB);
    }

    /**
     * The launcher beside the modules, run with this JVM's java first on the PATH, with {@code env} and without the
     * class-data archive (which it would write beside the jar that other ITs run at the same time).
     */
    private StrideProcess launch(String label, Map<String, String> env, List<String> args) throws IOException {
        Path launcher = StrideProcess.launcher();
        assertThat(launcher).as("the launcher beside the modules").isExecutable();
        List<String> command = new ArrayList<>(StrideProcess.signalRestorer());
        command.add(launcher.toString());
        command.addAll(args);
        Map<String, String> all = new HashMap<>(env);
        all.put("PATH", StrideProcess.pathWithThisJava());
        all.put("STRIDE_CDS", "0");
        all.putIfAbsent("JAVA_OPTS", "");
        StrideProcess p = StrideProcess.startCommand(dir, label, command, all);
        children.add(p);
        return p;
    }

    /**
     * The child's VmHWM (its peak resident set, kept by the kernel) read until it exits; the launcher execs the JVM,
     * so the pid is the JVM's. Reads stop at the exit, so this is the peak up to the last read: at most a few
     * milliseconds of the process's life are not seen.
     */
    private static long peakResidentKb(StrideProcess p) throws InterruptedException {
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        long peak = 0;
        long deadline = System.nanoTime() + GUARD.toNanos();
        while (p.process.isAlive() && System.nanoTime() < deadline) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                        peak = Math.max(peak, Long.parseLong(line.replaceAll("[^0-9]", "")));
                    }
                }
            } catch (IOException | RuntimeException gone) {
                // the process ended between isAlive and the read
            }
            Thread.sleep(20);
        }
        return peak;
    }

    private JsonNode status(Path db) throws Exception {
        StrideProcess p = StrideProcess.start(dir, "status", List.of("status", "--db", db.toString(), "--json"));
        children.add(p);
        assertThat(p.waitForExit(GUARD)).as(p.transcript()).isZero();
        return JSON.readTree(p.out()).get(0);
    }
}
