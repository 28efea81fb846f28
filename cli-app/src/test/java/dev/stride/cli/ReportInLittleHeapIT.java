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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stride report} of a run of 320 records of 200 KB, most of them failed, in the real process with a 32 MB heap: the
 * report lists each failed record with its input and prompt cut, and writes itself to the file as it goes. It listed
 * them whole before (a page of about 80 MB, built as one string), which ran out of a heap eight times this one.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReportInLittleHeapIT {
    private static final int RECORDS = 320;

    @TempDir
    Path dir;

    @Test
    void aRunOfFailedRecordsOfTwoHundredKilobytesIsReportedInAThirtyTwoMegabyteHeap() throws Exception {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < RECORDS; i++) {
            s.append("{\"id\":\"r").append(i).append("\",\"question\":\"").append(("word" + i + " ").repeat(25_000))
                    .append("\"}\n");
        }
        Path input = Files.writeString(dir.resolve("big.jsonl"), s, StandardCharsets.UTF_8);
        Path db = dir.resolve("big.db");
        // Seeded: the first answers come early, as a run that fails every request stops itself before 200 failed
        try (Simulator sim = new Simulator(SimulatorSettings.builder().serverError(0.7).seed(42).build()).start(0)) {
            Cli.Result r = new Cli().run("run", input.toString(), "--db", db.toString(), "--model", "m",
                    "--base-url", sim.url(), "--template", "{{question}}", "--retries", "0", "--log-every", "0",
                    "--quiet");
            assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        }
        long failed;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT failed FROM progress")) {
            assertThat(rs.next()).isTrue();
            failed = rs.getLong(1);
        }
        assertThat(failed).as("failed records").isGreaterThan(200);

        Path report = dir.resolve("report.html");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", StrideProcess.jar().toString(),
                "report", "--db", db.toString(), "-o", report.toString());
        try (StrideProcess p = StrideProcess.startCommand(dir, "report", command, Map.of())) {
            assertThat(p.waitForExit(Duration.ofMinutes(4))).as(p.transcript()).isZero();
        }
        String html = Files.readString(report, StandardCharsets.UTF_8);
        assertThat(html).endsWith("</html>\n");
        // The first 200 failed records, each input and prompt cut to 2,000 characters with its length said
        assertThat(html.split("characters in all\\)", -1)).hasSize(2 * 200 + 1);
        assertThat(Files.size(report)).isLessThan(2_000_000);
    }
}
