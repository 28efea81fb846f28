package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose process was stopped for a while (a laptop's lid closed: SIGSTOP, then SIGCONT) goes on by itself, asks
 * nothing twice, and its ETA after the stop is at the pace it answers at, not at the stop's: a minute's stop showed
 * "ETA 7h54m" where the run had a minute left.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PausedProcessIT {
    private static final Pattern ETA = Pattern.compile("([\\d,]+)/([\\d,]+) done .*, ETA (?:(\\d+)h)?(?:(\\d+)m)?(?:([\\d.]+)s)?");

    @TempDir
    Path dir;

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().delay(20, 40);
    private StrideProcess run;

    @BeforeEach
    void serve() {
        server.setDispatcher(model);
    }

    @AfterEach
    void kill() {
        if (run != null) {
            run.close();
        }
        model.release();
    }

    @Test
    void afterAStopTheRunGoesOnAndItsEtaLeavesTheStopOut() throws Exception {
        int total = 1500;
        Path input = questions(dir, "q.jsonl", total);
        Path db = dir.resolve("runs.db");
        run = StrideProcess.start(dir, "paused", List.of("run", input.toString(), "--db", db.toString(), "--model",
                "m", "--base-url", PacedModelServer.baseUrl(server, 0), "--template", "Q: {{question}}",
                "--concurrency", "4", "--log-every", "1s"));
        run.await("300 answers", Duration.ofSeconds(300), () -> model.answeredCount(0) >= 300);
        long sessionMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - run.startNanos);
        run.signal("STOP");
        String before;
        try {
            // Nothing is written while it is stopped: what it printed so far is all from before the stop.
            before = run.out();
            // As long as the session so far, however slow the machine: counted in, the stop would hold the start of
            // the ETA's window (the last half of the session, half a minute at most) for a while after it, and the
            // pace shown then would be a fraction of the real one (a stop of 25 s showed a sixth of it). At least 8 s,
            // four times what the run takes for a pause.
            Thread.sleep(Math.max(8_000, sessionMs));
        } finally {
            run.signal("CONT");
        }
        assertThat(run.waitForExit(Duration.ofSeconds(300))).as(run.transcript()).isZero();
        String after = run.out().substring(before.length());

        List<Double> etasBefore = etas(before, total);
        assertThat(etasBefore).as(before).isNotEmpty();
        double last = etasBefore.get(etasBefore.size() - 1);
        List<Double> etasAfter = etas(after, total);
        assertThat(etasAfter).as(after).isNotEmpty();
        // Fewer records are left after the stop and the server answers as fast: twice the ETA before it is generous.
        assertThat(etasAfter).as(run.transcript()).allSatisfy(eta -> assertThat(eta).isLessThan(2 * last + 2));

        assertThat(query(db, "SELECT state, done, failed FROM progress")).containsExactly(
                Map.of("state", "done", "done", total, "failed", 0));
        assertThat(model.promptsOf(0)).as("nothing asked twice").doesNotHaveDuplicates();
    }

    /** The ETAs of the progress lines in {@code out}, in seconds, but for the last record's. */
    private static List<Double> etas(String out, int total) {
        List<Double> etas = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = ETA.matcher(line);
            if (m.find() && Integer.parseInt(m.group(1).replace(",", "")) < total) {
                etas.add(part(m.group(3)) * 3600 + part(m.group(4)) * 60 + part(m.group(5)));
            }
        }
        return etas;
    }

    private static double part(String digits) {
        return digits == null ? 0 : Double.parseDouble(digits);
    }
}
