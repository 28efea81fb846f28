package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stride.core.InputRecord;
import dev.stride.core.OutcomesPartlySavedException;
import dev.stride.core.RecordOutcome;
import dev.stride.core.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file deleted or replaced while the store writes it: SQLite goes on writing the file it opened, which no name
 * leads to. The next cursor save sees it (the name's file key is not the one opened), writes out what the connection
 * still reads (back at the name when nothing is there, beside it when another file is, into the fallback folder when
 * the folder went too), refuses every later write, and the copy holds every committed answer and goes on.
 */
class GoneFileTest {
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    private final List<InputRecord> input = recs(6);

    @AfterEach
    void fallbackBack() {
        SqliteCheckpointStore.rescueFallbacksTo();
        FileRescue.noRoomIn = folder -> false;
    }

    @Test
    void aDeletedFileIsWrittenBackWithEveryAnswerAndTheStoreTakesNoMoreWrites() throws Exception {
        Path file = dir.resolve("runs.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = threeAnswered(store);
            store.join(run, Duration.ofMinutes(1));
            assertThat(store.claim(run, -1, 2, false)).hasSize(2);
            Files.delete(file);
            store.savePrediction(run, input.get(3), done("a3")); // into the file no name leads to

            DatabaseGoneException gone = catchThrowableOfType(
                    () -> store.saveCursor(run, 10, RunState.RUNNING), DatabaseGoneException.class);

            assertThat(gone).hasMessage(file + " was deleted while the run wrote it: stopped; everything it held"
                    + " (4/6 done) is written back to " + file + ": run the same command again to go on");
            assertThat(gone.rescued()).isEqualTo(file);
            // The writer's own -wal and -shm, left at their names, would be read as the rescued file's log.
            assertThat(names(dir)).containsExactly("runs.db");
            assertThat(catchThrowableOfType(() -> store.savePrediction(run, input.get(4), done("a4")),
                    DatabaseGoneException.class)).hasMessage(gone.getMessage());
        }
        assertThat(answers(file)).containsExactly("r0", "r1", "r2", "r3");
        // A file nobody works on: this process's worker and its claims would hold the next session back.
        assertThat(query(file, "SELECT count(*) FROM workers")).isEqualTo("0");
        assertThat(query(file, "SELECT count(*) FROM claims")).isEqualTo("0");
        assertThat(query(file, "SELECT state FROM runs")).isEqualTo("interrupted");
        try (SqliteCheckpointStore again = SqliteCheckpointStore.open(file)) {
            long run = again.findRun("a").orElseThrow().id();
            again.savePrediction(run, input.get(4), done("a4"));
            assertThat(again.saveCursor(run, 20, RunState.RUNNING).done()).isEqualTo(5);
        }
    }

    @Test
    void aReplacedFileIsLeftAsItIsAndTheRunWrittenBesideItUnderAFreeName() throws Exception {
        Path file = dir.resolve("runs.db");
        Path other = dir.resolve("other.db");
        try (Connection c = Fixtures.jdbc(other); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE mine (x)");
            s.execute("INSERT INTO mine VALUES (42)");
        }
        byte[] otherBytes = Files.readAllBytes(other);
        Path taken = dir.resolve("runs.rescued-" + PID + ".db");
        Files.writeString(taken, "someone's");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = threeAnswered(store);
            Files.move(other, file, StandardCopyOption.REPLACE_EXISTING);

            DatabaseGoneException gone = catchThrowableOfType(() -> store.saveOutcomesWithCursor(run,
                    List.of(RecordOutcome.done(input.get(3), done("a3"))), 10, RunState.RUNNING),
                    OutcomesPartlySavedException.class).failure() instanceof DatabaseGoneException g ? g : null;

            Path rescued = dir.resolve("runs.rescued-" + PID + "-2.db");
            assertThat(gone).isNotNull();
            assertThat(gone).hasMessage(file + " was replaced by another file while the run wrote it: stopped; that"
                    + " file is left as it is, and everything the run held (4/6 done) is written to " + rescued
                    + ": move it back over " + file + " to go on");
            assertThat(gone.rescued()).isEqualTo(rescued);
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(otherBytes);
        assertThat(Files.readString(taken)).isEqualTo("someone's");
        assertThat(names(dir)).containsExactlyInAnyOrder("runs.db", taken.getFileName().toString(),
                "runs.rescued-" + PID + "-2.db");
        assertThat(answers(dir.resolve("runs.rescued-" + PID + "-2.db"))).containsExactly("r0", "r1", "r2", "r3");
    }

    @Test
    void aFileGoneWithItsFolderIsWrittenToTheFallbackFolder() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("del"));
        Path fallback = Files.createDirectory(dir.resolve("here"));
        SqliteCheckpointStore.rescueFallbacksTo(fallback);
        Path file = folder.resolve("runs.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = threeAnswered(store);
            deleteTree(folder);

            DatabaseGoneException gone = catchThrowableOfType(
                    () -> store.saveLastCursor(run, 10, RunState.INTERRUPTED, null), DatabaseGoneException.class);

            Path rescued = fallback.resolve("runs.rescued-" + PID + ".db");
            assertThat(gone).hasMessage(file + " was deleted with its folder while the run wrote it: stopped;"
                    + " everything it held (3/6 done) is written to " + rescued + ": move it to " + file
                    + " (or name it with --db) and run the same command again to go on");
        }
        assertThat(names(fallback)).containsExactly("runs.rescued-" + PID + ".db");
        assertThat(answers(fallback.resolve("runs.rescued-" + PID + ".db"))).containsExactly("r0", "r1", "r2");
    }

    /** Its folder full (as the disk it is on), the run goes to the current folder, and that one full, to the temporary one. */
    @Test
    void aRescueWithNoRoomInItsFolderGoesToTheCurrentThenTheTemporaryFolder() throws Exception {
        Path here = Files.createDirectory(dir.resolve("here"));
        Path temp = Files.createDirectory(dir.resolve("temp"));
        SqliteCheckpointStore.rescueFallbacksTo(here, temp);
        Path file = dir.resolve("runs.db");
        Path other = dir.resolve("runs2.db");
        FileRescue.noRoomIn = folder -> folder.equals(dir);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file);
             SqliteCheckpointStore second = SqliteCheckpointStore.open(other)) {
            long run = threeAnswered(store);
            long run2 = threeAnswered(second);
            Files.delete(file);
            Files.delete(other);

            DatabaseGoneException gone = catchThrowableOfType(
                    () -> store.saveCursor(run, 10, RunState.RUNNING), DatabaseGoneException.class);
            FileRescue.noRoomIn = folder -> folder.equals(dir) || folder.equals(here);
            DatabaseGoneException gone2 = catchThrowableOfType(
                    () -> second.saveCursor(run2, 10, RunState.RUNNING), DatabaseGoneException.class);

            Path rescued = here.resolve("runs.rescued-" + PID + ".db");
            assertThat(gone).hasMessage(file + " was deleted while the run wrote it: stopped; everything it held"
                    + " (3/6 done) is written to " + rescued + ": move it to " + file
                    + " (or name it with --db) and run the same command again to go on");
            assertThat(gone2.rescued()).isEqualTo(temp.resolve("runs2.rescued-" + PID + ".db"));
        }
        assertThat(names(dir)).containsExactlyInAnyOrder("here", "temp");
        assertThat(answers(here.resolve("runs.rescued-" + PID + ".db"))).containsExactly("r0", "r1", "r2");
        assertThat(answers(temp.resolve("runs2.rescued-" + PID + ".db"))).containsExactly("r0", "r1", "r2");
    }

    /** Nowhere with room: the line names every folder tried and the next step (the run starts over). */
    @Test
    void aRescueWithNoRoomAnywhereSaysWhereItTriedAndWhatToDo() throws Exception {
        Path here = Files.createDirectory(dir.resolve("here"));
        Path temp = Files.createDirectory(dir.resolve("temp"));
        SqliteCheckpointStore.rescueFallbacksTo(here, temp);
        FileRescue.noRoomIn = folder -> true;
        Path file = dir.resolve("runs.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = threeAnswered(store);
            Files.delete(file);

            DatabaseGoneException gone = catchThrowableOfType(
                    () -> store.saveCursor(run, 10, RunState.RUNNING), DatabaseGoneException.class);

            assertThat(gone).hasMessage(file + " was deleted while the run wrote it: stopped; what it held could not"
                    + " be written in any of " + dir + ", " + here + ", " + temp + " (" + dir
                    + ": No space left on device), so its answers are lost: free space and run the same command"
                    + " again: the run starts over");
            assertThat(gone.rescued()).isNull();
        }
        assertThat(names(here)).isEmpty();
        assertThat(names(temp)).isEmpty();
    }

    @Test
    void aFileStillAtItsNameIsNotRescued() throws Exception {
        Path file = dir.resolve("runs.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = threeAnswered(store);
            store.saveLastCursor(run, 10, RunState.INTERRUPTED, null);
        }
        assertThat(names(dir)).containsExactly("runs.db");
    }

    /**
     * A dangling link as --db: SQLite makes its target, whose key there was none of before the open. The target
     * replaced is seen, and the run written beside it.
     */
    @Test
    void aLinkedFileMadeByTheOpenIsWatchedAtItsTarget() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path target = real.resolve("t.db");
        Path link = Files.createSymbolicLink(dir.resolve("l.db"), target);
        Path other = dir.resolve("other.db");
        try (Connection c = Fixtures.jdbc(other); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE mine (x)");
        }
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(link)) {
            long run = threeAnswered(store);
            Files.move(other, target, StandardCopyOption.REPLACE_EXISTING);

            DatabaseGoneException gone = catchThrowableOfType(
                    () -> store.saveCursor(run, 10, RunState.RUNNING), DatabaseGoneException.class);

            assertThat(gone).isNotNull();
            assertThat(gone.rescued()).isEqualTo(real.resolve("t.rescued-" + PID + ".db"));
        }
        assertThat(answers(real.resolve("t.rescued-" + PID + ".db"))).containsExactly("r0", "r1", "r2");
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    /**
     * A link to an existing file: SQLite keeps the -wal and -shm beside the target, which are the ones removed when
     * the target is deleted, and the run is written back at the target, where the link leads again.
     */
    @Test
    void aLinkedFileDeletedIsWrittenBackAtItsTargetWithoutItsSideFiles() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path target = real.resolve("t.db");
        SqliteCheckpointStore.open(target).close();
        Path link = Files.createSymbolicLink(dir.resolve("l.db"), target);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(link)) {
            long run = threeAnswered(store);
            assertThat(names(real)).containsExactly("t.db", "t.db-shm", "t.db-wal");
            Files.delete(target);

            DatabaseGoneException gone = catchThrowableOfType(
                    () -> store.saveCursor(run, 10, RunState.RUNNING), DatabaseGoneException.class);

            assertThat(gone).isNotNull();
            assertThat(gone.rescued()).isEqualTo(target);
        }
        assertThat(names(real)).containsExactly("t.db");
        assertThat(names(dir)).containsExactly("l.db", "real");
        assertThat(answers(link)).containsExactly("r0", "r1", "r2");
    }

    /** The link removed, its target intact: nothing is lost, the run goes on in the target and nothing is made. */
    @Test
    void aLinkRemovedWhileItsTargetStaysIsNoLoss() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path target = real.resolve("t.db");
        Path link = Files.createSymbolicLink(dir.resolve("l.db"), target);
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(link)) {
            long run = threeAnswered(store);
            Files.delete(link);

            store.savePrediction(run, input.get(3), done("a3"));
            assertThat(store.saveLastCursor(run, 10, RunState.INTERRUPTED, null).done()).isEqualTo(4);
        }
        assertThat(names(dir)).containsExactly("real");
        assertThat(names(real)).containsExactly("t.db");
        assertThat(answers(target)).containsExactly("r0", "r1", "r2", "r3");
    }

    private long threeAnswered(SqliteCheckpointStore store) {
        store.syncRun(spec("a"), input.iterator());
        long run = store.findRun("a").orElseThrow().id();
        for (int i = 0; i < 3; i++) {
            store.savePrediction(run, input.get(i), done("a" + i));
        }
        store.saveCursor(run, 5, RunState.RUNNING);
        return run;
    }

    private static List<String> answers(Path file) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT record_id FROM predictions ORDER BY record_id")) {
            List<String> ids = new java.util.ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            return ids;
        }
    }

    private static String query(Path file, String sql) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void deleteTree(Path folder) throws Exception {
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
