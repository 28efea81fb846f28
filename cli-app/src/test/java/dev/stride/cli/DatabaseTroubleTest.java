package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database troubles a user meets, seen as the user sees them: {@code stride run} stops before sending any
 * request, prints one line naming the file, the cause and what to do, exits with 4; once the cause is fixed the same
 * command goes on with nothing lost. Disk full and the read-only folder use a real small tmpfs (root only; skipped
 * with the reason otherwise).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DatabaseTroubleTest {
    private static final String RUN = "qwen-medical-lora-251106-f16";

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();
    private final List<Path> mounted = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounted) {
            Commands.exitCode("umount", "-l", m.toString());
        }
    }

    private Cli.Result run(Path input, Path db, String... more) {
        return stride.run(input, db).model(RUN).template("Q: {{question}}").noProgress().with(more);
    }

    /**
     * /dev/null is no folder and no SQLite file: said as what it is (SQLite alone called it a disk failure on a run,
     * and a foreign SQLite file on a look). An empty name (an unset variable in a script) is a usage error of --db.
     */
    @Test
    void aDeviceOrAnEmptyNameAsTheDatabaseIsSaidAsWhatItIs() throws Exception {
        Path input = questions(dir, "q.jsonl", 3);
        String device = "stride: /dev/null is not a regular file (a device, a pipe or a socket), so it cannot hold a"
                + " SQLite database; name a file instead\n";

        Cli.Result run = run(input, Path.of("/dev/null"));
        Cli.Result status = stride.cli.run("status", "--db", "/dev/null");

        assertRefused(run, 0, "/dev/null");
        assertThat(run.err()).isEqualTo(device);
        assertThat(status.exitCode()).as(status.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(status.err()).isEqualTo(device);
        for (Cli.Result blank : List.of(stride.cli.run("status", "--db", ""), stride.cli.run("run", input.toString(),
                "--db", "", "--model", "m", "--base-url", stride.url()))) {
            assertThat(blank.exitCode()).as(blank.all()).isEqualTo(ExitCodes.USAGE);
            assertThat(blank.err()).startsWith("stride: --db needs a file name (or a postgresql:// URL), and was given"
                    + " an empty one\n");
        }
        Cli.Result from = stride.cli.run("copy", "--from", "", "--to", dir.resolve("x.db").toString());
        assertThat(from.exitCode()).as(from.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(from.err()).startsWith("stride: --from needs a file name");
        assertThat(stride.cli.run("merge", "--to", "", dir.resolve("a.db").toString()).err())
                .startsWith("stride: --to needs a file name");
        assertThat(stride.model.requests.get()).isZero();
    }

    /** Exit 4, one line on stderr that starts with "stride: " and holds every given part, no request sent. */
    private void assertRefused(Cli.Result r, int requestsBefore, String... parts) {
        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("stride: ").contains(parts);
        assertThat(stride.model.requests.get()).as("no request sent").isEqualTo(requestsBefore);
    }

    private void assertComplete(Path db, int total) throws Exception {
        assertThat(query(db, "PRAGMA integrity_check")).containsExactly(Map.of("integrity_check", "ok"));
        assertThat(count(db, "SELECT count(*) FROM predictions")).isEqualTo(total);
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done' AND output = 'echo: Q: question '"
                + " || substr(id, 2)")).isEqualTo(total);
        assertThat(stride.model.promptList()).as("each record asked once over all sessions").doesNotHaveDuplicates();
    }

    /**
     * An empty file holds no run: score says so as export does, in one line (not Flyway's forty of it creating
     * tables), and leaves the file empty.
     */
    @Test
    void scoreAndClearOnAnEmptyFileLeaveItEmpty() throws Exception {
        Path db = Files.createFile(dir.resolve("empty.db"));

        Cli.Result score = stride.cli.run("score", "--db", db.toString(), "--label-field", "answer");
        Cli.Result export = stride.cli.run("export", "--db", db.toString());

        assertThat(score.exitCode()).as(score.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(score.err()).isEqualTo("stride: " + db + " is a SQLite database but not a stride checkpoint"
                + " file\n").isEqualTo(export.err());
        assertThat(Files.size(db)).isZero();

        // Nothing to clear in it either, and no reason to give it stride's tables to say so.
        Cli.Result all = stride.cli.run("clear", "--db", db.toString(), "--all", "--yes");
        Cli.Result one = stride.cli.run("clear", "--db", db.toString(), "--run", "m", "--yes");
        assertThat(all.exitCode()).as(all.all()).isZero();
        assertThat(all.out()).contains("Cleared 0 runs");
        assertThat(one.exitCode()).as(one.all()).isEqualTo(ExitCodes.USAGE);
        assertThat(Files.size(db)).isZero();
    }

    @Test
    void aFileThatIsNotSqliteIsNamedAndLeftAlone() throws Exception {
        Path input = questions(dir, "q.jsonl", 10);
        Path db = dir.resolve("answers.db");
        Files.writeString(db, "id,answer\n1,yes\n");

        assertRefused(run(input, db), 0, db + " is not a SQLite database", "check the file named");
        assertThat(Files.readString(db)).isEqualTo("id,answer\n1,yes\n");
    }

    @Test
    void aDamagedDatabaseStopsBeforeAnyRequestAndACopyResumesWithNothingLost() throws Exception {
        Path input = questions(dir, "q.jsonl", 400);
        Path db = dir.resolve("runs.db");
        stride.model.pressingCtrlCAt(150, stride.cli);
        assertThat(run(input, db).exitCode()).isEqualTo(ExitCodes.INTERRUPTED);
        Path copy = dir.resolve("copy.db");
        assertThat(stride.cli.run("snapshot", "--db", db.toString(), copy.toString()).exitCode()).isZero();
        long done = count(copy, "SELECT done FROM progress");
        assertThat(done).isGreaterThanOrEqualTo(150);

        // Garbage over every page but the first (the header and the schema stay readable).
        long size = Files.size(db);
        try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
            byte[] junk = new byte[4096];
            java.util.Arrays.fill(junk, (byte) 0x5a);
            for (long at = 4096; at < size; at += 8192) {
                f.seek(at);
                f.write(junk);
            }
        }
        int before = stride.model.requests.get();
        assertRefused(run(input, db), before, db + " is damaged", "stride snapshot", ".recover");

        // The fix: the copy. It resumes where the snapshot was taken.
        Cli.Result resumed = run(input, copy);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).contains("Resuming '" + RUN + "' from checkpoint: " + done + "/400 done");
        assertComplete(copy, 400);
    }

    @Test
    void aDatabaseOfANewerStrideIsRefusedAndGoesOnOnceItIsKnown() throws Exception {
        Path input = questions(dir, "q.jsonl", 100);
        Path db = dir.resolve("runs.db");
        stride.model.pressingCtrlCAt(40, stride.cli);
        assertThat(run(input, db).exitCode()).isEqualTo(ExitCodes.INTERRUPTED);
        String future = "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                + " checksum, installed_by, execution_time, success) VALUES (99, '99', 'from the future', 'SQL',"
                + " 'V99__from_the_future.sql', 0, 'stride', 1, 1)";
        sql(db, future);
        int before = stride.model.requests.get();
        assertRefused(run(input, db), before, db + " was written by a newer stride", "schema version 99",
                "use that stride or a newer one");

        sql(db, "DELETE FROM flyway_schema_history WHERE version = '99'"); // as if this stride knew V99
        Cli.Result resumed = run(input, db);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertComplete(db, 100);
    }

    @Test
    void aReadOnlyFolderIsRefusedBeforeAnyRequestAndTheRunGoesOnOnceItIsWritable() throws Exception {
        Path folder = tmpfs("ro", "16m");
        Path input = questions(dir, "q.jsonl", 200);
        Path db = folder.resolve("runs.db");
        stride.model.pressingCtrlCAt(60, stride.cli);
        assertThat(run(input, db).exitCode()).isEqualTo(ExitCodes.INTERRUPTED);
        long done = count(db, "SELECT done FROM progress");

        Commands.exitCode("mount", "-o", "remount,ro", folder.toString());
        int before = stride.model.requests.get();
        assertRefused(run(input, db), before, db + " is read-only", "make it writable");
        // stride status only reads: it still works on the read-only disk.
        Cli.Result status = stride.cli.run("status", "--db", db.toString());
        assertThat(status.exitCode()).as(status.all()).isZero();
        assertThat(status.out()).contains(done + "/200");

        Commands.exitCode("mount", "-o", "remount,rw", folder.toString());
        Cli.Result resumed = run(input, db);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).contains("Resuming '" + RUN + "' from checkpoint: " + done + "/200 done");
        assertComplete(db, 200);
    }

    @Test
    void aReadOnlyFileIsRefusedBeforeAnyRequest() throws Exception {
        Path input = questions(dir, "q.jsonl", 50);
        Path db = dir.resolve("runs.db");
        stride.model.pressingCtrlCAt(20, stride.cli);
        assertThat(run(input, db).exitCode()).isEqualTo(ExitCodes.INTERRUPTED);
        boolean root = "root".equals(System.getProperty("user.name"));
        // Root writes through file permissions; the immutable attribute stops root too (ext4, not tmpfs).
        if (root) {
            assumeTrue(Commands.exitCode("chattr", "+i", db.toString()) == 0, "chattr +i does not work on " + dir);
        } else {
            assertThat(db.toFile().setWritable(false)).isTrue();
        }
        try {
            int before = stride.model.requests.get();
            assertRefused(run(input, db), before, db + " is read-only", "chmod u+w");
        } finally {
            if (root) {
                Commands.exitCode("chattr", "-i", db.toString());
            } else {
                db.toFile().setWritable(true);
            }
        }
        Cli.Result resumed = run(input, db);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertComplete(db, 50);
    }

    /**
     * A real small disk: the run fills it halfway (SQLITE_FULL), stops with the one line and exit 4; run again on the
     * full disk, it stops before any request; with space freed, it finishes, nothing lost and nothing asked twice.
     */
    @Test
    void aFullDiskStopsTheRunWithOneLineAndTheRunGoesOnOnceThereIsSpace() throws Exception {
        Path folder = tmpfs("small", "64m");
        int total = 1500;
        Path input = bigQuestions(total);
        Path db = folder.resolve("runs.db");
        stride.model.pressingCtrlCAt(100, stride.cli);
        Cli.Result first = run(input, db);
        assertThat(first.exitCode()).as(first.all()).isEqualTo(ExitCodes.INTERRUPTED);

        // Leave 1 MB above the start threshold: the run starts, then its outputs (6 KB each) fill the disk.
        long free = Files.getFileStore(folder).getUsableSpace();
        Path filler = folder.resolve("filler");
        long fill = free - 9L * 1024 * 1024;
        try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
            byte[] block = new byte[1 << 20];
            for (long written = 0; written < fill; written += block.length) {
                f.write(block, 0, (int) Math.min(block.length, fill - written));
            }
        }
        Cli.Result full = run(input, db);
        assertThat(full.exitCode()).as(full.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(full.err()).as(full.err()).startsWith("stride: ")
                .contains("the disk holding " + db + " is full", "free some space there");
        assertThat(full.err().strip().lines()).as(full.err()).hasSize(1);
        int asked = stride.model.requests.get();
        assertThat(asked).as("the disk filled during the run").isGreaterThan(100);
        assertThat(query(db, "PRAGMA integrity_check")).containsExactly(Map.of("integrity_check", "ok"));
        long doneWhenFull = count(db, "SELECT count(*) FROM results WHERE status = 'done'");

        Cli.Result stillFull = run(input, db);
        assertRefused(stillFull, asked, "the disk holding " + db + " is full");

        Files.delete(filler);
        Cli.Result resumed = run(input, db);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        // What the full disk left in runs.db-wal is folded in now, and said with the full disk among the causes (the
        // run could store no reason of its stop: it was stored as running, as after kill -9).
        assertThat(resumed.err()).as(resumed.all()).contains(" that a stride stopped before it could fold them in"
                + " (kill -9, a second Ctrl+C, a crash, a power loss, a full disk) left only in " + db + "-wal are now"
                + " folded into " + db + ", which alone holds everything again.");
        assertThat(resumed.out()).contains("Resuming '" + RUN + "' from checkpoint: "
                + String.format(Locale.ROOT, "%,d/%,d", doneWhenFull, total));
        assertThat(query(db, "PRAGMA integrity_check")).containsExactly(Map.of("integrity_check", "ok"));
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done' AND output = 'echo: Q: ' ||"
                + " json_extract(input, '$.question')")).isEqualTo(total);
        // Asked twice: at most the requests in flight when the disk filled (concurrency 8) and the answers queued
        // for the writer (one save interval, 10).
        assertThat(stride.model.requests.get() - total).isBetween(0, 8 + 10);
        System.out.printf("DatabaseTroubleTest disk full: %d done when SQLITE_FULL stopped the run after %d"
                + " requests; rerun on the full disk refused before any request; after freeing space %d/%d done,"
                + " %d requests asked again%n", doneWhenFull, asked, total, total, stride.model.requests.get() - total);
    }

    /**
     * A new --db on a disk its input alone fills (12 MB of input, a 12 MB disk), or with less room than a run needs to
     * start: the store's line said "everything saved so far is kept" and "go on from a copy: stride snapshot --db
     * new.db COPY.db", which then found no such database. The file is gone (or never made): the line says so and what
     * to do, exit 4 still, no request sent.
     */
    @ParameterizedTest(name = "a disk of {0}")
    @CsvSource({
        "12m, '[SQLITE_FULL] ', 'was new and the run could not be stored in it, so it was removed and nothing was kept'",
        "1m, 'KB free, a run needs 8 MB', 'was not created and nothing was kept'"})
    void aNewDatabaseItsInputAloneFillsSaysNothingWasKept(String size, String reason, String what) throws Exception {
        Path folder = tmpfs("small", size);
        Path input = bigQuestions(2000);
        Path db = folder.resolve("new.db");

        Cli.Result full = run(input, db);

        assertThat(full.exitCode()).as(full.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(full.err().strip().lines()).as(full.err()).hasSize(1);
        assertThat(full.err()).as(full.err()).startsWith("stride: the disk holding " + db + " is full (")
                .contains(reason).endsWith("): " + db + " " + what + "; free some space there, or give a --db on a"
                        + " disk with room, and run the same command again\n")
                .doesNotContain("snapshot").doesNotContain("saved");
        assertThat(stride.model.requests.get()).isZero();
        try (var left = Files.list(folder)) {
            assertThat(left).as("nothing left in the folder").isEmpty();
        }
    }

    /**
     * The disk fills during a run and the user goes on elsewhere, as the line says: stride could not fold its WAL into
     * runs.db on the full disk, so runs.db alone (what "move the file", the line's old advice, moved) was no longer
     * the database, and read as damaged. The snapshot the line names holds every answer, and the run finishes from
     * it with none asked twice beyond those lost in flight.
     */
    @Test
    void aFullDiskRunGoesOnFromTheCopyItsLineNames() throws Exception {
        Path folder = tmpfs("full", "64m");
        int total = 1500;
        Path input = bigQuestions(total);
        Path db = folder.resolve("runs.db");
        stride.model.pressingCtrlCAt(100, stride.cli);
        assertThat(run(input, db).exitCode()).isEqualTo(ExitCodes.INTERRUPTED);
        long fill = Files.getFileStore(folder).getUsableSpace() - 9L * 1024 * 1024;
        try (RandomAccessFile f = new RandomAccessFile(folder.resolve("filler").toFile(), "rw")) {
            byte[] block = new byte[1 << 20];
            for (long written = 0; written < fill; written += block.length) {
                f.write(block, 0, (int) Math.min(block.length, fill - written));
            }
        }

        Cli.Result full = run(input, db);

        assertThat(full.exitCode()).as(full.all()).isEqualTo(ExitCodes.DATABASE);
        String copyCommand = "stride snapshot --db " + db + " COPY.db, then --db COPY.db";
        assertThat(full.err()).as(full.err()).contains("the disk holding " + db + " is full", copyCommand,
                "not cp or mv of " + db + " alone: its last answers may be only in " + db + "-wal");
        assertThat(StrideProcess.walSize(db)).as("what runs.db alone lacks, left in its WAL on the full disk")
                .isPositive();
        Cli.Result status = stride.cli.run("status", "--db", db.toString());
        assertThat(status.all()).as("no sqlite3 shell to blame").contains(db + " alone is not whole: its latest"
                + " commits are in " + db + "-wal (").contains("which could not be folded into it because the disk"
                + " holding them is full");
        long doneWhenFull = count(db, "SELECT count(*) FROM results WHERE status = 'done'");
        int asked = stride.model.requests.get();

        Path copy = dir.resolve("copy.db");
        Cli.Result snapshot = stride.cli.run("snapshot", "--db", db.toString(), copy.toString());
        assertThat(snapshot.exitCode()).as(snapshot.all()).isZero();
        Cli.Result resumed = run(input, copy);
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.out()).contains("Resuming '" + RUN + "' from checkpoint: "
                + String.format(Locale.ROOT, "%,d/%,d", doneWhenFull, total));
        assertThat(query(copy, "PRAGMA integrity_check")).containsExactly(Map.of("integrity_check", "ok"));
        assertThat(count(copy, "SELECT count(*) FROM results WHERE status = 'done' AND output = 'echo: Q: ' ||"
                + " json_extract(input, '$.question')")).isEqualTo(total);
        assertThat(stride.model.requests.get() - asked).as("asked after the copy").isEqualTo(total - doneWhenFull);
    }

    /**
     * {@code stride snapshot} to a disk that is full: the line named the database being copied ("the disk holding
     * runs.db is full ... free some space there"), which had room, with exit 4; then the copy, in the OS's bare words
     * ("No space left on device"), exit 1. It names the copy, says its disk is full and what to do, exits 4 as copy
     * --to does, and leaves nothing there.
     */
    @Test
    void aSnapshotToAFullDiskNamesTheCopyNotTheDatabase() throws Exception {
        Path db = dir.resolve("runs.db");
        Cli.Result done = run(questions(dir, "q.jsonl", 300), db);
        assertThat(done.exitCode()).as(done.all()).isZero();
        Path full = tmpfs("tiny", "16k");
        Path copy = full.resolve("copy.db");

        Cli.Result r = stride.cli.run("snapshot", "--db", db.toString(), copy.toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(r.err()).isEqualTo("stride: " + fullNew(copy));
        try (var left = Files.list(full)) {
            assertThat(left).as("nothing left on the full disk").isEmpty();
        }
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done'")).isEqualTo(300);
    }

    /**
     * {@code export -o} and {@code report -o} onto a full disk said only the OS's words, exit 1. One line names the
     * file, says its disk is full and what to do, exit 4 as copy --to; a new FILE is not created, an existing one is
     * left as it was (not replaced by a truncated one), and no hidden partial file stays behind.
     */
    @Test
    void anExportOrReportToAFullDiskNamesTheFileAndLeavesNothingHalfWritten() throws Exception {
        Path db = dir.resolve("runs.db");
        Cli.Result done = run(questions(dir, "q.jsonl", 300), db);
        assertThat(done.exitCode()).as(done.all()).isZero();
        Path full = tmpfs("tiny", "16k");

        for (String command : List.of("export", "report")) {
            Path made = full.resolve(command + "-new.out");
            Cli.Result fresh = stride.cli.run(command, "--db", db.toString(), "-o", made.toString());
            assertThat(fresh.exitCode()).as(fresh.all()).isEqualTo(ExitCodes.DATABASE);
            assertThat(fresh.err()).as(command).isEqualTo("stride: " + fullNew(made));
            assertThat(made).doesNotExist();

            Path kept = Files.writeString(full.resolve(command + "-old.out"), "the last one\n");
            Cli.Result into = stride.cli.run(command, "--db", db.toString(), "-o", kept.toString());
            assertThat(into.exitCode()).as(into.all()).isEqualTo(ExitCodes.DATABASE);
            assertThat(into.err()).as(command).isEqualTo("stride: the disk holding " + kept + " is full (No space"
                    + " left on device): " + kept + " is as it was (nothing of this was written to it); free some"
                    + " space there, or write it to another disk, and run the same command again\n");
            assertThat(kept).hasContent("the last one");
            try (var left = Files.list(full)) {
                assertThat(left).as("only the file that was there").containsExactly(kept);
            }
            Files.delete(kept);
        }
    }

    private static String fullNew(Path file) {
        return "the disk holding " + file + " is full (No space left on device): " + file + " was not created and"
                + " nothing of it is left; free some space there, or write it to another disk, and run the same"
                + " command again\n";
    }

    /**
     * {@code stride copy} into a disk with room for the copy's commit but not for folding its WAL into the file as the
     * store closes: the copy was whole, yet the plain disk-full line said to free space and run the same command
     * again, which then refused ("already has a run 'm', so nothing was copied"). A new --to is now written under a
     * partial name and named only when whole: one whose WAL cannot be folded in is not, so it is not created, the
     * line says so (not "saved in NAME.partial-PID", a file gone with the failure), and the same command, with room
     * made, copies it; exit 4 still.
     */
    @Test
    void aNewCopyWhoseFileCannotBeFoldedAsItClosesIsNotCreatedAndSaysSo() throws Exception {
        int total = 1000;
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < total; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"question\":\"").append(i).append(' ')
                    .append("y".repeat(3000)).append("\"}\n");
        }
        Path input = Files.writeString(dir.resolve("padded.jsonl"), s, StandardCharsets.UTF_8);
        Path source = dir.resolve("runs.db");
        Cli.Result done = run(input, source);
        assertThat(done.exitCode()).as(done.all()).isZero();
        // Room for the WAL that holds the copy (about the source's size), not for the file it is folded into too.
        Path folder = tmpfs("dest", (Files.size(source) * 14 / 10 / 1024) + "k");
        Path dest = folder.resolve("copy.db");

        Cli.Result copy = stride.cli.run("copy", "--from", source.toString(), "--to", dest.toString());

        // A new --to is named only once it is a file of its own: a copy that needs its WAL beside it is not, and
        // the line must not send the reader to the partial file it was written in, which went with the failure.
        assertThat(copy.exitCode()).as(copy.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(copy.err().strip().lines()).as(copy.err()).hasSize(1);
        assertThat(copy.err()).startsWith("stride: the disk holding " + dest + " is full (")
                .contains(dest + " was not created and nothing of it is left").doesNotContain(".partial-");
        try (var left = Files.list(folder)) {
            assertThat(left).as("nothing left in the folder").isEmpty();
        }
        assertThat(Commands.exitCode("mount", "-o", "remount,size=64m", folder.toString())).as("room made").isZero();
        Cli.Result again = stride.cli.run("copy", "--from", source.toString(), "--to", dest.toString());
        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(count(dest, "SELECT count(*) FROM results WHERE status = 'done' AND output = 'echo: Q: ' ||"
                + " json_extract(input, '$.question')")).as("the copy made again").isEqualTo(total);
    }

    /**
     * A disk that fills while a new --to is written, or has too little room to start one: the store's line named the
     * partial file the copy is written in (NAME.partial-PID, gone with the failure) as where "everything saved so far
     * is kept", and sent the reader to snapshot it. The line names --to and says it was not created; nothing is
     * left; exit 4 still.
     */
    @ParameterizedTest(name = "a disk of {0}")
    @CsvSource({
        "12m, 'the disk holding %s is full ([SQLITE_FULL] '",
        "4m, 'the disk holding %s is full ('"})
    void aNewCopyOnADiskWithoutRoomIsNotCreatedAndTheLineNamesIt(String size, String start) throws Exception {
        Path source = dir.resolve("runs.db");
        Cli.Result done = run(questions(dir, "q.jsonl", 3), source);
        assertThat(done.exitCode()).as(done.all()).isZero();
        Datasets.addAnsweredRecords(source, 30_000); // over 20 MB: more than either disk holds
        Path folder = tmpfs("small", size);
        Path dest = folder.resolve("copy.db");

        Cli.Result copy = stride.cli.run("copy", "--from", source.toString(), "--to", dest.toString());

        assertThat(copy.exitCode()).as(copy.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(copy.err().strip().lines()).as(copy.err()).hasSize(1);
        assertThat(copy.err()).startsWith("stride: " + start.formatted(dest))
                .contains(dest + " was not created and nothing of it is left; free some space there and run the"
                        + " same command again")
                .doesNotContain(".partial-").doesNotContain("saved");
        try (var left = Files.list(folder)) {
            assertThat(left).as("nothing left in the folder").isEmpty();
        }
    }

    /**
     * The same disks under a merge, and under an --to that exists with a run of its own (it takes a copy or a merge in
     * one transaction, so it is as it was). A merge's line named the shard being read as the file whose disk was full
     * (its read wrapped the merged file's failed write), and an existing --to got the store's line for a run ("go on
     * from a copy on a disk with room: stride snapshot ...", "everything saved so far is kept"). The line names --to
     * and says what became of it; exit 4 still.
     */
    @ParameterizedTest(name = "{0} into {1} file on a disk of {2}")
    @CsvSource({
        "merge, a new, 12m, 'the disk holding %s is full ([SQLITE_FULL] '",
        "merge, a new, 4m, 'the disk holding %s is full ('",
        "copy, an existing, 12m, 'the disk holding %s is full ([SQLITE_FULL] '",
        "copy, an existing, 4m, 'the disk holding %s is full ('",
        "merge, an existing, 12m, 'the disk holding %s is full ([SQLITE_FULL] '"})
    void aFullDiskIsSaidOfTheDestinationAndWhatBecameOfIt(String command, String which, String size, String start)
            throws Exception {
        boolean existing = which.equals("an existing");
        Path folder = tmpfs("small", size);
        Path dest = folder.resolve("runs.db");
        byte[] before = null;
        if (existing) {
            Path other = dir.resolve("other.db");
            Cli.Result first = stride.run(questions(dir, "other.jsonl", 2), other).model("other")
                    .template("Q: {{question}}").noProgress().with();
            assertThat(first.exitCode()).as(first.all()).isZero();
            Files.copy(other, dest);
            before = Files.readAllBytes(dest);
        }
        Path source = dir.resolve("runs.db");
        Cli.Result done = command.equals("merge") ? run(questions(dir, "q.jsonl", 3), source, "--shard", "0/1")
                : run(questions(dir, "q.jsonl", 3), source);
        assertThat(done.exitCode()).as(done.all()).isZero();
        Datasets.addAnsweredRecords(source, 30_000); // over 20 MB: more than either disk holds

        Cli.Result result = command.equals("merge")
                ? stride.cli.run("merge", "--to", dest.toString(), source.toString())
                : stride.cli.run("copy", "--from", source.toString(), "--to", dest.toString());

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(result.err().strip().lines()).as(result.err()).hasSize(1);
        assertThat(result.err()).startsWith("stride: " + start.formatted(dest))
                .doesNotContain(source.toString()).doesNotContain("snapshot").doesNotContain("saved");
        if (existing) {
            assertThat(result.err()).contains("nothing of the " + command + " was written to " + dest + ", which is"
                    + " as it was; free some space there and run the same command again");
            assertThat(Files.readAllBytes(dest)).as("--to as it was").isEqualTo(before);
            Cli.Result status = stride.cli.run("status", "--db", dest.toString());
            assertThat(status.out()).as(status.all()).contains("other").doesNotContain(RUN);
        } else {
            assertThat(result.err()).contains(dest + " was not created and nothing of it is left; free some space"
                    + " there and run the same command again");
            try (var left = Files.list(folder)) {
                assertThat(left).as("nothing left in the folder").isEmpty();
            }
        }
    }

    private Path tmpfs(String name, String size) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(name));
        assumeTrue(Commands.exitCode("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", folder.toString()) == 0,
                "cannot mount a tmpfs here (needs root): " + name + " skipped");
        mounted.add(folder);
        return folder;
    }

    /** {@code total} records of 6 kB each, so that a run fills a small disk in a few hundred answers. */
    private Path bigQuestions(int total) throws IOException {
        StringBuilder s = new StringBuilder();
        String padding = "x".repeat(6000);
        for (int i = 0; i < total; i++) {
            s.append("{\"id\":\"q").append(i).append("\",\"question\":\"").append(i).append(' ').append(padding)
                    .append("\"}\n");
        }
        Path input = dir.resolve("big.jsonl");
        Files.writeString(input, s, StandardCharsets.UTF_8);
        return input;
    }


    private static void sql(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
