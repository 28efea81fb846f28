package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import dev.stride.sim.Simulator;
import dev.stride.sim.SimulatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * stride on PostgreSQL, with real processes against a throwaway cluster (one for the class) and the project's
 * simulator: every command works on it and says what it says on SQLite; the password never shows; a server restart
 * in the middle of a run is waited for, and nothing is lost or stored twice.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PostgresIT {
    private static final String PASSWORD = "pw-Kq8Zt2Xv";
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    private Simulator sim;
    private String baseUrl;
    private final List<StrideProcess> children = new ArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        // Port 0: the simulator binds a free port itself and says which (no port chosen here and taken by another).
        sim = new Simulator(SimulatorSettings.builder().latency(Duration.ofMillis(20)).build()).start(0);
        baseUrl = sim.url();
    }

    @AfterEach
    void stop() {
        children.forEach(StrideProcess::close);
        sim.close();
    }

    /** The cluster's URL for a new database, with the password in it (trust: the server accepts any). */
    private static String withPassword(String url) {
        return url.replace("postgresql://postgres@", "postgresql://postgres:" + PASSWORD + "@");
    }

    private StrideProcess stride(String label, Map<String, String> env, String... args) throws Exception {
        StrideProcess p = StrideProcess.startCommand(dir, label, StrideProcess.javaCommand(List.of(args)), env);
        children.add(p);
        return p;
    }

    private String finished(StrideProcess p, int exit) throws Exception {
        assertThat(p.waitForExit(Duration.ofMinutes(5))).as(p.transcript()).isEqualTo(exit);
        assertThat(p.out() + p.err()).doesNotContain(PASSWORD);
        return p.out();
    }

    private List<String> runArgs(Path input, String db, String... more) {
        List<String> args = new ArrayList<>(List.of("run", input.toString(), "--db", db, "--model", "m",
                "--base-url", baseUrl, "--template", "Q: {{question}}", "--log-every", "0"));
        args.addAll(List.of(more));
        return args;
    }

    /** What a status, an export or a query says, without what differs between two runs (times, rates). */
    private static String timeless(String text) {
        return text.replaceAll("\"(finished_at|latency_ms)\":(\"[^\"]*\"|\\d+)", "\"$1\":_")
                .replaceAll("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)?", "TIME")
                .replaceAll("\\d+(\\.\\d+)?s\\b", "Ns")
                .replaceAll(" +", " ");
    }

    @Test
    void everyCommandWorksOnPostgresqlAndSaysWhatItSaysOnSqlite() throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 120);
        String pg = withPassword(PG.url());
        Path file = dir.resolve("q.db");

        finished(stride("run-pg", Map.of(), runArgs(input, pg).toArray(String[]::new)), 0);
        finished(stride("run-sqlite", Map.of(), runArgs(input, file.toString()).toArray(String[]::new)), 0);

        // The password given by PGPASSWORD instead of the URL: the same database.
        String noPassword = pg.replace(":" + PASSWORD, "");
        Map<String, String> env = Map.of("PGPASSWORD", PASSWORD);
        String pgStatus = finished(stride("status-pg", env, "status", "--db", noPassword), 0);
        String sqliteStatus = finished(stride("status-sqlite", Map.of(), "status", "--db", file.toString()), 0);
        assertThat(timeless(pgStatus)).isEqualTo(timeless(sqliteStatus.lines()
                .filter(l -> !l.contains("alone holds")).collect(Collectors.joining("\n", "", "\n"))));

        String pgExport = finished(stride("export-pg", Map.of(), "export", "--db", pg), 0);
        String sqliteExport = finished(stride("export-sqlite", Map.of(), "export", "--db", file.toString()), 0);
        assertThat(pgExport.lines()).hasSize(120);
        assertThat(timeless(pgExport)).isEqualTo(timeless(sqliteExport));

        String query = "SELECT run, model, total, done, failed, pending, percent, state, truncated FROM progress";
        assertThat(finished(stride("sql-pg", Map.of(), "sql", "--db", pg, query), 0))
                .isEqualTo(finished(stride("sql-sqlite", Map.of(), "sql", "--db", file.toString(), query), 0));
        String refused = finished(stride("sql-write", Map.of(), "sql", "--db", pg, "DELETE FROM runs"), 2) ;
        assertThat(refused).isEmpty();

        Path snapshot = dir.resolve("snap.db");
        finished(stride("snapshot", Map.of(), "snapshot", "--db", pg, snapshot.toString()), 0);
        assertThat(finished(stride("export-snap", Map.of(), "export", "--db", snapshot.toString()), 0))
                .isEqualTo(pgExport);

        // Nothing stored anywhere holds the password.
        try (Connection c = PostgresCluster.connect(noPassword); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT string_agg(r::text, '') FROM runs r)"
                     + " || (SELECT string_agg(p::text, '') FROM predictions p)")) {
            rs.next();
            assertThat(rs.getString(1)).contains("Q: ").doesNotContain(PASSWORD);
        }
        assertThat(Files.readString(snapshot, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(PASSWORD);

        finished(stride("clear", Map.of(), "clear", "--db", pg, "--all", "--yes"), 0);
        assertThat(finished(stride("sql-after", Map.of(), "sql", "--db", pg, "SELECT count(*) AS n FROM results"),
                0)).contains("\n0\n");
    }

    @Test
    void aBadUrlOrAServerThatIsDownIsOneLineWithoutThePassword() throws Exception {
        StrideProcess bad = stride("bad", Map.of(), "status", "--db", "postgresql://postgres:" + PASSWORD + "@/x");
        assertThat(bad.waitForExit(Duration.ofMinutes(2))).isEqualTo(2);
        assertThat(bad.err()).contains("is not a PostgreSQL URL").doesNotContain(PASSWORD).doesNotContain("\tat ");

        StrideProcess down = stride("down", Map.of(), "status", "--db",
                "postgresql://postgres:" + PASSWORD + "@127.0.0.1:1/x");
        assertThat(down.waitForExit(Duration.ofMinutes(2))).isEqualTo(ExitCodes.DATABASE);
        assertThat(down.err()).contains("127.0.0.1:1").doesNotContain(PASSWORD).doesNotContain("\tat ");
        assertThat(down.err().lines()).hasSize(1);
    }

    @Test
    void aServerRestartedInTheMiddleOfARunIsWaitedForAndNothingIsLostOrStoredTwice() throws Exception {
        int records = 1000;
        Path input = Datasets.questions(dir, "q.jsonl", records);
        String pg = withPassword(PG.url());
        StrideProcess run = stride("run", Map.of(),
                runArgs(input, pg, "--concurrency", "2", "--save-interval", "20").toArray(String[]::new));

        run.await("a quarter of the answers stored", Duration.ofMinutes(3), () -> {
            pause(); // a new connection per look: not thousands of them
            return done(pg) >= records / 4;
        });
        PG.cluster().restart();
        long afterRestart = done(pg);
        assertThat(afterRestart).as("the restart came before the end of the run").isLessThan(records);

        finished(run, 0);
        String export = finished(stride("export", Map.of(), "export", "--db", pg), 0);
        List<String> ids = export.lines().map(l -> l.replaceAll("^\\{\"id\":\"([^\"]+)\".*$", "$1")).toList();
        assertThat(ids).hasSize(records).doesNotHaveDuplicates();
        assertThat(export.lines()).allMatch(l -> l.contains("\"status\":\"done\""));
        assertThat(done(pg)).isEqualTo(records);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long done(String url) {
        try (Connection c = PostgresCluster.connect(url.replace(":" + PASSWORD, ""));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions WHERE status = 'done'")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return 0; // no schema yet, or the server is restarting
        }
    }
}
