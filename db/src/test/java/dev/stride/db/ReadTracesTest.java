package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a read-only connection leaves beside a WAL database is removed after it, unless the file is still in use. */
class ReadTracesTest {
    @TempDir
    Path dir;
    private Path db;

    @BeforeEach
    void aWalDatabaseClosedCleanly() throws SQLException, IOException {
        db = dir.resolve("runs.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode = WAL");
            st.execute("CREATE TABLE t (x)");
            st.execute("INSERT INTO t VALUES (1)");
        }
        assertThat(files()).containsExactly("runs.db");
    }

    @Test
    void theSideFilesAReaderMadeAreRemovedOnceItIsDone() throws Exception {
        try (Connection reader = SqliteFiles.connect(SqliteFiles.readerSource(db), db)) {
            assertThat(count(reader)).isEqualTo(1);
        }
        assertThat(files()).as("what a read-only connection leaves")
                .containsExactly("runs.db", "runs.db-shm", "runs.db-wal");

        ReadTraces.tidy();

        assertThat(files()).containsExactly("runs.db");
        try (Connection again = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            assertThat(count(again)).isEqualTo(1);
        }
    }

    @Test
    void aConnectionThatOpenedTheFileMeanwhileKeepsThemAndGoesOn() throws Exception {
        try (Connection reader = SqliteFiles.connect(SqliteFiles.readerSource(db), db)) {
            assertThat(count(reader)).isEqualTo(1);
        }
        try (Connection writer = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = writer.createStatement()) {
            assertThat(count(writer)).isEqualTo(1);

            ReadTraces.tidy();

            assertThat(files()).containsExactly("runs.db", "runs.db-shm", "runs.db-wal");
            st.execute("INSERT INTO t VALUES (2)");
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                assertThat(count(other)).as("a commit through the index the writer still uses").isEqualTo(2);
            }
        }
    }

    private static long count(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<String> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
