package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping stride from a script, as the README tells it. A non-interactive shell starts a background job ({@code
 * stride run ... &}) with SIGINT ignored, and a JVM that starts with a signal ignored cannot catch it: SIGINT does
 * nothing there. SIGTERM, which the README tells scripts to send, saves and exits 130. The {@code ./stride}
 * launcher execs the JVM, so the pid a script holds is stride's own and the signal reaches it.
 *
 * <p>No wall-clock bound: the server answers only as many requests as the test lets through, so no run can end
 * before its signal, and whether a run went on after a signal is told by the answers it was given since.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ScriptSignalsIT {
    private static final String RUN = "m";
    private static final int TOTAL = 300;
    private static final Duration GUARD = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().stepping();
    private final List<StrideProcess> children = new ArrayList<>();

    @BeforeEach
    void serve() {
        server.setDispatcher(model);
    }

    @AfterEach
    void killChildren() {
        children.forEach(StrideProcess::close);
        model.release();
    }

    private List<String> runArgs(Path input, Path db, int session) {
        return List.of("run", input.toString(), "--db", db.toString(), "--model", RUN, "--base-url",
                PacedModelServer.baseUrl(server, session), "--template", "Q: {{question}}", "--log-every", "0",
                "--concurrency", "4", "--grace", "10m");
    }

    @Test
    void inABackgroundJobOfAScriptSigintIsIgnoredAndSigtermSavesAndExits130() throws Exception {
        Path input = questions(dir, "q.jsonl", TOTAL);
        Path db = dir.resolve("runs.db");
        Path pidFile = dir.resolve("stride.pid");
        // sh -c 'stride run ... & echo $! > stride.pid; wait $!': no job control, as in any script. The shell's own
        // exit status is stride's (wait $!). SIGTERM is put back to its default first in case this JVM ignores it.
        List<String> command = new ArrayList<>(StrideProcess.signalRestorer());
        command.addAll(List.of("sh", "-c", "\"$@\" & echo $! > " + pidFile + "; wait $!", "sh"));
        command.addAll(StrideProcess.javaCommand(runArgs(input, db, 0)));
        StrideProcess script = StrideProcess.startCommand(dir, "script", command, Map.of());
        children.add(script);
        letThrough(20);
        script.await("the first answers", GUARD, () -> model.answeredCount(0) >= 20);
        long stride = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(ProcessHandle.of(stride).flatMap(h -> h.info().command()).orElseThrow()).endsWith("java");
        assertThat(StrideProcess.ignoredSignals(stride) & (1L << (2 - 1))).as("SIGINT ignored in the background job")
                .isNotZero();

        StrideProcess.kill("INT", stride);
        // A run that had taken the SIGINT would send nothing new: with 4 requests in flight it would never reach
        // 60 answers. This one goes on asking.
        letThrough(40);
        script.await("40 answers after the SIGINT", GUARD, () -> model.answeredCount(0) >= 60);
        assertThat(script.err()).doesNotContain("Stopping");

        StrideProcess.kill("TERM", stride);
        script.await("the graceful stop", GUARD, () -> script.err().contains("Stopping:"));
        model.release();
        int exit = script.waitForExit(GUARD);

        assertThat(exit).as(script.transcript()).isEqualTo(130);
        assertThat(script.out()).contains("Interrupted: '" + RUN + "' saved at")
                .as("every request sent was answered and saved").containsPattern(", 0 redundant\\R");
        assertStoppedAndResumed(input, db, model.answeredOf(0));
    }

    @Test
    void theLauncherExecsTheJvmSoItsPidTakesTheSignal() throws Exception {
        Path launcher = StrideProcess.launcher();
        assertThat(launcher).as("the launcher beside the modules").isExecutable();
        Path input = questions(dir, "q.jsonl", TOTAL);
        Path db = dir.resolve("runs.db");
        List<String> command = new ArrayList<>(StrideProcess.signalRestorer());
        command.add(launcher.toString());
        command.addAll(runArgs(input, db, 0));
        // The launcher runs the java on the PATH: this JVM's own, with the options of the other ITs and no class-data
        // archive written beside the jar.
        String path = StrideProcess.pathWithThisJava();
        StrideProcess run = StrideProcess.startCommand(dir, "launcher", command, Map.of("PATH", path,
                "JAVA_OPTS", StrideProcess.jvmOptions(), "STRIDE_CDS", "0"));
        children.add(run);
        letThrough(20);
        run.await("the first answers", GUARD, () -> model.answeredCount(0) >= 20);
        assertThat(ProcessHandle.of(run.pid()).flatMap(h -> h.info().command()).orElseThrow())
                .as("the launcher's pid is the JVM's (exec)").endsWith("java");

        stopWithSigtermAndResume(run, input, db);
    }

    @Test
    void underTimeoutTheSigtermThatComesTwiceIsOneGracefulStop() throws Exception {
        Path input = questions(dir, "q.jsonl", TOTAL);
        Path db = dir.resolve("runs.db");
        // timeout(1) passes a SIGTERM it is sent (or its own, when the time is up) to stride, then to its process
        // group, stride again: two SIGTERMs at once. Mostly the kernel makes them one; when the first was taken
        // before the second came (a busy machine), they must still be one stop, not a stop and a quit
        // (StopSignalsTest).
        StrideProcess run = StrideProcess.startUnder(dir, "timeout", List.of("timeout", "1h"), runArgs(input, db, 0));
        children.add(run);
        letThrough(20);
        run.await("the first answers", GUARD, () -> model.answeredCount(0) >= 20);
        assertThat(ProcessHandle.of(run.pid()).flatMap(h -> h.info().command()).orElseThrow())
                .as("the pid held is timeout's").endsWith("timeout");

        stopWithSigtermAndResume(run, input, db);
    }

    /**
     * SIGTERM while stride starts, before the command listens for it: the JVM's own handling ended it with 143 and not
     * a word, which a script that reruns on 130 took for a failure. The start is held at its --config file, a FIFO
     * nobody has written: the test's open of the writing end returns once stride has opened the reading end, past
     * Main's first line and before the run listens. No timing: whenever the open returns, the stop lands there.
     */
    @Test
    void sigtermWhileStrideStartsExits130WithALine() throws Exception {
        Path config = dir.resolve("stride.yaml");
        Process mkfifo = new ProcessBuilder("mkfifo", config.toString()).redirectErrorStream(true).start();
        assertThat(mkfifo.waitFor()).as(new String(mkfifo.getInputStream().readAllBytes())).isZero();
        Path db = dir.resolve("runs.db");
        StrideProcess run = StrideProcess.start(dir, "starting", List.of("run", "--config", config.toString(),
                "--db", db.toString()));
        children.add(run);
        // Opening a FIFO to write waits for its reader; a thread of the common pool, so that a child that ends first
        // fails the await below rather than hanging the test.
        CompletableFuture<OutputStream> opened = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.newOutputStream(config);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        run.await("stride reading its --config", GUARD, opened::isDone);
        try (OutputStream nothingWritten = opened.get()) {
            run.signal("TERM");
            int exit = run.waitForExit(GUARD);

            assertThat(exit).as(run.transcript()).isEqualTo(130);
        }
        assertThat(run.err()).as(run.transcript()).isEqualTo("stride: stopped while starting: nothing was started or"
                + " saved; the same command starts it\n");
        assertThat(run.out()).isEmpty();
        assertThat(db).doesNotExist();
    }

    /**
     * SIGTERM to {@code run}'s pid: one graceful stop (never a halt), exit 130, every request sent answered and saved,
     * then the rerun of {@link #assertStoppedAndResumed}.
     */
    private void stopWithSigtermAndResume(StrideProcess run, Path input, Path db) throws Exception {
        run.signal("TERM");
        run.await("the graceful stop", GUARD, () -> run.err().contains("Stopping:"));
        model.release();
        int exit = run.waitForExit(GUARD);

        assertThat(exit).as(run.transcript()).isEqualTo(130);
        assertThat(run.err()).as(run.transcript()).doesNotContain("stopped at once");
        assertThat(run.out()).contains("Interrupted: '" + RUN + "' saved at").containsPattern(", 0 redundant\\R");
        assertStoppedAndResumed(input, db, model.answeredOf(0));
    }

    /** Lets {@code n} more answers go; the requests beyond wait for the next ones (or the release at the stop). */
    private void letThrough(int n) {
        for (int i = 0; i < n; i++) {
            model.releaseOne();
        }
    }

    /**
     * The stopped run as the database and {@code status --json} show it, then a rerun that asks exactly for the
     * records not yet answered.
     */
    private void assertStoppedAndResumed(Path input, Path db, List<String> answered) throws Exception {
        long done = count(db, "SELECT count(*) FROM results WHERE status = 'done'");
        Set<String> stored = query(db, "SELECT id FROM results WHERE status = 'done'").stream()
                .map(row -> "Q: question " + ((String) row.get("id")).substring(1)).collect(Collectors.toSet());
        assertThat(stored).containsExactlyInAnyOrderElementsOf(answered);
        assertThat(done).isBetween(1L, TOTAL - 1L);
        Cli.Result status = new Cli().run("status", "--db", db.toString(), "--json");
        JsonNode shown = JSON.readTree(status.out()).get(0);
        assertThat(List.of(shown.get("state").asText(), shown.get("done").asLong(), shown.get("failed").asLong(),
                shown.get("pending").asLong())).as(status.all()).containsExactly("interrupted", done, 0L, TOTAL - done);
        assertThat(StrideProcess.walSize(db)).isLessThanOrEqualTo(0);

        StrideProcess rerun = StrideProcess.start(dir, "rerun", runArgs(input, db, 1));
        children.add(rerun);
        assertThat(rerun.waitForExit(GUARD)).as(rerun.transcript()).isZero();
        assertThat(rerun.out()).contains("Resuming '" + RUN + "' from checkpoint: " + done + "/" + TOTAL + " done");
        assertThat(model.promptsOf(1)).doesNotHaveDuplicates().hasSize((int) (TOTAL - done))
                .doesNotContainAnyElementsOf(stored);
        assertThat(query(db, "SELECT state, done FROM progress")).containsExactly(
                Map.of("state", "done", "done", TOTAL));
    }
}
