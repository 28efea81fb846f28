package dev.stride.cli;

import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with every record answered but stored as interrupted (a worker stopped just after another ended the run, as
 * stride stored it before: WorkersTest) is stored done by the next command that finds nothing left to send, so that
 * status and the views say what the answers say.
 */
class FinishedRunStateTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private Path input;
    private Path db;

    @BeforeEach
    void aFinishedRunStoredAsInterrupted() throws Exception {
        input = questions(dir, "q.jsonl", 3);
        db = dir.resolve("runs.db");
        Cli.Result first = stride.run(input, db).template("{{question}}").noProgress().with();
        assertThat(first.exitCode()).as(first.all()).isZero();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE runs SET state = 'interrupted'");
        }
    }

    @Test
    void theSameCommandAgainStoresItDone() throws Exception {
        Cli.Result again = stride.run(input, db).template("{{question}}").noProgress().with();

        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(again.out()).contains("Nothing left to send for 'm': 3/3 done");
        assertThat(query(db, "SELECT state FROM runs")).containsExactly(Map.of("state", "done"));
        assertThat(stride.cli.run("status", "--db", db.toString()).out()).contains("done").doesNotContain("interrupted");
    }

    @Test
    void aResumeOfEveryRunInTheFileStoresItDone() throws Exception {
        Cli.Result again = stride.cli.run("run", "--db", db.toString());

        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(query(db, "SELECT state FROM runs")).containsExactly(Map.of("state", "done"));
    }
}
