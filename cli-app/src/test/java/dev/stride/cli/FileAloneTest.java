package dev.stride.cli;

import static dev.stride.cli.Datasets.count;
import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether the .db file alone holds everything, as each command says it: status shows it for every database, a
 * command that reads a file whose WAL a stopped stride left says so on stderr and names the safe copy, and one that
 * writes it folds the WAL in first and says so. The files are real SQLite files; the WAL is what kill -9 leaves
 * (see {@link LeftBehindWal}).
 */
class FileAloneTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    @Test
    void afterARunEndsTheFileAloneIsWholeAndStatusSaysSo() throws Exception {
        Path db = dir.resolve("runs.db");
        assertThat(stride.run(questions(dir, "q.jsonl", 12), db).template("{{question}}").with().exitCode()).isZero();

        Cli.Result text = stride.cli.run("status", "--db", db.toString());
        assertThat(text.out()).contains(db + " alone holds everything: it can be copied as it is.");
        JsonNode run = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out()).get(0);
        assertThat(run.get("file_alone_whole").asBoolean()).isTrue();
        assertThat(run.get("wal_bytes").asLong()).isZero();
        assertThat(run.get("answers_only_in_wal").isNull()).isTrue();
        assertThat(stride.cli.run("export", "--db", db.toString()).err()).isEmpty();
        assertThat(count(LeftBehindWal.copyAlone(db, dir.resolve("cp")), "SELECT count(*) FROM predictions"))
                .isEqualTo(12);
    }

    @Test
    void statusSaysHowManyAnswersAStoppedStrideLeftInTheWalAndEveryReaderWarnsWithoutFoldingThem() throws Exception {
        Path db = LeftBehindWal.image(dir, dir.resolve("crash"), 50, 30, 3600);
        long walBytes = LeftBehindWal.walBytes(db);
        long alone = answersInFileAlone(db);
        assertThat(alone).isZero();

        Cli.Result text = stride.cli.run("status", "--db", db.toString());
        assertThat(text.exitCode()).isZero();
        assertThat(text.out()).contains(db + " alone is not whole: 30 answers are only in " + db + "-wal")
                .contains("Copy it with stride snapshot, or copy " + db + "-wal along with it; the next stride run"
                        + " folds them in.");
        JsonNode run = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out()).get(0);
        assertThat(run.get("file_alone_whole").asBoolean()).isFalse();
        assertThat(run.get("wal_bytes").asLong()).isEqualTo(walBytes).isPositive();
        assertThat(run.get("answers_only_in_wal").asLong()).isEqualTo(30 - alone);
        JsonNode detail = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--run", "m", "--json").out());
        assertThat(detail.get("answers_only_in_wal").asLong()).isEqualTo(30);
        assertThat(stride.cli.run("status", "--db", db.toString(), "--run", "m").out())
                .contains("File:        " + db + " alone is not whole: 30 answers are only in " + db + "-wal");

        for (String[] command : new String[][] {{"export", "--db", db.toString()},
                {"sql", "--db", db.toString(), "SELECT count(*) AS n FROM predictions"}}) {
            Cli.Result r = stride.cli.run(command);
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.err().lines().toList()).as(command[0]).hasSize(1).first().asString()
                    .startsWith(db + " alone is not whole: 30 answers are only in " + db + "-wal")
                    .contains("stride snapshot");
        }
        assertThat(LeftBehindWal.walBytes(db)).as("readers leave the WAL as it was").isEqualTo(walBytes);
        assertThat(answersInFileAlone(db)).isZero();

        Path copy = dir.resolve("copy.db");
        Cli.Result snapshot = stride.cli.run("snapshot", "--db", db.toString(), copy.toString());
        assertThat(snapshot.exitCode()).as(snapshot.all()).isZero();
        assertThat(snapshot.err().strip()).isEqualTo(db + " alone is not whole: 30 answers are only in " + db
                + "-wal, left there by a stride stopped before it could fold them in; this snapshot holds them (a copy"
                + " of " + db + " alone would not).");
        assertThat(count(copy, "SELECT count(*) FROM predictions WHERE status = 'done'")).isEqualTo(30);
        assertThat(LeftBehindWal.walBytes(db)).isEqualTo(walBytes);
    }

    @Test
    void theNextWriterFoldsTheWalInBeforeItStartsAndSaysSo() throws Exception {
        Path db = LeftBehindWal.image(dir, dir.resolve("crash"), 50, 30, 3600);

        // A dry run of what the database holds: it opens the file for writing, and sends nothing.
        Cli.Result r = stride.cli.run("run", "--db", db.toString(), "--dry-run");

        assertThat(r.err()).contains(db + ": 30 answers that a stride stopped before it could fold them in (kill -9,"
                + " a second Ctrl+C, a crash, a power loss, a full disk) left only in " + db + "-wal are now folded into " + db
                + ", which alone holds everything again.");
        assertThat(answersInFileAlone(db)).isEqualTo(30);
        assertThat(LeftBehindWal.walBytes(db)).isZero();
        assertThat(stride.cli.run("status", "--db", db.toString()).out())
                .contains(db + " alone holds everything");
        assertThat(stride.cli.run("export", "--db", db.toString()).err()).isEmpty();
    }

    /**
     * A Ctrl+C as a run starts is stride's from before the run first touches the file: the stop is heard before the
     * WAL is folded in, and the run ends as stopped (130) with the file whole. Heard only after those first checks, a
     * real signal ended the process by the JVM's default action with their connection open and a -wal left beside.
     */
    @Test
    void aCtrlCAsARunStartsIsHeardBeforeItTouchesTheFileWhichItLeavesWhole() throws Exception {
        Path db = LeftBehindWal.image(dir, dir.resolve("crash"), 50, 30, 3600);

        Cli.Result r = new Cli().stoppingAtOnce().run("run", "--db", db.toString());

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.INTERRUPTED);
        String stopping = "Stopping before the first request was sent";
        String folded = "are now folded into " + db;
        assertThat(r.err()).contains(stopping, folded);
        assertThat(r.err().indexOf(stopping)).as(r.err()).isLessThan(r.err().indexOf(folded));
        assertThat(answersInFileAlone(db)).isEqualTo(30);
        assertThat(LeftBehindWal.walBytes(db)).isZero();
    }

    @Test
    void clearFoldsTheWalInFirstToo() throws Exception {
        Path db = LeftBehindWal.image(dir, dir.resolve("crash"), 10, 4, 3600);
        Cli.Result r = stride.cli.run("clear", "--db", db.toString(), "--all", "--yes");
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).contains(db + ": 4 answers that a stride stopped before it could fold them in");
    }

    @Test
    void aWalBesideARunThatSavedItsCursorSecondsAgoIsTakenForALiveRunsAndReadersSayNothing() throws Exception {
        Path db = LeftBehindWal.image(dir, dir.resolve("just-killed"), 50, 30, 2);

        assertThat(stride.cli.run("status", "--db", db.toString()).out())
                .contains(db + " alone is not whole while a run writes it: its latest commits are in " + db + "-wal (")
                .contains("copy it with stride snapshot");
        JsonNode run = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out()).get(0);
        assertThat(run.get("file_alone_whole").asBoolean()).isFalse();
        assertThat(run.get("answers_only_in_wal").isNull()).isTrue();
        assertThat(stride.cli.run("export", "--db", db.toString()).err()).isEmpty();
    }

    /**
     * The run's worker was a process of this machine killed a moment ago (its cursor saved 2 s before, its lease
     * holding for minutes): status knows it is gone, as its workers block does, so the run is interrupted at once,
     * with no pace, and the WAL is a stopped writer's, counted; every reader says so. Its worker alive, it runs.
     */
    @Test
    void aRunWhoseEveryWorkerOfThisMachineIsGoneIsInterruptedAtOnceAndItsWalLeftBehind() throws Exception {
        Process killed = new ProcessBuilder("true").start();
        killed.waitFor();
        Path db = LeftBehindWal.image(dir, dir.resolve("worker-killed"), 50, 30, 2, killed.pid());

        Cli.Result text = stride.cli.run("status", "--db", db.toString());
        assertThat(text.exitCode()).as(text.all()).isZero();
        String row = text.out().lines().filter(l -> l.startsWith("m ")).findFirst().orElseThrow();
        assertThat(row).endsWith("  interrupted").doesNotContain("/s");
        assertThat(text.out()).doesNotContain("Workers of")
                .contains(db + " alone is not whole: 30 answers are only in " + db + "-wal, left there by a stride"
                        + " stopped before it could fold them in")
                .doesNotContain("while a run writes it");
        JsonNode run = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out()).get(0);
        assertThat(run.get("state").asText()).isEqualTo("interrupted");
        assertThat(run.get("rate_per_s").isNull()).as(run.toString()).isTrue();
        assertThat(run.get("answers_only_in_wal").asLong()).isEqualTo(30);
        JsonNode detail = JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--run", "m", "--json").out());
        assertThat(detail.get("state").asText()).isEqualTo("interrupted");
        assertThat(detail.get("answers_only_in_wal").asLong()).isEqualTo(30);
        assertThat(stride.cli.run("status", "--db", db.toString(), "--run", "m").out())
                .containsPattern("State: +interrupted").doesNotContain("Pace:");
        assertThat(stride.cli.run("export", "--db", db.toString()).err())
                .startsWith(db + " alone is not whole: 30 answers are only in " + db + "-wal");

        Process alive = new ProcessBuilder("sleep", "60").start();
        try {
            Path going = LeftBehindWal.image(dir, dir.resolve("worker-alive"), 50, 30, 2, alive.pid());
            Cli.Result live = stride.cli.run("status", "--db", going.toString());
            assertThat(live.out().lines().filter(l -> l.startsWith("m ")).findFirst().orElseThrow())
                    .endsWith("  running");
            assertThat(live.out()).contains("Workers of 'm' (1 live):").contains(" pid " + alive.pid() + ": ")
                    .contains(going + " alone is not whole while a run writes it");
            assertThat(JSON.readTree(stride.cli.run("status", "--db", going.toString(), "--json").out()).get(0)
                    .get("state").asText()).isEqualTo("running");
            assertThat(stride.cli.run("export", "--db", going.toString()).err()).isEmpty();
        } finally {
            alive.destroyForcibly();
        }
    }

    @Test
    void aWalOfAnotherProgramBesideRunsThatEndedIsShownAsSuchAndReadersSayNothing() throws Exception {
        Path db = dir.resolve("runs.db");
        assertThat(stride.run(questions(dir, "q.jsonl", 5), db).template("{{question}}").with().exitCode()).isZero();
        // A sqlite3 shell, say, that wrote and is still open: its commit is in the WAL, and no run is going.
        try (Connection shell = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = shell.createStatement()) {
            st.execute("UPDATE runs SET template = 'edited by hand'");

            assertThat(stride.cli.run("status", "--db", db.toString()).out()).contains(db + " alone is not whole: its"
                    + " latest commits are in " + db + "-wal (").contains("and no stride run is writing it: another"
                    + " program has it open or wrote it (a sqlite3 shell?). Copy it with stride snapshot.");
            assertThat(JSON.readTree(stride.cli.run("status", "--db", db.toString(), "--json").out()).get(0)
                    .get("file_alone_whole").asBoolean()).isFalse();
            assertThat(stride.cli.run("export", "--db", db.toString()).err()).isEmpty();
        }
    }

    /**
     * A sqlite3 shell left inside {@code BEGIN; SELECT ...} through a run: the run's close cannot fold the WAL into
     * the file past the shell's snapshot. A clean end once said nothing of it, and a copy of the file alone lacked the
     * run (a user walk: no progress row in the copy of an 8,000-record run). Its summary's last line says so now; the
     * same run beside no reader says nothing.
     */
    @Test
    void aRunThatEndsBesideAReadTransactionSaysAsItsLastLineThatTheFileAloneIsNotWhole() throws Exception {
        Path db = dir.resolve("runs.db");
        Cli.Result alone = stride.run(questions(dir, "q.jsonl", 12), db).template("{{question}}").with();
        assertThat(alone.exitCode()).as(alone.all()).isZero();
        assertThat(alone.all()).doesNotContain("alone is not whole");

        try (Connection shell = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = shell.createStatement()) {
            shell.setAutoCommit(false);
            assertThat(readIn(st, "SELECT count(*) FROM runs")).as("the shell's snapshot").isEqualTo(1);

            Cli.Result beside = stride.run(questions(dir, "q2.jsonl", 20), db).model("m2").template("{{question}}")
                    .with();

            assertThat(beside.exitCode()).as(beside.all()).isZero();
            long walBytes = LeftBehindWal.walBytes(db);
            assertThat(walBytes).isPositive();
            List<String> lines = beside.out().lines().toList();
            assertThat(lines.get(lines.size() - 1)).isEqualTo(db + " alone is not whole: its last answers are in "
                    + db + "-wal (" + Numbers.bytes(walBytes) + "), which could not be folded into it because another"
                    + " connection keeps a read transaction open on it (a sqlite3 shell after BEGIN; SELECT ...?):"
                    + " end it (COMMIT, or quit that shell), and the next stride run folds them in; until then copy"
                    + " it with stride snapshot.");
            assertThat(beside.err()).doesNotContain("alone is not whole");
            assertThat(count(LeftBehindWal.copyAlone(db, dir.resolve("cp")), "SELECT count(*) FROM runs"))
                    .as("what the line warns of: the file alone lacks the run").isEqualTo(1);
            shell.commit();
        }
        Cli.Result after = stride.run(questions(dir, "q3.jsonl", 5), db).model("m3").template("{{question}}").with();
        assertThat(after.exitCode()).as(after.all()).isZero();
        assertThat(after.out()).doesNotContain("alone is not whole");
        assertThat(stride.cli.run("status", "--db", db.toString()).out()).contains(db + " alone holds everything");
    }

    @Test
    void theLinesInChinese() throws Exception {
        Cli chinese = new Cli(Map.of("LANG", "zh_CN.UTF-8"));
        Path db = LeftBehindWal.image(dir, dir.resolve("crash"), 50, 30, 3600);

        String warning = chinese.run("export", "--db", db.toString()).err();
        assertThat(warning).contains(db + " 单独并不完整：30 条答案只在 " + db + "-wal 中").contains("stride snapshot");
        Translations.assertNoTranslatedEnglish(warning);
        String status = chinese.run("status", "--db", db.toString()).out();
        assertThat(status).contains("单独并不完整");
        Translations.assertNoTranslatedEnglish(status);
        String folded = chinese.run("run", "--db", db.toString(), "--dry-run").err();
        assertThat(folded).contains("现已合并进 " + db);
        Translations.assertNoTranslatedEnglish(folded);
        String whole = chinese.run("status", "--db", db.toString()).out();
        assertThat(whole).contains(db + " 单独即包含全部内容");
        Translations.assertNoTranslatedEnglish(whole);
    }

    /** A number the shell reads inside its transaction, which then keeps this snapshot. */
    private static long readIn(Statement st, String sql) throws Exception {
        try (var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Answers in a copy of the file alone, as cp would make it. */
    private long answersInFileAlone(Path db) throws Exception {
        Path copy = LeftBehindWal.copyAlone(db, Files.createTempDirectory(dir, "cp"));
        return count(copy, "SELECT count(*) FROM sqlite_master WHERE name = 'predictions'") == 0 ? 0
                : count(copy, "SELECT count(*) FROM predictions WHERE status = 'done'");
    }
}
