package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power loss, replayed. What survives one is what was synced: {@code strace} records every write the real
 * {@code stride run} makes to the database and its WAL (with the bytes), every truncation and every completed
 * fsync. From that record the two files are rebuilt as a disk would hold them after the power went at a chosen
 * moment: each file with only the changes its last completed sync had covered (sqlite.org/pragma.html
 * #pragma_synchronous, wal.html). Opened, the result must pass {@code integrity_check} and hold every answer below
 * the cursor the process had committed by then.
 *
 * <p>The moments are the quiet points between two commits (the last one finished, the next not begun), after every
 * commit that was followed by a sync and after every few others, so a cursor commit that stopped syncing is caught
 * even when nothing syncs. This machine has no layer that drops unsynced writes for real (no dm-log-writes, no
 * lazyfs); the model is the simplest loss a disk can cause, not every reordering a disk may do, and leaves out
 * directory entries (SQLite syncs the folder after creating the WAL). A new database is put in place by a hard link of
 * a copy of stride's empty database, written and synced under another name that strace does not follow: the link
 * gives the file the template's bytes, durable from then on.
 *
 * <p>strace is required: missing, it skips the tests on a developer machine and fails them in CI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class PowerLossIT {
    private static final int TOTAL = 600;
    private static final int SAVE_INTERVAL = 10;
    /** Besides the moments after a synced commit, every this many commits is also a moment of power loss. */
    private static final int EVERY = 7;
    private static final String TRACED =
            "trace=pwrite64,write,writev,pwritev,pwritev2,fsync,fdatasync,ftruncate,unlink,unlinkat,rename,renameat,"
                    + "renameat2,link,linkat,openat";
    /** What a new database starts as: stride's copy of the empty one, linked into place (EmptyDatabaseTemplate). */
    private static final String TEMPLATE = "/dev/stride/db/new-database.sqlite";

    private final MockWebServer server = new MockWebServer();
    private Path dir;
    private String dbPath;
    private String walPath;
    private String folderPath;
    private WriteTrace trace;
    private byte[] template;

    @BeforeAll
    void traceARun(@TempDir Path tempDir) throws Exception {
        RequiredTool.require("what a power loss leaves", "strace", "-V");
        dir = tempDir;
        server.setDispatcher(new FakeModelServer());
        server.start();
        // strace names files by their real path.
        Path home = dir.toRealPath();
        Path db = home.resolve("runs.db");
        dbPath = db.toString();
        walPath = dbPath + "-wal";
        folderPath = home.toString();
        Path input = questions(home, "q.jsonl", TOTAL);
        Path out = home.resolve("trace.txt");
        // -xx: every byte as \xNN; -s: whole pages; -P: only calls on the two files and their folder (its syncs), as
        // the JVM writes much else.
        List<String> strace = List.of("strace", "-f", "-qq", "-y", "-xx", "-s", "1000000", "--seccomp-bpf", "-e",
                "signal=none", "-e", TRACED, "-P", dbPath, "-P", walPath, "-P", folderPath, "-o", out.toString());
        try (StrideProcess run = StrideProcess.startUnder(home, "traced", strace, List.of("run", input.toString(),
                "--db", dbPath, "--model", "m", "--base-url", server.url("/v1").toString(), "--template",
                "Q: {{question}}", "--log-every", "0", "--concurrency", "1", "--save-interval",
                Integer.toString(SAVE_INTERVAL)))) {
            assertThat(run.waitForExit(Duration.ofSeconds(600))).as(run.transcript()).isZero();
        }
        trace = WriteTrace.read(out, Set.of(dbPath, walPath, folderPath));
        try (var in = PowerLossIT.class.getResourceAsStream(TEMPLATE)) {
            assertThat(in).as("the new-database template on the classpath").isNotNull();
            template = in.readAllBytes();
        }
    }

    @AfterAll
    void stopServer() throws Exception {
        server.close();
    }

    @Test
    void aPowerLossBetweenAnyTwoCommitsKeepsEveryAnswerBelowTheLastCursor() throws Exception {
        List<Cut> cuts = cuts();
        FileReplay processDb = new FileReplay(trace, dbPath, this::linkedBytes);
        FileReplay processWal = new FileReplay(trace, walPath, this::linkedBytes);
        FileReplay diskDb = new FileReplay(trace, dbPath, this::linkedBytes);
        FileReplay diskWal = new FileReplay(trace, walPath, this::linkedBytes);
        long largestCursor = 0;
        long largestLoss = 0;
        int synced = 0;
        for (Cut cut : cuts) {
            processDb.advanceTo(cut.line());
            processWal.advanceTo(cut.line());
            diskDb.advanceTo(Math.max(lastSyncCalledBefore(dbPath, cut.line()), afterLinkBefore(cut.line())));
            diskWal.advanceTo(lastSyncCalledBefore(walPath, cut.line()));
            Path folder = Files.createDirectories(dir.resolve("cut-" + cut.line()));
            Seen process = open(folder.resolve("process"), processDb, processWal, 0);
            Seen disk = open(folder.resolve("disk"), diskDb, diskWal, process.cursor());
            String at = cut + ", the process had committed " + process;

            assertThat(process.integrity()).as("a crash %s", at).isEqualTo("ok");
            assertThat(disk.integrity()).as("a power loss %s", at).isEqualTo("ok");
            assertThat(disk.ownAnswersBelow()).as("answers below the cursor after a power loss %s; on disk: %s", at,
                    disk).isEqualTo(process.cursor());
            assertThat(disk.cursor()).as("the cursor after a power loss %s", at).isEqualTo(process.cursor());
            assertThat(disk.done()).as("the done counter after a power loss %s", at).isEqualTo(disk.doneRows());
            if (cut.afterSync()) {
                assertThat(disk.done()).as("answers after a power loss %s, right after a sync", at)
                        .isEqualTo(process.done());
                synced++;
            }
            largestCursor = Math.max(largestCursor, process.cursor());
            largestLoss = Math.max(largestLoss, process.done() - disk.done());
            deleteTree(folder);
        }
        assertThat(largestCursor).as("the cursor the cuts reached").isEqualTo(TOTAL);
        System.out.printf(Locale.ROOT, "PowerLossIT: %d moments of power loss replayed from the trace (%d right after"
                        + " a sync of the WAL): integrity ok and every answer below the cursor kept at each; at most"
                        + " %d committed answers above the cursor lost%n", cuts.size(), synced, largestLoss);
    }

    @Test
    void cursorCommitsSyncTheWalAndPerRecordCommitsDoNot() {
        List<Cut> cuts = cuts();
        Cut end = cuts.get(cuts.size() - 1);
        long commits = end.commit();
        long synced = cuts.stream().filter(c -> c != end && c.afterSync()).count();
        long walSyncs = trace.syncs().stream().filter(s -> s.path().equals(walPath)).count();
        long dbSyncs = trace.syncs().stream().filter(s -> s.path().equals(dbPath)).count();
        int cursorCommits = TOTAL / SAVE_INTERVAL;
        assertThat(commits).as("commits: one per answer, one per cursor, a few for the schema and the input")
                .isGreaterThan(TOTAL + cursorCommits);
        // Every cursor commit syncs the WAL (so do checkpoints, a 5-second cursor save now and then, and the last
        // save); if the per-answer commits synced too, there would be more than one sync per two commits.
        assertThat(synced).as("commits followed by a sync of the WAL").isGreaterThanOrEqualTo(cursorCommits)
                .isLessThan(commits / 2);
        System.out.printf(Locale.ROOT, "PowerLossIT: %d per-record commits and %d cursor commits made %d commits in"
                + " all, %d of them followed by a sync of the WAL; %d fsyncs of the WAL and %d of the database file"
                + "%n", TOTAL, cursorCommits, commits, synced, walSyncs, dbSyncs);
    }

    /**
     * The name a new database is linked to is synced in its folder before SQLite opens the file: placed, it is durable.
     * (SQLite syncs the folder itself soon after, when it makes its first rollback journal, so this is the only order
     * that tells stride's own sync from SQLite's.)
     */
    @Test
    void aNewDatabasesNameIsSyncedInItsFolderBeforeSqliteOpensIt() {
        int linked = trace.changes().stream().filter(c -> c instanceof WriteTrace.Link && c.path().equals(dbPath))
                .mapToInt(WriteTrace.Change::at).findFirst()
                .orElseThrow(() -> new AssertionError("no link made " + dbPath + " from stride's empty database"));
        int opened = trace.opens().stream().filter(o -> o.path().equals(dbPath) && o.at() > linked)
                .mapToInt(WriteTrace.Open::at).min()
                .orElseThrow(() -> new AssertionError(dbPath + " was never opened after it was linked"));
        List<WriteTrace.Sync> folderSyncs = trace.syncs().stream().filter(s -> s.path().equals(folderPath)).toList();

        assertThat(folderSyncs).as("syncs of %s; the database was linked at trace line %d and first opened at line %d",
                folderPath, linked, opened).anySatisfy(s -> assertThat(s.called() > linked && s.returned() < opened)
                        .as("called at line %d, returned at line %d", s.called(), s.returned()).isTrue());
    }

    /**
     * A moment of power loss: before trace line {@code line}, {@code commit} commits in; {@code afterSync} if the
     * WAL was synced since the last of them.
     */
    private record Cut(int line, int commit, boolean afterSync) {
        @Override
        public String toString() {
            return line == Integer.MAX_VALUE ? "after the process ended"
                    : "after commit " + commit + " (trace line " + line + (afterSync ? ", after a sync" : "") + ")";
        }
    }

    /**
     * The quiet moments: just before the first write to the WAL that follows a commit (the commit's frames and
     * any sync written, the next transaction not yet begun), for each commit that a sync followed and each
     * {@link #EVERY}th, and the end.
     */
    private List<Cut> cuts() {
        List<WriteTrace.Sync> walSyncs = trace.syncs().stream().filter(s -> s.path().equals(walPath)).toList();
        List<Cut> cuts = new ArrayList<>();
        int commits = 0;
        int committedAt = -1; // the line of the last commit's final write, until the next write to the WAL
        boolean commitFrame = false;
        for (WriteTrace.Change c : trace.changes()) {
            if (!(c instanceof WriteTrace.Write w) || !w.path().equals(walPath)) {
                continue;
            }
            if (committedAt >= 0) {
                int from = committedAt;
                boolean synced = walSyncs.stream().anyMatch(s -> s.called() > from && s.returned() < w.at());
                if (synced || commits % EVERY == 0) {
                    cuts.add(new Cut(w.at(), commits, synced));
                }
                committedAt = -1;
            }
            if (commitFrame) {
                // The page after a commit frame's header ends the commit.
                commits++;
                committedAt = w.at();
                commitFrame = false;
            } else if (w.data().length == 24 && w.offset() >= 32) {
                // A frame header; bytes 4-7 hold the database size after a commit, 0 in other frames (wal.html).
                commitFrame = w.data()[4] != 0 || w.data()[5] != 0 || w.data()[6] != 0 || w.data()[7] != 0;
            }
        }
        cuts.add(new Cut(Integer.MAX_VALUE, commits, true));
        return cuts;
    }

    /** The line at which the last sync of {@code path} that had returned by {@code line} was called; 0 if none. */
    private int lastSyncCalledBefore(String path, int line) {
        return trace.syncs().stream().filter(s -> s.path().equals(path) && s.returned() < line)
                .mapToInt(WriteTrace.Sync::called).max().orElse(0);
    }

    /**
     * Just after the link that made the database file, if it returned before {@code line}; 0 if none. Its bytes were
     * synced under their first name before the link (EmptyDatabaseTemplate), so a disk holds them from then on.
     */
    private int afterLinkBefore(int line) {
        return trace.changes().stream().filter(c -> c instanceof WriteTrace.Link && c.at() < line)
                .mapToInt(c -> c.at() + 1).max().orElse(0);
    }

    /** The bytes a traced link put in place: only stride's new-database template is ever linked. */
    private byte[] linkedBytes(WriteTrace.Link link) {
        assertThat(link.from()).as("what was linked to %s", link.path()).startsWith(dbPath + ".new-");
        return template;
    }

    /** What a user would look at in a database: is it sound, where is the cursor, how many answers. */
    private record Seen(String integrity, long cursor, long done, long doneRows, long ownAnswersBelow) {
        @Override
        public String toString() {
            return "cursor " + cursor + ", " + done + " done";
        }
    }

    /** Writes the two files into {@code folder} as they are in the replays and opens them as SQLite would. */
    private static Seen open(Path folder, FileReplay db, FileReplay wal, long below) throws Exception {
        Files.createDirectories(folder);
        Path file = folder.resolve("runs.db");
        db.writeTo(file);
        wal.writeTo(folder.resolve("runs.db-wal"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            String integrity = String.join("; ", strings(s, "PRAGMA integrity_check"));
            if (strings(s, "SELECT name FROM sqlite_master WHERE name = 'runs'").isEmpty()
                    || strings(s, "SELECT run_id FROM runs").isEmpty()) {
                return new Seen(integrity, 0, 0, 0, 0); // lost before the run was created: nothing was promised
            }
            long cursor = number(s, "SELECT low_watermark FROM runs");
            long done = number(s, "SELECT done FROM runs");
            long doneRows = number(s, "SELECT count(*) FROM predictions WHERE status = 'done'");
            try (PreparedStatement own = c.prepareStatement("SELECT count(*) FROM records r JOIN predictions p"
                    + " ON p.run_id = r.run_id AND p.record_id = r.record_id WHERE r.seq < ? AND p.status = 'done'"
                    + " AND p.output = 'echo: Q: question ' || substr(r.record_id, 2)")) {
                own.setLong(1, below);
                try (ResultSet rs = own.executeQuery()) {
                    rs.next();
                    return new Seen(integrity, cursor, done, doneRows, rs.getLong(1));
                }
            }
        }
    }

    private static List<String> strings(Statement s, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static long number(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void deleteTree(Path folder) throws Exception {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
