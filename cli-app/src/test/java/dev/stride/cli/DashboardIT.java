package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stride.db.PostgresServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code stride dashboard} and {@code stride report} as processes: the dashboard follows a run that another process
 * writes, the run ends as if nobody had looked, the dashboard writes nothing, and SIGTERM ends it with exit 0; a taken
 * port is one line and a non-zero exit; an address other than loopback gets a warning.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DashboardIT {
    private static final int TOTAL = 20;
    private static final Pattern URL = Pattern.compile("at (http://\\S+/)");

    @TempDir
    Path dir;

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();

    @StartStop
    public final MockWebServer server = new MockWebServer();

    private final PacedModelServer model = new PacedModelServer().stepping();
    private final Cli cli = new Cli();
    private final HttpClient http = HttpClient.newHttpClient();
    private StrideProcess run;
    private StrideProcess dashboard;

    @AfterEach
    void stop() {
        model.release();
        if (run != null) {
            run.close();
        }
        if (dashboard != null) {
            dashboard.close();
        }
    }

    @Test
    void theDashboardFollowsARunAndWritesNothing() throws Exception {
        server.setDispatcher(model);
        Path data = Files.createDirectory(dir.resolve("data"));
        Path db = data.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", TOTAL);
        run = StrideProcess.start(dir, "run", List.of("run", input.toString(), "--db", db.toString(), "--model",
                "m", "--run", "watched", "--base-url", server.url("/v1").toString(), "--template", "Q: {{question}}",
                "--log-every", "0"));
        for (int i = 0; i < 5; i++) {
            model.releaseOne();
        }
        run.await("five answers", Duration.ofSeconds(120), () -> model.answeredCount(0) == 5);

        dashboard = StrideProcess.start(dir, "dashboard", List.of("dashboard", "--db", db.toString(), "--port", "0"));
        dashboard.await("its address", Duration.ofSeconds(120), () -> URL.matcher(dashboard.out()).find());
        Matcher m = URL.matcher(dashboard.out());
        assertThat(m.find()).isTrue();
        URI base = URI.create(m.group(1));
        assertThat(base.getHost()).isEqualTo("127.0.0.1");
        assertThat(dashboard.err()).doesNotContain("warning");

        run.await("five answers on the dashboard", Duration.ofSeconds(120), () -> done(base) == 5);
        JsonNode live = runs(base).get(0);
        assertThat(live.get("state").asText()).isEqualTo("running");
        assertThat(live.get("pending").asLong()).isEqualTo(TOTAL - 5);
        assertThat(get(base, "/").body()).contains("/assets/app.js");
        assertThat(names(data)).containsExactlyInAnyOrder("runs.db", "runs.db-wal", "runs.db-shm");

        model.release();
        assertThat(run.waitForExit(Duration.ofSeconds(120))).as(run.transcript()).isZero();
        byte[] dbBefore = Files.readAllBytes(db);
        byte[] walBefore = Files.exists(Path.of(db + "-wal")) ? Files.readAllBytes(Path.of(db + "-wal")) : null;
        JsonNode ended = runs(base).get(0);
        assertThat(ended.get("done").asLong()).isEqualTo(TOTAL);
        assertThat(ended.get("state").asText()).isEqualTo("done");
        assertThat(get(base, "/api/runs/watched").statusCode()).isEqualTo(200);
        assertThat(get(base, "/api/runs/watched/records?status=done&limit=5").statusCode()).isEqualTo(200);
        HttpResponse<String> nope = get(base, "/api/runs/nope");
        assertThat(nope.statusCode()).isEqualTo(404);
        assertThat(new ObjectMapper().readTree(nope.body()).path("database").asText())
                .as("where the page says it looked").isEqualTo(db.toString());
        assertThat(get(base, "/runs/nope").statusCode()).isEqualTo(404);
        assertThat(Files.readAllBytes(db)).as("the dashboard wrote nothing").isEqualTo(dbBefore);
        if (walBefore != null) {
            assertThat(Files.readAllBytes(Path.of(db + "-wal"))).isEqualTo(walBefore);
        }

        // A supervisor (systemd, docker stop) ends it with SIGTERM: a normal stop, exit 0 after its line.
        dashboard.signal("TERM");
        assertThat(dashboard.waitForExit(Duration.ofSeconds(120))).as(dashboard.transcript()).isZero();
        assertThat(dashboard.out()).endsWith("Dashboard at " + base + " stopped.\n");
        assertThat(dashboard.err()).isEmpty();

        Path report = dir.resolve("report.html");
        Cli.Result r = cli.run("report", "--db", db.toString(), "-o", report.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out()).contains(report.toString());
        assertThat(Files.readString(report)).contains("watched").doesNotContain("<script src");
        Cli.Result unknown = cli.run("report", "--db", db.toString(), "--run", "nope", "-o", report.toString());
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err().lines().count()).as(unknown.err()).isEqualTo(1);
        assertThat(unknown.err()).contains("nope").contains("'watched'");
    }

    @Test
    void aTakenPortIsOneLineAndAnotherAddressAWarning() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = questions(dir, "q.jsonl", 3);
        server.setDispatcher(model);
        model.release();
        assertThat(cli.run("run", input.toString(), "--db", db.toString(), "--model", "m", "--base-url",
                server.url("/v1").toString(), "--template", "Q: {{question}}").exitCode()).isZero();
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Cli.Result r = cli.run("dashboard", "--db", db.toString(), "--port",
                    Integer.toString(taken.getLocalPort()));
            assertThat(r.exitCode()).as(r.all()).isNotZero();
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()).contains("--port")
                    .contains("another program (another dashboard, a server) holds port " + taken.getLocalPort());
        }
        // An address that is not this machine's (TEST-NET-1): said as such, not as a port another program holds.
        Cli.Result foreign = cli.run("dashboard", "--db", db.toString(), "--port", "0", "--bind", "192.0.2.1");
        assertThat(foreign.exitCode()).as(foreign.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(foreign.err()).contains("cannot listen on 192.0.2.1:0")
                .contains("give --bind an address of this machine").doesNotContain("another program");
        dashboard = StrideProcess.start(dir, "dashboard", List.of("dashboard", "--db", db.toString(), "--port", "0",
                "--bind", "0.0.0.0"));
        dashboard.await("its warning", Duration.ofSeconds(120), () -> dashboard.err().contains("warning"));
        assertThat(dashboard.err()).contains("listening on 0.0.0.0");
    }

    @Test
    void theDashboardServesARunWrittenToPostgresql() throws Exception {
        Path input = questions(dir, "q.jsonl", TOTAL);
        server.setDispatcher(model);
        model.release();
        String db = pg.url();
        Cli.Result written = cli.run("run", input.toString(), "--db", db, "--model", "m", "--run", "onpg",
                "--base-url", server.url("/v1").toString(), "--template", "Q: {{question}}", "--quiet");
        assertThat(written.exitCode()).as(written.all()).isZero();

        dashboard = StrideProcess.start(dir, "dashboard", List.of("dashboard", "--db", db, "--port", "0"));
        dashboard.await("its address", Duration.ofSeconds(120), () -> URL.matcher(dashboard.out()).find());
        Matcher m = URL.matcher(dashboard.out());
        assertThat(m.find()).isTrue();
        URI base = URI.create(m.group(1));
        JsonNode listed = runs(base).get(0);
        assertThat(listed.get("name").asText()).isEqualTo("onpg");
        assertThat(listed.get("done").asLong()).isEqualTo(TOTAL);
        assertThat(listed.get("state").asText()).isEqualTo("done");
        assertThat(get(base, "/api/runs/onpg").statusCode()).isEqualTo(200);
        JsonNode page = new ObjectMapper().readTree(get(base, "/api/runs/onpg/records?limit=5&q=q1").body());
        assertThat(page.get("records").get(0).get("id").asText()).isEqualTo("q1");
        assertThat(get(base, "/api/runs/onpg/records/q1").statusCode()).isEqualTo(200);
        assertThat(get(base, "/api/compare?a=onpg&b=onpg").statusCode()).isEqualTo(200);

        Path report = dir.resolve("pg-report.html");
        Cli.Result r = cli.run("report", "--db", db, "-o", report.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(Files.readString(report)).contains("onpg").doesNotContain("<script src");
        dashboard.close();
        dashboard = null;
    }

    private long done(URI base) {
        try {
            return runs(base).get(0).get("done").asLong();
        } catch (Exception e) {
            return -1;
        }
    }

    private JsonNode runs(URI base) throws IOException, InterruptedException {
        HttpResponse<String> r = get(base, "/api/runs");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body()).get("runs");
    }

    private HttpResponse<String> get(URI base, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }
}
