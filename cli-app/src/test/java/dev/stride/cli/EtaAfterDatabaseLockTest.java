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
    private static final Pattern LINE = Pattern.compile("m: ([\\d,]+)/[\\d,]+ done .*, ETA (\\d+m)?([\\d.]+)s");

    @TempDir
    Path dir;

    @Test
    void theEtaAfterALockIsNoLongerThanBeforeIt() throws Exception {
        Path input = questions(dir, "q.jsonl", 1000);
        Path db = dir.resolve("runs.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(50)).build())
                .start(0)) {
            CompletableFuture<Long> lock = CompletableFuture.supplyAsync(
                    () -> holdLocked(db, 500, Duration.ofSeconds(4)));
            Cli.Result r = new Cli(Map.of("LANG", "en_US.UTF-8")).run("run", input.toString(), "--db",
                    db.toString(), "--model", "m", "--base-url", sim.url(), "--template", "{{question}}",
                    "--concurrency", "4", "--log-every", "1s");
            long lockedAt = lock.join();
            assertThat(r.exitCode()).as(r.err()).isZero();

            // The lines with an ETA, as (done, ETA in seconds). The answers stored when the lock was taken tell
            // which lines came before it and which after it ended, whatever the machine's pace before it.
            List<double[]> lines = new ArrayList<>();
            Matcher m = LINE.matcher(r.out());
            while (m.find()) {
                double minutes = m.group(2) == null ? 0 : Double.parseDouble(m.group(2).replace("m", ""));
                lines.add(new double[] {Double.parseDouble(m.group(1).replace(",", "")), minutes * 60 + Double.parseDouble(m.group(3))});
            }
            int stalled = -1;
            int after = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i)[0] < lockedAt) {
                    stalled = i;
                } else if (lines.get(i)[0] > lockedAt && after < 0) {
                    after = i;
                }
            }
            assertThat(stalled).as("a line before the lock (" + lockedAt + " stored):\n" + r.out()).isNotNegative();
            assertThat(after).as("a line after the lock:\n" + r.out()).isPositive();
            assertThat(lines.get(after)[1]).as(r.out()).isLessThan(lines.get(stalled)[1] * 1.5);
        }
    }

    /**
     * Once {@code stored} answers are in {@code db}, holds its write lock for {@code held}, as a shell would; returns
     * the answers stored under the lock, which no one can add to while it is held.
     */
    private static long holdLocked(Path db, int stored, Duration held) {
        try {
            while (!Files.exists(db) || count(db) < stored) {
                Thread.sleep(50);
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = c.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                long lockedAt;
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions")) {
                    rs.next();
                    lockedAt = rs.getLong(1);
                }
                Thread.sleep(held.toMillis());
                st.execute("COMMIT");
                return lockedAt;
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
