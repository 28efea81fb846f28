package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import dev.stride.core.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WAL left by a stride stopped before it could close the file, on real SQLite files: what the file alone holds,
 * how a reader tells, and the fold a writer does before it starts. What kill -9 leaves is made by copying the database
 * and its WAL while the writer has them open (as SQLite's own crash tests do), without the -shm, which belongs to
 * live processes.
 */
class LeftBehindWalTest {
    private static final Duration STALE_AFTER = Duration.ofSeconds(20);
    /** A run whose cursor was saved long ago: its process is gone. */
    private static final Clock LONG_AGO = Clock.fixed(Fixtures.T0, ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void aKilledWritersWalHoldsAnswersTheFileAloneLacksAndAReaderSaysHowManyWithoutWritingAnything()
            throws Exception {
        // A space and a '#' in the folder: the file alone is read through a file: URI, which must escape them.
        Path crashed = killedWith(30, LONG_AGO, dir.resolve("after kill #1"));
        String dbBefore = digest(crashed);
        String walBefore = digest(WalFile.of(crashed));

        FileAlone look = FileAlone.look(crashed, Instant.now(), STALE_AFTER);

        long inCopyOfFileAlone = answersIn(copyAlone(crashed, dir.resolve("cp")));
        assertThat(answersThroughWal(crashed)).isEqualTo(30);
        assertThat(inCopyOfFileAlone).as("cp of the .db alone").isLessThan(30);
        assertThat(look.state()).isEqualTo(FileAlone.State.LEFT_BEHIND);
        assertThat(look.whole()).isFalse();
        assertThat(look.walBytes()).isEqualTo(Files.size(WalFile.of(crashed))).isPositive();
        assertThat(look.answersOnlyInWal()).isEqualTo(OptionalLong.of(30 - inCopyOfFileAlone));
        // Looking wrote nothing: no fold, the WAL still holds the answers.
        assertThat(digest(crashed)).isEqualTo(dbBefore);
        assertThat(digest(WalFile.of(crashed))).isEqualTo(walBefore);
    }

    @Test
    void aWalBesideARunThatSavedItsCursorRecentlyIsALiveRunsAndIsNotCounted() throws Exception {
        Path file = dir.resolve("live.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            writeAnswers(store, 5);
            FileAlone look = FileAlone.look(file, Instant.now(), STALE_AFTER);
            assertThat(look.state()).isEqualTo(FileAlone.State.BEING_WRITTEN);
            assertThat(look.walBytes()).isPositive();
            assertThat(look.answersOnlyInWal()).isEmpty();
            // The same file 21 s later, its writer silent since: taken for left behind.
            assertThat(FileAlone.look(file, Instant.now().plusSeconds(21), STALE_AFTER).state())
                    .isEqualTo(FileAlone.State.LEFT_BEHIND);
        }
    }

    /**
     * A run that keeps workers is judged by them, as status judges it: its worker's process killed a moment ago (its
     * cursor saved just now, its lease still holding), nobody writes the file and the answers are counted at once;
     * its worker's process alive, the WAL is a live run's.
     */
    @Test
    void aWalBesideARunWhoseEveryWorkerIsGoneIsLeftBehindAtOnceThoughItsCursorIsFresh() throws Exception {
        Process alive = new ProcessBuilder("sleep", "60").start();
        Process killed = new ProcessBuilder("true").start();
        killed.waitFor();
        try {
            Path gone = workerKilledWith(30, killed.pid(), dir.resolve("worker killed"));
            Path going = workerKilledWith(30, alive.pid(), dir.resolve("worker alive"));

            FileAlone look = FileAlone.look(gone, Instant.now(), STALE_AFTER);

            long inCopyOfFileAlone = answersIn(copyAlone(gone, dir.resolve("cp")));
            assertThat(inCopyOfFileAlone).as("cp of the .db alone").isLessThan(30);
            assertThat(look.state()).isEqualTo(FileAlone.State.LEFT_BEHIND);
            assertThat(look.answersOnlyInWal()).isEqualTo(OptionalLong.of(30 - inCopyOfFileAlone));
            FileAlone live = FileAlone.look(going, Instant.now(), STALE_AFTER);
            assertThat(live.state()).isEqualTo(FileAlone.State.BEING_WRITTEN);
            assertThat(live.answersOnlyInWal()).isEmpty();
        } finally {
            alive.destroyForcibly();
        }
    }

    @Test
    void aWalBesideRunsThatAllEndedIsAnotherProgramsAndIsNotTakenForAStoppedStride() throws Exception {
        Path file = dir.resolve("ended.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file, LONG_AGO)) {
            long run = writeAnswers(store, 5);
            store.saveCursor(run, 1000, RunState.INTERRUPTED);
        }
        // A sqlite3 shell, say, that wrote and is still open: its commit is in the WAL.
        try (Connection shell = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = shell.createStatement()) {
            st.execute("UPDATE runs SET template = 'edited by hand'");
            FileAlone look = FileAlone.look(file, Instant.now(), STALE_AFTER);
            assertThat(look.state()).isEqualTo(FileAlone.State.HELD_ELSEWHERE);
            assertThat(look.whole()).isFalse();
            assertThat(look.walBytes()).isPositive();
            assertThat(look.answersOnlyInWal()).isEmpty();
        }
    }

    @Test
    void aNewDatabaseLeavesNoCommitInItsWalBeforeItsFirstRunSoAStrideKilledThenLeavesTheFileAloneWhole()
            throws Exception {
        Path file = dir.resolve("new.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file, LONG_AGO)) {
            // Still open, as a stride killed while it reads its first input leaves it: no run committed yet.
            assertThat(store.listRuns()).isEmpty();
            assertThat(WalFile.holdsCommits(file)).as("a commit in the WAL").isFalse();
            assertThat(FileAlone.look(file, Instant.now(), STALE_AFTER).state()).isEqualTo(FileAlone.State.WHOLE);
            try (Connection copy = DriverManager.getConnection("jdbc:sqlite:" + copyAlone(file, dir.resolve("cp")));
                 Statement st = copy.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM flyway_schema_history"
                         + " WHERE installed_on >= strftime('%Y-%m-%d', 'now', '-1 day')")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the file alone holds the history stamped with its making").isPositive();
            }
        }
    }

    @Test
    void aWalThatHoldsOnlyPagesOfATransactionThatNeverCommittedLeavesTheFileAloneWhole() throws Exception {
        Path file = dir.resolve("ingest.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file, LONG_AGO)) {
            long run = writeAnswers(store, 5);
            store.saveCursor(run, 1000, RunState.INTERRUPTED);
        }
        // A bulk insert bigger than the page cache spills its pages to the WAL before it commits; killed there.
        try (Connection ingest = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = ingest.createStatement()) {
            st.execute("PRAGMA cache_size = 10");
            st.execute("BEGIN IMMEDIATE");
            st.execute("CREATE TABLE filler (x TEXT)");
            st.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                    + " INSERT INTO filler SELECT hex(randomblob(200)) FROM n");
            Path crashed = crashImage(file, dir.resolve("killed in ingest"));
            assertThat(Files.size(WalFile.of(crashed))).as("spilled pages").isGreaterThan(40 * 4096);

            FileAlone look = FileAlone.look(crashed, Instant.now(), STALE_AFTER);

            assertThat(look.state()).isEqualTo(FileAlone.State.WHOLE);
            assertThat(look.whole()).isTrue();
            assertThat(answersIn(copyAlone(crashed, dir.resolve("cp")))).isEqualTo(answersThroughWal(crashed))
                    .isEqualTo(5);
        }
    }

    @Test
    void aWalIsReadAsSqliteReadsItAndItsFirstCommitCounts() throws Exception {
        Path crashed = killedWith(3, LONG_AGO, dir.resolve("crash"));
        assertThat(WalFile.holdsCommits(crashed)).isTrue();

        // The same frames with one byte of a page changed: the checksum breaks, the log ends before that frame.
        byte[] wal = Files.readAllBytes(WalFile.of(crashed));
        wal[32 + 24 + 100] ^= 1;
        Path damaged = Files.createDirectories(dir.resolve("damaged")).resolve("runs.db");
        Files.copy(crashed, damaged);
        Files.write(WalFile.of(damaged), wal);
        assertThat(WalFile.holdsCommits(damaged)).as("its first frame no longer counts").isFalse();

        Files.write(WalFile.of(damaged), Arrays.copyOf(wal, 32));
        assertThat(WalFile.holdsCommits(damaged)).as("a header alone").isFalse();
    }

    @Test
    void theNextWriterFoldsTheWalInSoTheFileAloneHoldsEveryAnswerAgain() throws Exception {
        Path crashed = killedWith(30, LONG_AGO, dir.resolve("crash"));
        long walBytes = Files.size(WalFile.of(crashed));
        long alone = answersIn(copyAlone(crashed, dir.resolve("before")));

        WalFold fold = WalFold.ifLeftBehind(crashed).orElseThrow();

        assertThat(fold.walBytes()).isEqualTo(walBytes);
        assertThat(fold.answers()).isEqualTo(OptionalLong.of(30 - alone));
        assertThat(WalFile.of(crashed)).doesNotExist();
        assertThat(WalFile.shmOf(crashed)).doesNotExist();
        assertThat(answersIn(copyAlone(crashed, dir.resolve("after")))).as("cp of the .db alone, after the fold")
                .isEqualTo(30);
        assertThat(FileAlone.look(crashed, Instant.now(), STALE_AFTER).state()).isEqualTo(FileAlone.State.WHOLE);
        assertThat(WalFold.ifLeftBehind(crashed)).as("nothing left to fold").isEmpty();
        assertThat(integrity(crashed)).isEqualTo("ok");
    }

    @Test
    void openingForWritingFoldsTheWalBeforeAnythingElse() throws Exception {
        Path crashed = killedWith(12, LONG_AGO, dir.resolve("crash"));
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(crashed)) {
            // While this writer is open, the file alone already holds every answer from before.
            assertThat(answersIn(copyAlone(crashed, dir.resolve("during")))).isEqualTo(12);
            assertThat(store.findRun("a").orElseThrow().done()).isEqualTo(12);
        }
    }

    @Test
    void noFoldWhileAnotherConnectionHasTheFileOpenAndTheLiveWriterGoesOnUnhindered() throws Exception {
        Path file = dir.resolve("live.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = writeAnswers(store, 5);
            String walBefore = digest(WalFile.of(file));
            assertThat(WalFold.ifLeftBehind(file)).isEmpty();
            assertThat(digest(WalFile.of(file))).isEqualTo(walBefore);
            store.savePrediction(run, recs(10).get(7), done("after the attempt"));
            store.saveCursor(run, 1, RunState.RUNNING);
        }

        // A crashed file with a reader (an idle sqlite3 shell, say) open on it: left as it is, until the reader goes.
        Path crashed = killedWith(8, LONG_AGO, dir.resolve("crash"));
        String walBefore = digest(WalFile.of(crashed));
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:file:" + crashed + "?mode=ro")) {
            assertThat(answersIn(reader)).isEqualTo(8);
            assertThat(WalFold.ifLeftBehind(crashed)).isEmpty();
            assertThat(digest(WalFile.of(crashed))).isEqualTo(walBefore);
        }
        assertThat(WalFold.ifLeftBehind(crashed)).isPresent();
        assertThat(answersIn(copyAlone(crashed, dir.resolve("after")))).isEqualTo(8);
    }

    @Test
    void aFileThatIsNotStridesIsNeverFolded() throws Exception {
        Path other = dir.resolve("notes.db");
        Path image;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other);
             Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode = WAL");
            st.execute("CREATE TABLE notes (text TEXT)");
            st.execute("INSERT INTO notes VALUES ('mine')");
            image = crashImage(other, dir.resolve("crash"));
        }
        String dbBefore = digest(image);
        String walBefore = digest(WalFile.of(image));
        assertThat(WalFold.ifLeftBehind(image)).isEmpty();
        assertThat(digest(image)).isEqualTo(dbBefore);
        assertThat(digest(WalFile.of(image))).isEqualTo(walBefore);
    }

    @Test
    void aCleanCloseLeavesTheFileAloneWholeEvenWithAnIdleReaderStillOpen() throws Exception {
        Path file = dir.resolve("clean.db");
        SqliteCheckpointStore store = SqliteCheckpointStore.open(file);
        writeAnswers(store, 20);
        // An idle reader, as a sqlite3 -readonly shell left open at its prompt.
        try (Connection idleReader = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro")) {
            assertThat(answersIn(idleReader)).isEqualTo(20);
            assertThat(Files.size(WalFile.of(file))).isPositive();
            store.close();
            // The reader keeps the WAL file open, but stride's close folded it in and truncated it.
            FileAlone look = FileAlone.look(file, Instant.now(), STALE_AFTER);
            assertThat(look.state()).isEqualTo(FileAlone.State.WHOLE);
            assertThat(look.walBytes()).isZero();
            assertThat(answersIn(copyAlone(file, dir.resolve("cp")))).isEqualTo(20);
        }
        assertThat(FileAlone.look(file, Instant.now(), STALE_AFTER).whole()).isTrue();
    }

    // --- helpers ---

    /**
     * A stride database as kill -9 leaves it: {@code answers} answers committed by a writer (with {@code clock}),
     * copied with its WAL while that writer is still open, into {@code into}.
     */
    private Path killedWith(int answers, Clock clock, Path into) throws Exception {
        Path file = dir.resolve("runs-" + answers + "-" + into.getFileName() + ".db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file, clock)) {
            writeAnswers(store, answers);
            return crashImage(file, into);
        }
    }

    /**
     * As {@link #killedWith}, written now by a worker of the run whose row names process {@code pid} of this machine
     * (its lease holding): the file as kill -9 of that worker leaves it, its cursor fresh.
     */
    private Path workerKilledWith(int answers, long pid, Path into) throws Exception {
        Path file = dir.resolve("worker-" + pid + ".db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("a"), recs(Math.max(answers, 10)).iterator());
            store.join(store.findRun("a").orElseThrow().id(), Duration.ofMinutes(10));
            writeAnswers(store, answers);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement st = c.createStatement()) {
                assertThat(st.executeUpdate("UPDATE workers SET pid = " + pid)).isOne();
            }
            return crashImage(file, into);
        }
    }

    private static long writeAnswers(SqliteCheckpointStore store, int answers) {
        List<InputRecord> input = recs(Math.max(answers, 10));
        store.syncRun(spec("a"), input.iterator());
        long run = store.findRun("a").orElseThrow().id();
        for (InputRecord r : input.subList(0, answers)) {
            store.savePrediction(run, r, done("out " + r.id()));
        }
        store.saveCursor(run, 1000, RunState.RUNNING);
        return run;
    }

    private static Path crashImage(Path file, Path into) throws Exception {
        Files.createDirectories(into);
        Path copy = into.resolve("runs.db");
        Files.copy(file, copy);
        Files.copy(WalFile.of(file), WalFile.of(copy));
        assertThat(Files.size(WalFile.of(copy))).as("the writer's WAL").isPositive();
        return copy;
    }

    /** What cp runs.db elsewhere gives: the file alone, without its WAL. */
    private static Path copyAlone(Path file, Path into) throws Exception {
        Files.createDirectories(into);
        Path copy = into.resolve("copy.db");
        Files.copy(file, copy);
        return copy;
    }

    private static long answersIn(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            return answersIn(c);
        }
    }

    private static long answersIn(Connection c) throws Exception {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'predictions'")) {
            rs.next();
            if (rs.getInt(1) == 0) {
                return 0;
            }
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM predictions WHERE status = 'done'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Through the WAL, read-only (a read-only connection never folds it in). */
    private static long answersThroughWal(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file.toUri().getRawPath() + "?mode=ro")) {
            return answersIn(c);
        }
    }

    private static String digest(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static String integrity(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
