package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that only read a SQLite file leave its folder as they found it: no {@code -wal} and {@code -shm} of
 * their own beside a .db that had none (a read-only connection makes them and cannot remove them); but never those
 * of a connection that still has the file open.
 */
class ReadCommandsLeaveNoTraceTest {
    @TempDir
    Path dir;
    private Path db;
    private final Cli cli = new Cli();

    @BeforeEach
    void aFinishedRun() throws Exception {
        Path input = questions(dir, "q.jsonl", 5);
        db = dir.resolve("runs.db");
        try (Simulator sim = new Simulator(SimulatorSettings.builder().build()).start(0)) {
            Cli.Result r = cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                    sim.url(), "--template", "{{question}}", "--log-every", "0");
            assertThat(r.exitCode()).as(r.all()).isZero();
        }
        assertThat(files()).containsExactly("q.jsonl", "runs.db");
    }

    @Test
    void statusExportAndSqlLeaveOnlyTheDatabase() throws Exception {
        Path out = Files.createTempDirectory(dir.getParent(), "export");
        List<List<String>> commands = List.of(
                List.of("status", "--db", db.toString()),
                List.of("status", "--db", db.toString(), "--run", "m", "--json"),
                List.of("export", "--db", db.toString(), "-o", out.resolve("a.jsonl").toString()),
                List.of("sql", "--db", db.toString(), "SELECT count(*) FROM results"));
        for (List<String> command : commands) {
            Cli.Result r = cli.run(command.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(files()).as(String.join(" ", command)).containsExactly("q.jsonl", "runs.db");
        }
    }

    @Test
    void theSideFilesOfAConnectionStillOpenAreKept() throws Exception {
        try (Connection open = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = open.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions")) {
                rs.next();
            }
            Cli.Result r = cli.run("status", "--db", db.toString());
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(files()).containsExactly("q.jsonl", "runs.db", "runs.db-shm", "runs.db-wal");
            // The connection still reads and writes through its index.
            st.execute("CREATE TABLE mine (x)");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions")) {
                assertThat(rs.next() && rs.getLong(1) == 5).isTrue();
            }
        }
    }

    private List<String> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
