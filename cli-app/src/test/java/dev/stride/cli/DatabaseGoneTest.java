package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.query;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walk's bad machine: the database deleted ({@code rm runs.db}) or replaced ({@code mv other.db runs.db}) while a
 * run writes it. SQLite wrote on into the file no name led to, and the run said "Done" with exit 0 and nothing on
 * disk. Now the run stops at its next cursor, says in one line where everything it held is written (back at the name,
 * or beside the file that took it), exits 4, and the same command on that file finishes the run, asking again only
 * what was not in it. The file goes while the run is going: the fake server removes it as it is asked the 30th
 * record.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DatabaseGoneTest {
    private static final int RECORDS = 120;
    private static final Pattern HELD = Pattern.compile("\\((\\d+)/120 done\\)");

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private Cli.Result run(Path input, Path db) {
        return stride.run(input, db).template("Q: {{question}}").noProgress().with("--concurrency", "2",
                "--save-interval", "5");
    }

    /** Does {@code what} to the file system as the {@code n}th request comes in. */
    private void atRequest(int n, IoAction what) {
        AtomicInteger seen = new AtomicInteger();
        stride.model.answering(prompt -> {
            if (seen.incrementAndGet() == n) {
                try {
                    what.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return null;
        });
    }

    @Test
    void aDeletedFileStopsTheRunAndIsWrittenBackWithEveryStoredAnswer() throws Exception {
        Path input = questions(dir, "q.jsonl", RECORDS);
        Path db = dir.resolve("runs.db");
        atRequest(30, () -> Files.delete(db));

        Cli.Result gone = run(input, db);

        assertThat(gone.exitCode()).as(gone.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(gone.err().strip().lines()).as(gone.err()).hasSize(1);
        assertThat(gone.err()).startsWith("stride: " + db + " was deleted while the run wrote it: stopped; everything"
                + " it held (").endsWith(" done) is written back to " + db + ": run the same command again to go on\n");
        long held = held(gone);
        assertThat(held).isBetween(25L, (long) RECORDS - 1);
        // Every answer the session stored is in the file written back: none was lost with the deleted one.
        assertThat(gone.out()).contains("Outcomes:  " + held + " done, 0 failed");
        assertThat(count(db, "SELECT count(*) FROM predictions")).isEqualTo(held);
        assertThat(Files.exists(Path.of(db + "-wal"))).isFalse();

        goesOnToTheEnd(input, db, held);
    }

    @Test
    void aReplacedFileIsLeftAsItIsAndTheRunIsWrittenBesideIt() throws Exception {
        Path input = questions(dir, "q.jsonl", RECORDS);
        Path db = dir.resolve("runs.db");
        Path other = Datasets.anotherProgramsDatabase(dir.resolve("other.db"));
        byte[] theirs = Files.readAllBytes(other);
        atRequest(30, () -> Files.move(other, db, StandardCopyOption.REPLACE_EXISTING));

        Cli.Result gone = run(input, db);

        Path rescued = dir.resolve("runs.rescued-" + ProcessHandle.current().pid() + ".db");
        assertThat(gone.exitCode()).as(gone.all()).isEqualTo(ExitCodes.DATABASE);
        assertThat(gone.err().strip().lines()).as(gone.err()).hasSize(1);
        assertThat(gone.err()).startsWith("stride: " + db + " was replaced by another file while the run wrote it:"
                + " stopped; that file is left as it is, and everything the run held (").endsWith(" done) is written"
                + " to " + rescued + ": move it back over " + db + " to go on\n");
        // Not even the run's WAL is left beside it, which would have been read as its log.
        assertThat(Files.readAllBytes(db)).isEqualTo(theirs);
        assertThat(Files.exists(Path.of(db + "-wal"))).isFalse();
        assertThat(Files.exists(Path.of(db + "-shm"))).isFalse();
        assertThat(query(db, "SELECT text FROM notes")).containsExactly(Map.of("text", "keep me"));
        long held = held(gone);
        assertThat(count(rescued, "SELECT count(*) FROM predictions")).isEqualTo(held);

        Files.move(rescued, db, StandardCopyOption.REPLACE_EXISTING);
        goesOnToTheEnd(input, db, held);
    }

    private static long held(Cli.Result r) {
        Matcher m = HELD.matcher(r.err());
        assertThat(m.find()).as(r.err()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The same command finishes the run, asking only the records the file did not hold: each is answered once. */
    private void goesOnToTheEnd(Path input, Path db, long held) throws Exception {
        Set<String> stored = new HashSet<>();
        for (Map<String, Object> row : query(db, "SELECT record_id FROM predictions")) {
            stored.add("Q: question " + ((String) row.get("record_id")).substring(1));
        }
        assertThat(stored).hasSize((int) held);
        stride.model.answering(prompt -> null);
        int askedBefore = stride.model.promptList().size();

        Cli.Result rerun = run(input, db);

        assertThat(rerun.exitCode()).as(rerun.all()).isZero();
        assertThat(rerun.out()).contains("Done: 'm' 120/120");
        List<String> askedNow = stride.model.promptList().subList(askedBefore, stride.model.promptList().size());
        assertThat(askedNow).doesNotContainAnyElementsOf(stored).doesNotHaveDuplicates().hasSize(RECORDS - (int) held);
        assertThat(count(db, "SELECT count(*) FROM results WHERE status = 'done' AND output = 'echo: Q: question '"
                + " || substr(id, 2)")).isEqualTo(RECORDS);
        assertThat(query(db, "PRAGMA integrity_check")).containsExactly(Map.of("integrity_check", "ok"));
    }

    private interface IoAction {
        void run() throws IOException;
    }
}
