package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A time left in a form stride does not read (a hand edit in the sqlite3 shell) is refused in one line that says
 * where it is, so the user knows which column to mend: not a parser's exception, not just the value.
 */
class HandEditedTimeTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void statusNamesTheColumnHoldingTheTimeItCannotRead() throws Exception {
        Path db = dir.resolve("runs.db");
        Cli.Result run = stride.run(questions(dir, "q.jsonl", 3), db).template("{{question}}").noProgress().with();
        assertThat(run.exitCode()).as(run.all()).isZero();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE runs SET saved_at = 'soon'");
        }

        Cli.Result status = new Cli(Map.of("LANG", "en_US.UTF-8")).run("status", "--db", db.toString());

        assertThat(status.exitCode()).as(status.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(status.err()).isEqualTo("stride: runs.saved_at holds a time stride cannot read, 'soon': write its"
                + " times as UTC text in the form 2026-12-06 03:49:23.683 and run the command again\n");
        assertThat(status.out()).isEmpty();
    }
}
