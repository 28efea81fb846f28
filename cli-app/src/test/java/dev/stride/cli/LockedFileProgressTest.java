package dev.stride.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.DatabaseOutage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import org.junit.jupiter.api.Test;

/**
 * What the progress shows while another connection holds the SQLite file's write lock (the store waits for it as long
 * as it is held), and when the WAL grows behind another connection's read transaction.
 */
class LockedFileProgressTest {
    private static final String REASON = "[SQLITE_BUSY] The database file is locked (database is locked)";

    private static DatabaseOutage held(long lastedSeconds) {
        return DatabaseOutage.fileLocked("runs.db", Duration.ofSeconds(lastedSeconds), REASON);
    }

    /** 120 of 200 done by an earlier session; a line every 10 s, on a clock the test moves. */
    private static ProgressReporter lines(StringWriter out, Messages messages, AtomicLong clock) {
        return new ProgressReporter(new PrintWriter(out), "m", 200, 120, 0, Duration.ofSeconds(10),
                ProgressReporter.Mode.LINES, null, false, messages, clock::get);
    }

    /**
     * Said at once, then not at each --log-every (the lock may be held over lunch) but about once a minute, and in
     * place of the usual line: its ETA, counted at a pace that stands still, grew without bound meanwhile.
     */
    @Test
    void aHeldFileIsSaidAtOnceThenAboutOnceAMinuteInsteadOfAnEtaAndItsEndToo() {
        StringWriter out = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ProgressReporter progress = lines(out, Messages.ENGLISH, clock);

        progress.databaseUnreachable(held(3));
        for (int s = 1; s <= 65; s++) { // told each second, ticked as often
            clock.addAndGet(Duration.ofSeconds(1).toNanos());
            progress.databaseUnreachable(held(3 + s));
            progress.tick();
        }
        progress.databaseBack(DatabaseOutage.fileLocked("runs.db", Duration.ofSeconds(70), null));
        progress.close();

        String waiting = "m: 120/200 done (60.0%), waiting for runs.db: another connection holds a write (a sqlite3"
                + " shell after BEGIN?) for ";
        assertThat(out.toString()).startsWith(
                waiting + "3.0s; answers are kept meanwhile, Ctrl+C stops\n"
                        + waiting + "1m03s; answers are kept meanwhile, Ctrl+C stops\n"
                        + "m: runs.db is free again after 1m10s held by another connection; going on\n");
        assertThat(out.toString()).doesNotContain("ETA", "unreachable");
    }

    /** A sibling worker folding its log in holds the file too: the line names that, not a sqlite3 shell. */
    @Test
    void aFileHeldByAnotherConnectionsCheckpointIsSaidAsAFold() {
        StringWriter out = new StringWriter();
        ProgressReporter progress = lines(out, Messages.ENGLISH, new AtomicLong());

        progress.databaseUnreachable(DatabaseOutage.fileFolding("runs.db", Duration.ofSeconds(3), REASON));

        assertThat(out.toString()).isEqualTo("m: 120/200 done (60.0%), waiting for runs.db: another connection (another"
                + " stride worker of this file?) is folding the log into it while readers finish, for 3.0s; answers"
                + " are kept meanwhile, Ctrl+C stops\n");
    }

    @Test
    void inChineseToo() {
        StringWriter out = new StringWriter();
        ProgressReporter progress = lines(out, Messages.of(Locale.CHINESE), new AtomicLong());

        progress.databaseUnreachable(held(20));
        progress.databaseBack(DatabaseOutage.fileLocked("runs.db", Duration.ofSeconds(41), null));

        assertThat(out.toString()).isEqualTo(
                "m：已完成 120/200 条（60.0%），正在等待 runs.db：另一个连接持有写锁已 20.0s（是否有 sqlite3 shell 执行了"
                        + " BEGIN？）；期间收到的结果会保留，按 Ctrl+C 停止\n"
                        + "m：runs.db 在被另一个连接占用 41.0s 后已释放；继续处理\n");
    }

    /**
     * A lock on a PostgreSQL table that another session holds (LOCK TABLE, VACUUM FULL, a long transaction): said as a
     * wait for that lock, not as a SQLite shell's write nor as a server away, in both languages.
     */
    @Test
    void aLockOnAPostgresServerIsSaidAsSuchInBothLanguages() {
        String reason = "ERROR: canceling statement due to lock timeout";
        StringWriter en = new StringWriter();
        ProgressReporter progress = lines(en, Messages.ENGLISH, new AtomicLong());
        progress.databaseUnreachable(DatabaseOutage.serverLocked("db:5432", Duration.ofSeconds(3), reason));
        progress.databaseBack(DatabaseOutage.serverLocked("db:5432", Duration.ofSeconds(8), null));

        assertThat(en.toString()).isEqualTo("m: 120/200 done (60.0%), waiting for a lock on PostgreSQL db:5432 that"
                + " another session holds (another stride command syncing a changed input or clearing, LOCK TABLE,"
                + " VACUUM FULL, a long transaction?) for 3.0s; answers are kept"
                + " meanwhile, Ctrl+C stops\n"
                + "m: the lock on PostgreSQL db:5432 was let go after 8.0s; going on\n");

        StringWriter zh = new StringWriter();
        progress = lines(zh, Messages.of(Locale.CHINESE), new AtomicLong());
        progress.databaseUnreachable(DatabaseOutage.serverLocked("db:5432", Duration.ofSeconds(3), reason));
        progress.databaseBack(DatabaseOutage.serverLocked("db:5432", Duration.ofSeconds(8), null));

        assertThat(zh.toString()).isEqualTo("m：已完成 120/200 条（60.0%），正在等待 PostgreSQL db:5432 上另一个会话持有的锁"
                + "（是否有另一条 stride 命令在同步改动的输入或清除、LOCK TABLE、VACUUM FULL 或长事务？），已 3.0s；期间收到的结果会保留，按 Ctrl+C 停止\n"
                + "m：PostgreSQL db:5432 上的锁在 8.0s 后已释放；继续处理\n");
    }

