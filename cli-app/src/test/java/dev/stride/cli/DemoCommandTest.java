package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final Cli cli = new Cli();

    private Cli.Result demo(Path db) {
        return cli.run("demo", "--db", db.toString(), "--sim-latency", "2ms", "--sim-jitter", "1ms",
                "--sim-tokens-per-second", "0");
    }

    @Test
    void theFirstCallStopsHalfwayTheSecondResumesTheThirdSaysComplete() throws Exception {
        Path db = dir.resolve("stride-demo.db");

        Cli.Result first = demo(db);

        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(first.out()).contains("Starting new run 'qwen-medical-lora-251106-f16': 300 records")
                .contains("The demo stopped itself halfway, as a crash would")
                .contains("Run ./stride demo again: it resumes where it stopped.")
                .doesNotContain("Interrupted: ");
        long doneFirst = count(db, "SELECT done FROM progress");
        assertThat(doneFirst).isBetween(150L, 170L);

        Cli.Result second = demo(db);

        assertThat(second.exitCode()).as(second.all()).isZero();
        assertThat(second.out()).contains("Resuming 'qwen-medical-lora-251106-f16' from checkpoint: " + doneFirst
                        + "/300 done, " + (300 - doneFirst) + " to go")
                .contains("Done: 'qwen-medical-lora-251106-f16' 300/300")
                .contains("Demo complete: all 300 questions answered")
                .contains("What to try next:")
                .contains("./stride status --db " + db)
                .contains("sqlite3 " + db + " \"SELECT * FROM progress\"")
                .contains("./stride export --db " + db + " -o answers.jsonl")
                .contains("./stride clear --db " + db + " --all --yes && ./stride demo");
        assertThat(second.out()).contains("(simulator: Served " + (300 - doneFirst) + " requests ("
                + (300 - doneFirst) + " ok)");
        Map<String, Object> progress = query(db, "SELECT * FROM progress").get(0);
        assertThat(progress).containsEntry("total", 300).containsEntry("done", 300).containsEntry("failed", 0)
                .containsEntry("state", "done");
        List<Map<String, Object>> rows = query(db, "SELECT id, input, output, status FROM results");
        assertThat(rows).hasSize(300).allSatisfy(row -> {
            String question = JSON.readTree((String) row.get("input")).get("question").asText();
            assertThat(row.get("status")).isEqualTo("done");
            assertThat((String) row.get("output")).startsWith("Answer to: Answer briefly: " + question + " -- ");
        });

        Cli.Result third = demo(db);

        assertThat(third.exitCode()).as(third.all()).isZero();
        assertThat(third.out()).contains("The demo in " + db + " is complete: 300/300 questions answered")
                .contains("./stride clear --db " + db + " --all")
                .contains("What to try next:")
                .doesNotContain("Resuming");

        // Typed by its path from another folder: the commands it suggests start as typed (./stride is nothing there).
        Cli elsewhere = new Cli(Map.of(InvokedAs.ENV, "/opt/stride/stride"));
        Cli.Result typed = elsewhere.run("demo", "--db", db.toString(), "--sim-latency", "2ms");
        assertThat(typed.out()).contains("  /opt/stride/stride status --db " + db)
                .contains("/opt/stride/stride clear --db " + db + " --all --yes && /opt/stride/stride demo")
                .doesNotContain("./stride");
    }

    /**
     * A sqlite3 shell inside {@code BEGIN; SELECT} beside the demo's resume: as a run does, the demo ends its summary
     * with the line that the file alone is not whole (the shell keeps the WAL from being folded in). The first
     * demo, beside no reader, says nothing of it.
     */
    /** A mistyped --db is its one line, exit 2: not after an introduction that promised to save answers there. */
    @Test
    void aDatabaseInAFolderThatDoesNotExistIsRefusedBeforeTheIntroduction() {
        Path db = dir.resolve("no-such-folder").resolve("demo.db");
        Cli.Result r = demo(db);
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("stride: cannot open " + db + ": folder " + db.getParent() + " does not exist;"
                + " create it or name a file elsewhere\n");
    }

    @Test
    void aDemoThatEndsBesideAReadTransactionSaysTheFileAloneIsNotWhole() throws Exception {
        Path db = dir.resolve("demo.db");
        Cli.Result first = demo(db);
        assertThat(first.exitCode()).as(first.all()).isZero();
        assertThat(first.all()).doesNotContain("alone is not whole");

        try (Connection shell = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = shell.createStatement()) {
            shell.setAutoCommit(false);
            try (ResultSet rs = st.executeQuery("SELECT done FROM progress")) {
                assertThat(rs.next()).isTrue();
            }

            Cli.Result second = demo(db);

            assertThat(second.exitCode()).as(second.all()).isZero();
            List<String> lines = second.out().lines().toList();
            int served = lines.indexOf(lines.stream().filter(l -> l.startsWith("  (simulator: Served")).findFirst()
                    .orElseThrow());
            assertThat(lines.get(served - 1)).as(second.out()).startsWith(db + " alone is not whole: its last"
                    + " answers are in " + db + "-wal (").endsWith("until then copy it with stride snapshot.");
            assertThat(second.out()).contains("Demo complete: all 300 questions answered");
            shell.commit();
        }
    }

    @Test
    void afterAClearTheDemoRunsToTheEndAndCtrlCStopsItWith130() throws Exception {
        Path db = dir.resolve("demo.db");
        demo(db);
        assertThat(cli.run("clear", "--db", db.toString(), "--all", "--yes").exitCode()).isZero();

        Cli.Result full = demo(db);

        assertThat(full.exitCode()).as(full.all()).isZero();
        assertThat(full.out()).contains("Starting new run").contains("Demo complete: all 300 questions answered")
                .doesNotContain("stopped itself");

        assertThat(cli.run("clear", "--db", db.toString(), "--all", "--yes").exitCode()).isZero();
        // Ctrl+C as the tenth answer comes back (-v logs each response before the run sees it): no request is sent
        // after that, so whatever the machine's speed the run stops with at most 10 + 8 in flight answered.
        AtomicInteger answers = new AtomicInteger();
        cli.watchingErr(text -> {
            if (text.startsWith("http <- 200") && answers.incrementAndGet() == 10) {
                cli.pressCtrlC();
            }
        });
        Cli.Result interrupted = cli.run("demo", "--db", db.toString(), "--sim-latency", "2ms", "-v");

        assertThat(interrupted.exitCode()).as(interrupted.all()).isEqualTo(130);
        assertThat(interrupted.out()).contains("You pressed Ctrl+C:")
                .contains("Run ./stride demo again: it resumes where it stopped.");
        assertThat(count(db, "SELECT done FROM progress")).isBetween(10L, 18L);
    }

    @Test
    void aDemoStoppedByKillSaysSoNotThatCtrlCWasPressed() throws Exception {
        Path db = dir.resolve("demo.db");
        demo(db);
        AtomicInteger answers = new AtomicInteger();
        cli.watchingErr(text -> {
            if (text.startsWith("http <- 200") && answers.incrementAndGet() == 10) {
                cli.stop(Signals.Stop.SIGTERM);
            }
        });

        Cli.Result killed = cli.run("demo", "--db", db.toString(), "--sim-latency", "2ms", "-v");

        assertThat(killed.exitCode()).as(killed.all()).isEqualTo(130);
        assertThat(killed.out()).contains("Stopped by SIGTERM: ").contains(" answers are saved in " + db)
                .doesNotContain("Ctrl+C:");
    }

    @Test
    void aCtrlCAsTheDemoStartsIsHeardBeforeItTouchesTheFileWhichItLeavesWhole() throws Exception {
        // A file a killed stride left with its WAL: the demo folds it in before it reads its stored run.
        Path db = LeftBehindWal.image(dir, dir.resolve("crash"), 50, 30, 3600);

        Cli.Result r = new Cli().stoppingAtOnce().run("demo", "--db", db.toString(), "--sim-latency", "2ms");

        assertThat(r.exitCode()).as(r.all()).isEqualTo(130);
        String stopping = "Stopping before the first request was sent";
        String folded = "are now folded into " + db;
        assertThat(r.err()).contains(stopping, folded);
        assertThat(r.err().indexOf(stopping)).as(r.err()).isLessThan(r.err().indexOf(folded));
        assertThat(r.out()).as("no simulator started, no run begun").doesNotContain("stride demo:");
        assertThat(count(db, "SELECT count(*) FROM runs")).isEqualTo(1);
        assertThat(LeftBehindWal.walBytes(db)).isZero();
    }
}
