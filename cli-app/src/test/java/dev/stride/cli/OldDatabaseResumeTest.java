package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database written by stride before the application layer (schema version 6; db's test resources, described in
 * their README) is finished by this stride with the same command a user would type, from the database alone.
 */
class OldDatabaseResumeTest {
    /** The fixture lives with the store's tests; cli-app's tests run from the cli-app folder. */
    private static final Path FIXTURE = Path.of("../db/src/test/resources/legacy/stride-v6.db");
    private static final String RUN = "qwen-medical-lora-251106-f16";
    private static final String DONE_ANSWERS = "SELECT id, output, finish_reason, completion_tokens, finished_at"
            + " FROM results WHERE run = '" + RUN + "' AND status = 'done' ORDER BY id";

    @TempDir
    Path dir;

    private Simulator sim;
    private final Cli cli = new Cli();

    @BeforeEach
    void start() throws Exception {
        sim = new Simulator(SimulatorSettings.builder().build()).start(0);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void theHalfDoneRunIsFinishedWithoutAskingForTheOldAnswersAgain() throws Exception {
        Path db = dir.resolve("runs.db");
        Files.copy(FIXTURE, db);
        List<Map<String, Object>> oldAnswers = query(db, DONE_ANSWERS);
        assertThat(oldAnswers).hasSize(24);

        Cli.Result resumed = cli.run("run", "--db", db.toString(), "--base-url", sim.url(), "--quiet");

        // The 14 pending records are asked for; the 2 stored failures stay failures until --retry-failed.
        assertThat(resumed.exitCode()).as(resumed.all()).isEqualTo(ExitCodes.FAILED_RECORDS);
        assertThat(sim.stats().requests()).isEqualTo(14);
        assertThat(query(db, "SELECT done, failed, pending FROM progress WHERE run = '" + RUN + "'").get(0))
                .containsEntry("done", 38).containsEntry("failed", 2).containsEntry("pending", 0);

        Cli.Result retried = cli.run("run", "--db", db.toString(), "--base-url", sim.url(), "--retry-failed",
                "--quiet");

        assertThat(retried.exitCode()).as(retried.all()).isZero();
        assertThat(sim.stats().requests()).isEqualTo(16);
        assertThat(query(db, "SELECT done, total, state FROM progress WHERE run = '" + RUN + "'").get(0))
                .containsEntry("done", 40).containsEntry("total", 40).containsEntry("state", "done");
        List<Map<String, Object>> nowDone = query(db, DONE_ANSWERS);
        assertThat(nowDone).hasSize(40).containsAll(oldAnswers);
        assertThat(count(db, "SELECT count(*) FROM results WHERE run = '" + RUN + "' AND server = '" + sim.url()
                + "'")).isEqualTo(16);
        assertThat(query(db, "SELECT output FROM results WHERE id = 'q26' AND run = '" + RUN + "'").get(0)
                .get("output").toString()).contains("Answer briefly: What is finding 26?");
        // The servers given replace the two stored ones, as a list; the finished run keeps its own.
        assertThat(query(db, "SELECT name, base_urls FROM runs ORDER BY run_id")).containsExactly(
                Map.of("name", RUN, "base_urls", "[\"" + sim.url() + "\"]"),
                Map.of("name", "base-model", "base_urls", "[\"http://127.0.0.1:18101/v1\"]"));
    }
}