    @Test
    void onATerminalTheBarSaysIt() {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(screen, true, StandardCharsets.UTF_8);
        ProgressReporter progress = new ProgressReporter(new PrintWriter(new StringWriter()), "m", 200, 120, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.BAR, new ConsoleProgressBarConsumer(terminal, 160),
                true);

        progress.databaseUnreachable(held(35));

        assertThat(screen.toString(StandardCharsets.UTF_8))
                .contains("waiting for runs.db: another connection holds a write for 35.0s");
        progress.close();

        ByteArrayOutputStream pgScreen = new ByteArrayOutputStream();
        ProgressReporter pg = new ProgressReporter(new PrintWriter(new StringWriter()), "m", 200, 120, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.BAR,
                new ConsoleProgressBarConsumer(new PrintStream(pgScreen, true, StandardCharsets.UTF_8), 160), true);
        pg.databaseUnreachable(DatabaseOutage.serverLocked("db:5432", Duration.ofSeconds(6), "lock timeout"));
        assertThat(pgScreen.toString(StandardCharsets.UTF_8))
                .contains("waiting for a lock on PostgreSQL db:5432 that another session holds, for 6.0s");
        pg.close();
    }

    @Test
    void aWalPinnedByAReaderIsOneLineThatNamesItsSizeTheCauseAndWhatToDo() {
        StringWriter out = new StringWriter();
        ProgressReporter progress = lines(out, Messages.ENGLISH, new AtomicLong());

        progress.databaseLogPinned("data/runs.db-wal", 33L << 20);

        assertThat(out.toString()).isEqualTo("m: data/runs.db-wal has grown to 33.0 MB, and no checkpoint can fold it"
                + " into data/runs.db: another connection keeps a read transaction open on an old snapshot (a sqlite3"
                + " shell after BEGIN; SELECT ...?). Nothing is lost, but it grows with every answer until that"
                + " transaction ends: end it (COMMIT, or quit that shell)\n");
    }

    /**
     * --quiet hides progress ("no progress bar or lines"), not why nothing moves: a held file, a database server away
     * and a pinned WAL are each said, once at their start and once at their end, and nothing between.
     */
    @Test
    void quietStillSaysWhyNothingMovesOnceAtItsStartAndOnceAtItsEnd() {
        StringWriter out = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ProgressReporter progress = new ProgressReporter(new PrintWriter(out), "m", 200, 120, 0,
                Duration.ofSeconds(10), ProgressReporter.Mode.QUIET, null, false, Messages.ENGLISH, clock::get);

        progress.databaseUnreachable(held(3));
        for (int s = 1; s <= 65; s++) {
            clock.addAndGet(Duration.ofSeconds(1).toNanos());
            progress.databaseUnreachable(held(3 + s));
            progress.tick();
        }
        progress.databaseBack(DatabaseOutage.fileLocked("runs.db", Duration.ofSeconds(70), null));
        progress.databaseUnreachable(new DatabaseOutage("db:5432", Duration.ofSeconds(1), Duration.ofMinutes(2),
                "Connection refused"));
        progress.databaseBack(new DatabaseOutage("db:5432", Duration.ofSeconds(9), Duration.ofMinutes(2), null));
        progress.databaseLogPinned("runs.db-wal", 33L << 20);
        progress.tick();
        progress.close();

        assertThat(out.toString().lines().toList()).containsExactly(
                "m: 120/200 done (60.0%), waiting for runs.db: another connection holds a write (a sqlite3 shell after"
                        + " BEGIN?) for 3.0s; answers are kept meanwhile, Ctrl+C stops",
                "m: runs.db is free again after 1m10s held by another connection; going on",
                "m: 120/200 done (60.0%), database at db:5432 unreachable for 1.0s, waiting up to 2m00s for it:"
                        + " Connection refused",
                "m: the database at db:5432 answers again after 9.0s unreachable; going on",
                "m: runs.db-wal has grown to 33.0 MB, and no checkpoint can fold it into runs.db: another connection"
                        + " keeps a read transaction open on an old snapshot (a sqlite3 shell after BEGIN; SELECT ...?)."
                        + " Nothing is lost, but it grows with every answer until that transaction ends: end it"
                        + " (COMMIT, or quit that shell)");
    }
}
