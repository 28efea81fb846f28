package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A PostgreSQL server that goes away during a run and stays away, with real processes, a throwaway cluster of its own
 * per test (each test stops it) and the project's simulator: the run ends with one line naming the server once the
 * wait for it is over, and a stop (SIGTERM) while it is away keeps to the grace instead of waiting for the server and
 * exits 130 as any stop does. While it is away the progress lines say so, and say when it is back.
 * What was saved stays, and the same command run again once the server is back finishes the run without duplicates.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PostgresAwayIT {
    private static final int RECORDS = 1000;
    /** A run that only has to outlast the server's few seconds away: it cannot end while its answers wait for it. */
    private static final int OUTAGE_RECORDS = 300;
    /** Requests in flight while the server goes away: few, so that the run is far from over when it does. */
    private static final int CONCURRENCY = 4;
    /** The run finished once the server is back: nothing there is about the outage, so no need to be slow. */
    private static final int FINISHING_CONCURRENCY = 32;

    @TempDir
    Path dir;

    @RegisterExtension
    final PostgresServer postgres = PostgresServer.perTest();
    private Simulator sim;
    private final List<StrideProcess> children = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        // Slow enough answers that the run is far from over when the server goes away.
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(100)).build()).start(0);
    }

    @AfterEach
    void stop() {
        children.forEach(StrideProcess::close);
        if (sim != null) {
            sim.close();
        }
    }

    /** stride with the wait for a lost server set by its system property (seconds), or left at its default. */
    private StrideProcess stride(String label, Integer reconnectSeconds, List<String> args) throws Exception {
        List<String> java = StrideProcess.javaCommand(args);
        if (reconnectSeconds != null) {
            java.add(1, "-D" + PostgresCheckpointStore.RECONNECT_PROPERTY + "=" + reconnectSeconds);
        }
        List<String> command = new ArrayList<>(StrideProcess.signalRestorer());
        command.addAll(java);
        StrideProcess p = StrideProcess.startCommand(dir, label, command, Map.of());
        children.add(p);
        return p;
    }

    private List<String> runArgs(Path input, String db, String... more) {
        return runArgs(input, db, CONCURRENCY, more);
    }

    private List<String> runArgs(Path input, String db, int concurrency, String... more) {
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db, "--run", "r", "--model",
                "m", "--base-url", sim.url(), "--template", "Q: {{question}}", "--concurrency",
                Integer.toString(concurrency), "--save-interval", "10"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void aServerAwayLongerThanTheWaitEndsTheRunWithOneLineNamingIt() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", RECORDS);
        String pg = postgres.url();
        StrideProcess run = stride("run", 3, runArgs(input, pg));
        run.await("some answers stored", Duration.ofMinutes(3), () -> done(pg) >= 20);
        postgres.cluster().stop();

        assertThat(run.waitForExit(Duration.ofMinutes(3))).as(run.transcript()).isEqualTo(ExitCodes.DATABASE);
        String hostPort = "127.0.0.1:" + postgres.cluster().port();
        List<String> said = run.err().lines().filter(l -> l.contains(hostPort)).toList();
        assertThat(said).as(run.transcript()).hasSize(1);
        assertThat(said.get(0)).contains("run 'r' failed")
                .contains("lost the PostgreSQL server at " + hostPort + " and it did not come back within 3 s");
        assertThat(run.err()).doesNotContain("\tat ");

        finishedAgainOnceBack(input, pg);
    }

    @Test
    void aStopWhileTheServerIsAwayKeepsToTheGraceAndSaysWhatWasNotSaved() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", RECORDS);
        String pg = postgres.url();
        // The default wait (two minutes): the stop, not the wait's end, must end the run.
        StrideProcess run = stride("run", null, runArgs(input, pg, "--grace", "1s"));
        run.await("some answers stored", Duration.ofMinutes(3), () -> done(pg) >= 20);
        postgres.cluster().stop();
        // The server away for a moment (the tester's 2 s), answers waiting for it in the worker.
        Thread.sleep(2000);
        run.signal("TERM");

        // No bound on how soon (a loaded machine may be slow): the line below tells a stop that cut the wait ("stopped
        // without waiting longer") from a wait that ran its two minutes out ("did not come back within 120 s").
        // A user's stop exits as every stop does (130), the database away or not; its line says what was lost.
        assertThat(run.waitForExit(Duration.ofMinutes(5))).as(run.transcript()).isEqualTo(ExitCodes.INTERRUPTED);
        String hostPort = "127.0.0.1:" + postgres.cluster().port();
        List<String> said = run.err().lines().filter(l -> l.contains(hostPort)).toList();
        assertThat(said).as(run.transcript()).hasSize(1);
        assertThat(said.get(0)).startsWith("stride: run 'r' interrupted: ")
                .contains("stopped without waiting longer for the PostgreSQL server at " + hostPort)
                .contains("answers not saved are asked again next time")
                .containsPattern("; \\d+ answers? received could not be saved \\([\\d,]+/"
                        + Numbers.grouped(RECORDS) + " done and saved\\)$");
        assertThat(run.err()).doesNotContain("\tat ");

        finishedAgainOnceBack(input, pg);
    }

    @Test
    void whileTheServerIsAwayTheProgressLineSaysSoAndThenThatItIsBack() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", OUTAGE_RECORDS);
        String pg = postgres.url();
        // The default wait (two minutes), which the server's few seconds away stay well within.
        StrideProcess run = stride("run", null, runArgs(input, pg, "--log-every", "1s"));
        run.await("some answers stored", Duration.ofMinutes(3), () -> done(pg) >= 20);
        postgres.cluster().stop();
        String hostPort = "127.0.0.1:" + postgres.cluster().port();
        String away = "database at " + hostPort + " unreachable for ";
        run.await("a progress line saying the database is away", Duration.ofMinutes(3),
                () -> run.out().contains(away));
        postgres.cluster().startAgain();
        run.await("a progress line saying the database is back", Duration.ofMinutes(3),
                () -> run.out().contains("the database at " + hostPort + " answers again after "));

        assertThat(run.waitForExit(Duration.ofMinutes(5))).as(run.transcript()).isEqualTo(ExitCodes.OK);
        List<String> awayLines = run.out().lines().filter(l -> l.contains(away)).toList();
        assertThat(awayLines.get(0)).as(run.transcript())
                .matches("r: \\d+/" + OUTAGE_RECORDS + " done \\(\\d+\\.\\d%\\), " + Pattern.quote(away)
                        + "\\d+\\.\\ds, waiting up to 2m00s for it: .+");
        assertThat(run.out()).as(run.transcript())
                .containsPattern("r: the database at " + Pattern.quote(hostPort)
                        + " answers again after \\d+\\.\\ds unreachable; going on");
        // Once back, back: a connection the restart broke, found so later, is no new outage to report.
        List<String> out = run.out().lines().toList();
        List<String> backLines = out.stream().filter(l -> l.contains(" answers again after ")).toList();
        assertThat(backLines).as(run.transcript()).hasSize(1);
        assertThat(out.subList(out.indexOf(backLines.get(0)), out.size())).as(run.transcript())
                .noneMatch(l -> l.contains(away));
        assertThat(done(pg)).isEqualTo(OUTAGE_RECORDS);
    }

    /** The server back: the same command finishes the run, every record done once, nothing saved lost. */
    private void finishedAgainOnceBack(Path input, String pg) throws Exception {
        postgres.cluster().startAgain();
        long saved = done(pg);
        assertThat(saved).as("answers saved before the server went away").isGreaterThanOrEqualTo(20);
        StrideProcess again = stride("again", null, runArgs(input, pg, FINISHING_CONCURRENCY));
        assertThat(again.waitForExit(Duration.ofMinutes(5))).as(again.transcript()).isEqualTo(ExitCodes.OK);
        assertThat(done(pg)).isEqualTo(RECORDS);
        try (Connection c = PostgresCluster.connect(pg);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(DISTINCT record_id), count(*) FROM predictions")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(RECORDS);
            assertThat(rs.getLong(2)).isEqualTo(RECORDS);
        }
    }

    private static long done(String url) {
        try (Connection c = PostgresCluster.connect(url);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions WHERE status = 'done'")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0; // no schema yet, or the server is away
        }
    }
}
