package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SQLite file whose write lock another connection (a sqlite3 shell after BEGIN IMMEDIATE, a cron job's other
 * stride) holds past stride's wait, where a command gives up rather than waits: exit 5, busy, not 4 as for a damaged
 * or read-only file. A script waits and runs the same command again; nothing was changed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BusyDatabaseTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void aRunWhoseFileStaysLockedPastTheWaitExitsBusyAndChangesNothing() throws Exception {
        Path db = dir.resolve("runs.db");
        assertThat(stride.run(questions(dir, "q.jsonl", 20), db).template("{{question}}").noProgress().with()
                .exitCode()).isZero();
        Path more = questions(dir, "more.jsonl", 21);

        Cli.Result r;
        try (Connection shell = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
             Statement s = shell.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            r = stride.run(more, db).template("{{question}}").noProgress().with();
            s.execute("COMMIT");
        }

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.BUSY);
        assertThat(r.err()).isEqualTo("stride: " + db + " stayed locked by another connection for 10 s ([SQLITE_BUSY]"
                + " The database file is locked (database is locked)): close the program holding a write transaction"
                + " (a sqlite3 shell after BEGIN?) and run again\n");
        assertThat(count(db, "SELECT count(*) FROM records")).isEqualTo(20);
        // Once the lock is let go, the same command goes on.
        Cli.Result again = stride.run(more, db).template("{{question}}").noProgress().with();
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(count(db, "SELECT count(*) FROM records")).isEqualTo(21);
    }

    private static long count(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
