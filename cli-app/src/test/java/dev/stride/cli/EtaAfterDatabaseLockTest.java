package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose SQLite file another connection holds locked for a while (a sqlite3 shell after BEGIN IMMEDIATE): once
 * the lock is gone, the ETA is at the pace the run goes at, not at one that counts the time it waited for the lock.
 */
class EtaAfterDatabaseLockTest {
    private static final Pattern LINE = Pattern.compile("m: (\\d+)/\\d+ done .*, ETA (\\d+m)?([\\d.]+)s");

    @TempDir
    Path dir;

    @Test
    void theEtaAfterALockIsNoLongerThanBeforeIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 1000);
        Path db = dir.resolve("runs.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(50)).build())
                .start(0)) {
            CompletableFuture<Void> lock = CompletableFuture.runAsync(() -> holdLocked(db, 300, Duration.ofSeconds(4)));
            Cli.Result r = new Cli(Map.of("LANG", "en_US.UTF-8")).run("run", input.toString(), "--db",
                    db.toString(), "--model", "m", "--base-url", sim.url(), "--template", "{{question}}",
                    "--concurrency", "4", "--log-every", "1s");
            lock.join();
            assertThat(r.exitCode()).as(r.err()).isZero();

            // The lines with an ETA, as (done, ETA in seconds); while the file is locked the count stands still.
            List<double[]> lines = new ArrayList<>();
            Matcher m = LINE.matcher(r.out());
            while (m.find()) {
                double minutes = m.group(2) == null ? 0 : Double.parseDouble(m.group(2).replace("m", ""));
                lines.add(new double[] {Double.parseDouble(m.group(1)), minutes * 60 + Double.parseDouble(m.group(3))});
            }
            int stalled = -1;
            for (int i = 1; i < lines.size() && stalled < 0; i++) {
                if (lines.get(i)[0] == lines.get(i - 1)[0]) {
                    stalled = i - 1;
                }
            }
            assertThat(stalled).as("a line before the lock and two during it:\n" + r.out()).isPositive();
            int after = stalled + 1;
            while (after < lines.size() && lines.get(after)[0] == lines.get(stalled)[0]) {
                after++;
            }
            assertThat(after).as("a line after the lock:\n" + r.out()).isLessThan(lines.size());
            // Before the lock the ETA is that of the run's pace; once the lock is gone the pace is the same, fewer
            // records are left, and the ETA is shorter. Counting the 4 s waited, it was twice as long or more.
            assertThat(lines.get(after)[1]).as(r.out()).isLessThan(lines.get(stalled)[1] * 1.5);
        }
    }

    /** Once {@code stored} answers are in {@code db}, holds its write lock for {@code held}, as a shell would. */
    private static void holdLocked(Path db, int stored, Duration held) {
        try {
            while (!Files.exists(db) || count(db) < stored) {
                Thread.sleep(50);
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = c.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                Thread.sleep(held.toMillis());
                st.execute("COMMIT");
            }
        } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(Path db) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return 0; // not made yet
        }
    }
}
