package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride run} in a process that may open 100 files ({@code ulimit -n 100}, as a small container's nofile): a
 * connection per request in flight cannot be had at {@code --concurrency 200}, whose connects would fail with "Too many
 * open files" and fail records against a server with nothing wrong with it. Refused before a request or a row, in one
 * line with the ways out; a concurrency that fits then runs whole.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OpenFileLimitIT {
    private static final int RECORDS = 300;
    /** Runs the JVM it is given with a limit of 100 open files (soft and hard: the JVM cannot raise it). */
    private static final List<String> ULIMIT_100 = List.of("sh", "-c", "ulimit -n 100 && exec \"$@\"", "sh");

    @TempDir
    Path dir;

    @Test
    void tooManyInFlightForTheFileLimitIsRefusedBeforeAnythingIsSentOrStoredAndWhatFitsRunsWhole() throws Exception {
        Path input = dir.resolve("q.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= RECORDS; i++) {
            lines.add("{\"id\": \"q" + i + "\", \"question\": \"question " + i + "\"}");
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path db = dir.resolve("runs.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            StrideProcess refused = StrideProcess.startUnder(dir, "refused", ULIMIT_100, run(input, db, sim, "200"));
            assertThat(refused.waitForExit(Duration.ofSeconds(120))).as(refused.transcript())
                    .isEqualTo(ExitCodes.USAGE);
            assertThat(refused.err().strip()).as(refused.transcript())
                    .startsWith("stride: --concurrency 200 needs about ")
                    .contains("this process may open 100 (ulimit -n)", "or use --concurrency ")
                    .doesNotContain("\n");
            assertThat(sim.stats().requests()).as("requests sent").isZero();
            assertThat(Files.exists(db) ? runs(db) : 0).as("runs stored").isZero();

            StrideProcess fits = StrideProcess.startUnder(dir, "fits", ULIMIT_100, run(input, db, sim, "16"));
            assertThat(fits.waitForExit(Duration.ofSeconds(240))).as(fits.transcript()).isZero();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions WHERE status = 'done'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(RECORDS);
            }
        }
    }

    private static List<String> run(Path input, Path db, Simulator sim, String concurrency) {
        return List.of("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url", sim.url(),
                "--template", "Q: {{question}}", "--concurrency", concurrency, "--log-every", "0");
    }

    private static long runs(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'runs'")) {
            rs.next();
            if (rs.getLong(1) == 0) {
                return 0;
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM runs")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
