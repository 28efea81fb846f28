package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard and serve-sim serve until they are stopped, and a stop is Ctrl+C, SIGTERM or SIGHUP, each with the
 * exit code its --help lists. The dashboard's is 0, after a line: a supervisor (systemd) that stops it with SIGTERM
 * records a normal stop, not a failure (130 was that, and the JVM's own ending 143). serve-sim ends as a stopped run
 * does, with 130.
 */
class ServersStopTest {
    private static final Pattern URL = Pattern.compile("(?:at|on) http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void ctrlCStopsTheDashboardWithTheExitCodeItsHelpLists() throws Exception {
        Path db = dir.resolve("runs.db");
        Path input = Datasets.questions(dir, "q.jsonl", 3);
        assertThat(stride.run(input, db).template("{{question}}").noProgress().with().exitCode()).isZero();
        StringBuilder out = new StringBuilder();
        stride.cli.watchingOut(text -> {
            synchronized (out) {
                out.append(text);
            }
        });

        CompletableFuture<Cli.Result> dashboard = CompletableFuture.supplyAsync(
                () -> stride.cli.run("dashboard", "--db", db.toString(), "--port", "0"));
        int port = Eventually.get("the dashboard's address", Duration.ofMinutes(2), () -> {
            synchronized (out) {
                Matcher m = URL.matcher(out);
                return m.find() && stride.cli.interrupt.get() != null ? Integer.parseInt(m.group(1)) : null;
            }
        });
        assertThat(stride.cli.pressCtrlC()).isTrue();
        Cli.Result stopped = dashboard.get();

        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(ExitCodes.OK);
        assertThat(stopped.out()).endsWith("Dashboard at http://127.0.0.1:" + port + "/ stopped.\n");
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("the port is given back")
                .isInstanceOf(IOException.class);

        String help = new Cli().run("dashboard", "--help").out();
        assertThat(help).contains("  0     stopped with Ctrl+C, SIGTERM or SIGHUP", "  1     could not serve",
                "  2     bad usage", "  4     the database cannot be used");
    }

    @Test
    void ctrlCStopsTheSimulatorWithTheExitCodeItsHelpListsAndItSaysWhatItServed() throws Exception {
        StringBuilder out = new StringBuilder();
        stride.cli.watchingOut(text -> {
            synchronized (out) {
                out.append(text);
            }
        });

        CompletableFuture<Cli.Result> sim = CompletableFuture.supplyAsync(
                () -> stride.cli.run("serve-sim", "--port", "0"));
        int port = Eventually.get("the simulator's address", Duration.ofMinutes(2), () -> {
            synchronized (out) {
                Matcher m = URL.matcher(out);
                return m.find() && stride.cli.interrupt.get() != null ? Integer.parseInt(m.group(1)) : null;
            }
        });
        assertThat(stride.cli.pressCtrlC()).isTrue();
        Cli.Result stopped = sim.get();

        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(stopped.out()).contains("Served 0 requests");
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("the port is given back")
                .isInstanceOf(IOException.class);
        assertThat(new Cli().run("serve-sim", "--help").out()).contains("130   stopped with Ctrl+C, SIGTERM or SIGHUP");
    }
}
