package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resume that names no server goes on asking the one stored with the run, and says which: on a machine the file was
 * copied to, that address may now be another server (one that answers any model name), whose answers would otherwise
 * be stored under the run without a word. Against the fake model server, on a real SQLite file.
 */
class ResumeNamesStoredServerTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aResumeWithoutBaseUrlNamesTheStoredServerAndOneWithItDoesNot() throws Exception {
        Path input = questions(dir, "q.jsonl", 30);
        Path db = dir.resolve("runs.db");
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == 8) {
                stride.cli.pressCtrlC();
            }
            return FakeModelServer.ok("C");
        });
        Cli.Result stopped = stride.run(input, db).template("{{question}}").noProgress()
                .and("--concurrency", "2", "--save-interval", "2").with();
        assertThat(stopped.exitCode()).as(stopped.all()).isEqualTo(130);
        long doneBefore = count(db, "SELECT done FROM progress");

        Cli.Result resumed = stride.cli.run("run", "--db", db.toString(), "--log-every", "0");

        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).contains("Resuming 'm' from checkpoint: " + doneBefore + "/30 done, "
                + (30 - doneBefore) + " to go\nasking the server stored with the run: " + stride.url()
                + " (--base-url URL asks another)\n");
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(30);

        stride.cli.run("clear", "--db", db.toString(), "--run", "m", "--yes");
        seen.set(0);
        assertThat(stride.run(input, db).template("{{question}}").noProgress().and("--concurrency", "2",
                "--save-interval", "2").with().exitCode()).isEqualTo(130);
        Cli.Result sameCommand = stride.run(input, db).template("{{question}}").noProgress().and("--concurrency", "2")
                .with();
        assertThat(sameCommand.exitCode()).as(sameCommand.all()).isZero();
        assertThat(sameCommand.out()).contains("Resuming 'm'").doesNotContain("stored with the run");
    }

    /**
     * A resume given another --base-url than the run's last session asked goes on (the server is no setting of the
     * results) and says so, with the input and without it: the run's remaining records go to another server.
     */
    @Test
    void aResumeGivenAnotherServerSaysWhichItAskedBefore() throws Exception {
        Path input = questions(dir, "q.jsonl", 30);
        Path db = dir.resolve("runs.db");
        stride.model.pressingCtrlCAt(8, stride.cli);
        assertThat(stride.run(input, db).template("{{question}}").noProgress().and("--concurrency", "2").with()
                .exitCode()).isEqualTo(130);
        try (MockWebServer other = new MockWebServer()) {
            other.setDispatcher(new FakeModelServer().pressingCtrlCAt(5, stride.cli));
            other.start();
            String otherUrl = other.url("/v1").toString();

            Cli.Result withInput = stride.cli.run("run", input.toString(), "--db", db.toString(), "--model", "m",
                    "--template", "{{question}}", "--base-url", otherUrl, "--concurrency", "2", "--log-every", "0");
            Cli.Result stored = stride.cli.run("run", "--db", db.toString(), "--base-url", stride.url(),
                    "--log-every", "0");
            Cli.Result same = stride.cli.run("run", "--db", db.toString(), "--base-url", stride.url(),
                    "--log-every", "0");

            assertThat(withInput.exitCode()).as(withInput.all()).isEqualTo(130);
            assertThat(withInput.out()).containsPattern("Resuming 'm' from checkpoint: [^\n]*\nasking " + otherUrl
                    + " now; its last session asked " + stride.url() + "\n");
            assertThat(stored.exitCode()).as(stored.all()).isZero();
            assertThat(stored.out()).containsPattern("Resuming 'm' from checkpoint: [^\n]*\nasking " + stride.url()
                    + " now; its last session asked " + otherUrl + "\n");
            assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(30);
            assertThat(same.out()).doesNotContain("its last session asked");
        }
    }
}
