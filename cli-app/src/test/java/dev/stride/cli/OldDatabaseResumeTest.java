package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
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

    /**
     * A snapshot is the file as it is, for a machine whose stride may be the older one: version 6 still, with no
     * workers or claims to clear (they came with version 8), and a run stored as going is interrupted in the copy,
     * as in one of a file at this stride's version. The source is left as it was.
     */
    @Test
    void aSnapshotOfTheOldFileKeepsItsSchemaAndStopsTheRunThatWasGoing() throws Exception {
        Path db = dir.resolve("o.db");
        Files.copy(FIXTURE, db);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE runs SET state = 'running' WHERE name = '" + RUN + "'"); // as if killed
        }
        byte[] before = Files.readAllBytes(db);
        Path snapshot = dir.resolve("out.db");

        Cli.Result taken = cli.run("snapshot", "--db", db.toString(), snapshot.toString());

        assertThat(taken.exitCode()).as(taken.all()).isZero();
        assertThat(taken.err()).isEmpty();
        assertThat(taken.out()).contains("'" + RUN + "': 24/40 done, 2 failed", "'base-model': 40/40 done, 0 failed");
        assertThat(count(snapshot, "SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")).isEqualTo(6);
        assertThat(query(snapshot, "SELECT name, state FROM runs ORDER BY run_id")).containsExactly(
                Map.of("name", RUN, "state", "interrupted"), Map.of("name", "base-model", "state", "done"));
        assertThat(count(snapshot, "SELECT count(*) FROM predictions")).isEqualTo(66);
        assertThat(Files.readAllBytes(db)).isEqualTo(before);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no .partial left")
                    .containsExactlyInAnyOrder("o.db", "out.db");
        }
    }
}
