package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.RunInfo;
import dev.stride.core.TemporaryFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A new database written beside its name and given it only when whole, on real files. */
class StagedDatabaseTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static void writeARun(Path file) {
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            store.syncRun(spec("m"), recs(5).iterator());
        }
    }

    @Test
    void theDatabaseHasItsNameOnlyOncePutInPlaceAndNothingElseStays() throws IOException {
        Path target = dir.resolve("out.db");
        try (StagedDatabase staged = StagedDatabase.beside(target)) {
            writeARun(staged.file());
            assertThat(target).doesNotExist();
            assertThat(staged.file().getFileName().toString()).startsWith("out.db.partial-");

            staged.putInPlace();
        }

        assertThat(names()).containsExactly("out.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.openReadOnly(target)) {
            assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly("m");
        }
    }

    /** An error, a refusal or a stop: the command closes it without putting it in place. */
    @Test
    void closedUnplacedItLeavesNothing() throws IOException {
        try (StagedDatabase staged = StagedDatabase.beside(dir.resolve("out.db"))) {
            writeARun(staged.file());
            assertThat(names()).isNotEmpty();
        }

        assertThat(names()).isEmpty();
    }

    /**
     * What a kill -9 leaves (a partial database and its WAL, named with a pid no process has) is neither taken for
     * the result nor in the next attempt's way, and that attempt removes it: it used to stay for good.
     */
    @Test
    void aPartialFileOfAKilledProcessIsRemovedByTheNextAttempt() throws IOException {
        Path target = dir.resolve("out.db");
        long dead = deadPid();
        leftLongAgo(dir.resolve("out.db.partial-" + dead));
        leftLongAgo(dir.resolve("out.db.partial-" + dead + "-wal"));
        leftLongAgo(dir.resolve("out.db.partial-999999999-journal"));

        try (StagedDatabase staged = StagedDatabase.beside(target)) {
            writeARun(staged.file());
            staged.putInPlace();
        }

        assertThat(names()).containsExactly("out.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.openReadOnly(target)) {
            assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly("m");
        }
    }

    /**
     * A partial file whose process still runs is that process's copy in progress (two copies to one target at once):
     * it stays, as do files that only look alike (another target's, a name that is no pid).
     */
    @Test
    void aPartialFileOfARunningProcessAndOtherNamesStay() throws Exception {
        Process running = new ProcessBuilder("sleep", "600").start();
        try {
            List<String> kept = List.of("out.db.partial-" + running.pid(), "out.db.partial-" + running.pid() + "-wal",
                    "out.db.partial-copy", "out.db.partial-12x", "other.db.partial-999999999",
                    "out.db.partial-999999999.bak");
            for (String name : kept) {
                Files.writeString(dir.resolve(name), "theirs", StandardCharsets.UTF_8);
            }

            try (StagedDatabase staged = StagedDatabase.beside(dir.resolve("out.db"))) {
                writeARun(staged.file());
                staged.putInPlace();
            }

            assertThat(names()).containsExactlyInAnyOrderElementsOf(
                    Stream.concat(kept.stream(), Stream.of("out.db")).toList());
        } finally {
            running.destroyForcibly().waitFor();
        }
    }

    /**
     * A pid this machine does not run may be a process of another machine writing into a shared folder: its files,
     * changed within the last minute (here: the WAL), are its work in progress and stay, the main file with them.
     */
    @Test
    void aPartialFileOfAnUnseenProcessThatChangedLatelyStays() throws Exception {
        long dead = deadPid();
        leftLongAgo(dir.resolve("out.db.partial-" + dead));
        Files.writeString(dir.resolve("out.db.partial-" + dead + "-wal"), "being written", StandardCharsets.UTF_8);

        try (StagedDatabase staged = StagedDatabase.beside(dir.resolve("out.db"))) {
            writeARun(staged.file());
            staged.putInPlace();
        }

        assertThat(names()).containsExactlyInAnyOrder("out.db", "out.db.partial-" + dead,
                "out.db.partial-" + dead + "-wal");
    }

    /** A snapshot is staged under the same name: it removes what a killed snapshot (or copy) of its target left. */
    @Test
    void aSnapshotRemovesAKilledOnesPartialFile() throws IOException {
        Path source = dir.resolve("runs.db");
        writeARun(source);
        long dead = deadPid();
        leftLongAgo(dir.resolve("snap.db.partial-" + dead));

        SqliteCheckpointStore.snapshot(source, dir.resolve("snap.db"), () -> false);

        assertThat(names()).contains("snap.db").noneMatch(name -> name.contains(".partial-"));
    }

    /** A partial file as a kill -9 leaves it: not changed since, for longer than the quiet minute. */
    private static void leftLongAgo(Path file) throws IOException {
        Files.writeString(file, "half", StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(TemporaryFiles.LEFTOVER_QUIET).minusSeconds(5)));
    }

    /**
     * A file made at the snapshot's name while the snapshot was being written (another snapshot or copy of it) is
     * never replaced: the snapshot is refused, the file is as that other process left it, and nothing else is left.
     */
    @Test
    void aSnapshotNeverReplacesAFileMadeAtItsNameMeanwhile() throws IOException {
        Path source = dir.resolve("runs.db");
        writeARun(source);
        Path target = dir.resolve("snap.db");

        assertThatThrownBy(() -> SqliteCheckpointStore.snapshot(source, target, () -> {
            try {
                if (!Files.exists(target)) {
                    Files.writeString(target, "another process's", StandardCharsets.UTF_8); // while it is written
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return false;
        })).isInstanceOf(StoreException.class).hasMessageContaining("snap.db");

        assertThat(Files.readString(target)).isEqualTo("another process's");
        assertThat(names()).contains("snap.db").noneMatch(name -> name.contains(".partial-"));
    }

    /** The pid of a process that has ended: one this test started and waited for. */
    private static long deadPid() throws IOException {
        Process p = new ProcessBuilder("true").start();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return p.pid();
    }

    /** Another stride made the file while this one was written: that one is kept, this attempt refused. */
    @Test
    void aFileMadeAtTheNameMeanwhileIsNeverReplaced() throws IOException {
        Path target = dir.resolve("out.db");
        try (StagedDatabase staged = StagedDatabase.beside(target)) {
            writeARun(staged.file());
            try (SqliteCheckpointStore other = SqliteCheckpointStore.open(target)) {
                other.syncRun(spec("theirs"), recs(2).iterator());
            }

            assertThatThrownBy(staged::putInPlace).isInstanceOf(TransferRefusedException.class)
                    .hasMessageContaining("out.db was created by another process");
        }

        assertThat(names()).containsExactly("out.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.openReadOnly(target)) {
            assertThat(store.listRuns()).extracting(RunInfo::name).containsExactly("theirs");
        }
    }
}
