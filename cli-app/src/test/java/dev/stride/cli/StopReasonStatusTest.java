package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why a run stopped is kept with it: status says it to whoever looks later, not only the stop line at the terminal
 * that ran it (a walk found "State: stopped" and "Errors: none", and nothing in --json). A server that refuses the
 * key, and no server at all; a rerun that goes on to the end forgets it. PostgreSQL's twin is in
 * {@link PostgresStatusTest}.
 */
class StopReasonStatusTest {
    private static final Cli EN = new Cli(Map.of("LANG", "en_US.UTF-8"));
    private static final Cli ZH = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REFUSED = "every request would fail the same way: HTTP 401: Unauthorized";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void sqliteKeepsWhyARunStoppedUntilItGoesOn() throws Exception {
        keepsWhyARunStoppedUntilItGoesOn(dir, dir.resolve("runs.db").toString(), stride);
    }

    /**
     * Run 'k' is refused (401) and run 'u' finds nobody at its port, both in {@code db}; status, in English, in
     * Chinese and as JSON, says why each stopped. Then 'k' goes on to its end, and says nothing of it.
     */
    static void keepsWhyARunStoppedUntilItGoesOn(Path dir, String db, CliFixture stride) throws Exception {
        Path input = Datasets.questions(dir, "q.jsonl", 6);
        stride.model.answering(p -> FakeModelServer.json(401, "{\"error\": \"Unauthorized\"}"));
        Cli.Result refused = EN.run(run(input, db, "k", stride.url()));
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains(REFUSED);
        String nobody = "http://127.0.0.1:" + freePort() + "/v1";
        Cli.Result unreachable = EN.run(run(input, db, "u", nobody));
        assertThat(unreachable.exitCode()).as(unreachable.all()).isEqualTo(ExitCodes.ERROR);

        String shown = ok(EN.run("status", "--db", db, "--run", "k")).out();
        assertThat(shown).containsSubsequence("State:       stopped", "\nStopped:     " + REFUSED + "\n",
                "Errors:      none");
        assertThat(ok(ZH.run("status", "--db", db, "--run", "k")).out())
                .contains("停止原因：   每个请求都会以同样的方式失败：HTTP 401: Unauthorized\n");
        assertThat(stopReason(db, "k")).isEqualTo(REFUSED);
        assertThat(ok(EN.run("status", "--db", db, "--run", "u")).out())
                .contains("\nStopped:     no server answered: " + nobody + " (connection refused");
        assertThat(stopReason(db, "u")).startsWith("no server answered: " + nobody + " (connection refused");
        JsonNode all = JSON.readTree(ok(EN.run("status", "--db", db, "--json")).out());
        Map<String, JsonNode> byRun = new java.util.HashMap<>();
        all.forEach(r -> byRun.put(r.get("run").asText(), r.get("stop_reason")));
        assertThat(byRun.get("k").asText()).isEqualTo(REFUSED);
        assertThat(byRun.get("u").asText()).isEqualTo(stopReason(db, "u"));
        String table = ok(EN.run("status", "--db", db)).out();
        assertThat(table).as("the table keeps its columns").doesNotContain("Unauthorized", "no server answered");

        stride.model.answering(p -> null);
        assertThat(EN.run(run(input, db, "k", stride.url())).exitCode()).isZero();

        assertThat(ok(EN.run("status", "--db", db, "--run", "k")).out()).contains("State:       done")
                .doesNotContain("Stopped:");
        JsonNode k = JSON.readTree(ok(EN.run("status", "--db", db, "--run", "k", "--json")).out());
        assertThat(k.has("stop_reason")).isTrue();
        assertThat(k.get("stop_reason").isNull()).as("%s", k).isTrue();
        assertThat(stopReason(db, "u")).as("another run's reason stays").isNotNull();
    }

    private static String[] run(Path input, String db, String name, String url) {
        return new String[] {"run", input.toString(), "--db", db, "--model", "m", "--run", name, "--base-url", url,
                "--template", "{{question}}", "--log-every", "0"};
    }

    /** The run's stop_reason as {@code status --run NAME --json} gives it; null for none. */
    private static String stopReason(String db, String run) throws Exception {
        JsonNode o = JSON.readTree(ok(EN.run("status", "--db", db, "--run", run, "--json")).out());
        assertThat(o.has("stop_reason")).as("always there: %s", o).isTrue();
        return o.get("stop_reason").isNull() ? null : o.get("stop_reason").asText();
    }

    private static Cli.Result ok(Cli.Result r) {
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r;
    }

    /** A port nobody listens on: taken from the system and closed again. */
    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
