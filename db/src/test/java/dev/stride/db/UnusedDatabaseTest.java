package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command that made a new database and stored nothing removes it again, but never once another stride has stored a
 * run in it: two commands started together on a missing file both believe they made it.
 */
class UnusedDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void aNewDatabaseWithoutARunIsRemovedWithItsSideFiles() {
        Path file = dir.resolve("new.db");
        SqliteCheckpointStore.open(file).close();

        assertThat(UnusedDatabase.removeIfNoRun(file)).isTrue();

        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The data loss: the refused one of two workers started together removed the file the other had filled. */
    @Test
    void aDatabaseInWhichAnotherStoredARunIsKept() throws Exception {
        Path file = dir.resolve("race.db");
        // The other worker opened the file too and stored its run (and keeps it open, working on it).
        try (SqliteCheckpointStore other = SqliteCheckpointStore.open(file)) {
            other.syncRun(spec("m"), recs(20).iterator(), Optional::empty, false);

            assertThat(UnusedDatabase.removeIfNoRun(file)).isFalse();

            assertThat(other.findRun("m").orElseThrow().total()).isEqualTo(20);
        }
        assertThat(runs(file)).isEqualTo(1);
    }

    /** Another stride storing its run this moment (its write transaction open): the removal keeps the file. */
    @Test
    void aRunBeingStoredThisMomentIsKept() throws Exception {
        Path file = dir.resolve("race.db");
        SqliteCheckpointStore.open(file).close();
        try (Connection other = Fixtures.jdbc(file); Statement st = other.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            st.execute("INSERT INTO runs (name, model, base_urls, template, params, created_at, saved_at, state)"
                    + " VALUES ('m', 'm', '[]', '{{text}}', '{}', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z',"
                    + " 'running')");

            assertThat(UnusedDatabase.removeIfNoRun(file)).isFalse();

            st.execute("COMMIT");
        }
        assertThat(runs(file)).isEqualTo(1);
    }

    /**
     * A stride that opened the new file and has stored nothing yet keeps it: removed under it, it would go on writing
     * answers into a file no one can see (SQLite tells a WAL database's connection nothing of the unlink).
     */
    @Test
    void aDatabaseAnotherStrideHasOpenIsKept() {
        Path file = dir.resolve("new.db");
        try (SqliteCheckpointStore other = SqliteCheckpointStore.open(file)) {
            assertThat(UnusedDatabase.removeIfNoRun(file)).isFalse();

            other.syncRun(spec("m"), recs(3).iterator(), Optional::empty, false);
        }
        assertThat(UnusedDatabase.removeIfNoRun(file)).isFalse();
        assertThat(file).exists();
    }

    /** Removed in the moment between a stride's opening the file and its lock: that stride fails, in one line. */
    @Test
    void aFileRemovedWhileBeingOpenedIsReportedNotWrittenBlind() throws Exception {
        Path file = dir.resolve("new.db");
        SqliteCheckpointStore.open(file).close();
        Object opened = SqliteFiles.fileKey(file);
        // Held open as SQLite holds the file it opened (no lock yet): its inode is not handed to a new file.
        try (FileChannel held = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThat(UnusedDatabase.removeIfNoRun(file)).isTrue();
            SqliteCheckpointStore.open(file).close(); // another command makes a new file of the same name

            assertThatThrownBy(() -> SqliteFiles.checkStillNamed(file, opened))
                    .isInstanceOf(StoreException.class)
                    .hasMessage(file + " was removed while this stride opened it, most likely by another command"
                            + " started at the same moment that made it and then stored nothing; nothing was written:"
                            + " run the same command again");
        }
        SqliteFiles.checkStillNamed(file, SqliteFiles.fileKey(file));
    }

    @Test
    void aFileThatIsNotSqliteIsKept() throws Exception {
        Path file = dir.resolve("notes.db");
        Files.writeString(file, "not a database, and not ours");

        assertThat(UnusedDatabase.removeIfNoRun(file)).isFalse();

        assertThat(file).exists();
    }

    private static int runs(Path file) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM runs")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
