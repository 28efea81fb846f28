package dev.stride.cli;

import static dev.stride.cli.Datasets.questions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.db.PostgresCluster;
import dev.stride.db.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An administrator's {@code LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE} while {@code stride clear}, {@code copy}
 * or {@code sql} needs the table: the command says it waits for a lock another session holds, goes on once it is let
 * go, and a Ctrl+C meanwhile ends it (exit 130) with nothing changed and no backend of it left waiting on the server.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PostgresCommandLockTest {
    private static final String WAITING = "waiting for a lock on PostgreSQL ";
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    @TempDir
    Path dir;

    @RegisterExtension
    final CliFixture stride = new CliFixture();

    private final CountDownLatch toldWaiting = new CountDownLatch(1);
    private final Cli cli = new Cli(Map.of("LANG", "en_US.UTF-8")).watchingErr(text -> {
        if (text.contains(WAITING)) {
            toldWaiting.countDown();
        }
    });
    private String db;
    private Connection admin;
    private int adminPid;

    @BeforeEach
    void aRunThenTheLock() throws Exception {
        db = PG.url();
        Path input = questions(dir, "q.jsonl", 10);
        Cli.Result run = new Cli().run("run", input.toString(), "--db", db, "--model", "m", "--base-url",
                stride.url(), "--template", "{{question}}", "--log-every", "0");
        assertThat(run.exitCode()).as(run.all()).isZero();
        admin = PostgresCluster.connect(db);
        admin.setAutoCommit(false);
        try (Statement st = admin.createStatement()) {
            st.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
        }
        adminPid = count(admin, "SELECT pg_backend_pid()");
    }

    @AfterEach
    void letGo() throws Exception {
        if (admin != null) {
            admin.rollback();
            admin.close();
        }
    }

    @Test
    void clearWaitingForALockSaysSoAndClearsOnceItIsLetGo() throws Exception {
        CompletableFuture<Cli.Result> clearing = CompletableFuture.supplyAsync(
                () -> cli.run("clear", "--db", db, "--all", "--yes"));
        toldWaiting.await();
        assertThat(clearing).as("the clear, waiting for the lock").isNotDone();
        admin.commit();
        Cli.Result r = clearing.get(2, TimeUnit.MINUTES);

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.err()).contains(WAITING + PostgresCluster.location(db).hostAndPort() + " that another session"
                + " holds (pid " + adminPid + " (stride, idle in transaction): another stride command syncing a changed input or clearing, LOCK TABLE, VACUUM FULL, a long"
                + " transaction? see pg_locks and pg_stat_activity) for ");
        assertThat(r.out()).contains("Cleared 1 run");
        assertThat(count("SELECT count(*) FROM runs")).isZero();
    }

    @Test
    void clearWaitingForALockNamesTheSessionHoldingIt() throws Exception {
        try (Statement st = admin.createStatement()) {
            st.execute("SET application_name = 'psql'"); // the holder as an administrator's psql shows itself
        }
        CompletableFuture<Cli.Result> clearing = CompletableFuture.supplyAsync(
                () -> cli.run("clear", "--db", db, "--all", "--yes"));
        toldWaiting.await();
        admin.commit();
        Cli.Result r = clearing.get(2, TimeUnit.MINUTES);

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.err()).contains(WAITING + PostgresCluster.location(db).hostAndPort() + " that another session"
                + " holds (pid " + adminPid + " (psql, idle in transaction): another stride command syncing a changed"
                + " input or clearing, LOCK TABLE, VACUUM FULL, a long transaction? see pg_locks and pg_stat_activity)"
                + " for ");
        assertThat(count("SELECT count(*) FROM runs")).isZero();
    }

    /**
     * A session queued ahead for a conflicting lock (a VACUUM FULL, a LOCK TABLE behind the psql that holds it) is
     * among pg_blocking_pids too, but holds nothing: the line names the holder alone.
     */
    @Test
    void aSessionQueuedAheadForTheLockIsNotNamedAsItsHolder() throws Exception {
        try (Statement st = admin.createStatement()) {
            st.execute("SET application_name = 'psql'");
        }
        try (Connection queued = PG.connect()) {
            queued.setAutoCommit(false);
            try (Statement st = queued.createStatement()) {
                st.execute("SET application_name = 'queued'");
            }
            int queuedPid = count(queued, "SELECT pg_backend_pid()");
            CompletableFuture<Void> lockAfter = CompletableFuture.runAsync(() -> {
                try (Statement st = queued.createStatement()) {
                    st.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Connection look = PG.connect()) {
                while (count(look, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + queuedPid
                        + " AND wait_event_type = 'Lock'") == 0) {
                    Thread.sleep(50);
                }
            }
            CompletableFuture<Cli.Result> clearing = CompletableFuture.supplyAsync(
                    () -> cli.run("clear", "--db", db, "--all", "--yes"));
            toldWaiting.await();
            admin.commit();
            lockAfter.get(2, TimeUnit.MINUTES);
            queued.commit();
            Cli.Result r = clearing.get(2, TimeUnit.MINUTES);

            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.err()).contains(" that another session holds (pid " + adminPid + " (psql, idle in"
                    + " transaction): ").doesNotContain("queued").doesNotContain("pid " + queuedPid);
        }
    }

    @Test
    void copyFromALockedSourceNamesTheSessionHoldingIt() throws Exception {
        try (Statement st = admin.createStatement()) {
            st.execute("SET application_name = 'pgAdmin 4'");
        }
        Path to = dir.resolve("copy.db");
        CompletableFuture<Cli.Result> copying = CompletableFuture.supplyAsync(
                () -> cli.run("copy", "--from", db, "--to", to.toString()));
        toldWaiting.await();
        admin.commit();
        Cli.Result r = copying.get(2, TimeUnit.MINUTES);

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.err()).contains(" that another session holds (pid " + adminPid + " (pgAdmin 4,"
                + " idle in transaction): ");
    }

    @Test
    void aStopWhileClearWaitsForALockEndsItWithNothingClearedAndNoBackendLeftWaiting() throws Exception {
        CompletableFuture<Cli.Result> clearing = CompletableFuture.supplyAsync(
                () -> cli.run("clear", "--db", db, "--all", "--yes"));
        toldWaiting.await();
        assertThat(cli.pressCtrlC()).isTrue();
        Cli.Result r = clearing.get(2, TimeUnit.MINUTES);

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(r.err()).contains("interrupted while waiting for " + db + ", held by another connection: nothing"
                + " was cleared");
        assertThat(backendsWaitingForTheLock()).as("stride's backends still waiting for the lock").isZero();
        admin.commit(); // the lock let go: nothing of the clear runs then
        assertThat(count("SELECT count(*) FROM runs")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(10);
    }

    /** The runs table locked too: clear's look-up of what it would delete, before any question, waits for it. */
    @Test
    void aStopWhileClearLooksUpItsRunsBehindALockEndsItWithNothingClearedAndNoBackendLeftWaiting() throws Exception {
        try (Statement st = admin.createStatement()) {
            st.execute("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE");
        }
        CompletableFuture<Cli.Result> clearing = CompletableFuture.supplyAsync(
                () -> cli.run("clear", "--db", db, "--run", "m", "--yes"));
        toldWaiting.await();
        assertThat(clearing).as("the look-up, waiting for the lock").isNotDone();
        assertThat(cli.pressCtrlC()).as("listening while it looks up").isTrue();
        Cli.Result r = clearing.get(2, TimeUnit.MINUTES);

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(r.err()).contains(WAITING + PostgresCluster.location(db).hostAndPort() + " that another session"
                + " holds (pid " + adminPid + " ").contains("interrupted while waiting for " + db + ", held by another"
                + " connection: nothing was cleared");
        assertThat(r.err().lines().filter(l -> l.contains("interrupted"))).hasSize(1);
        assertThat(backendsWaitingForTheLock()).as("stride's backends still waiting for the lock").isZero();
        admin.commit();
        assertThat(count("SELECT count(*) FROM runs")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(10);
    }

    @Test
    void sqlWaitingForALockNamesItsHolderAndAStopCancelsTheStatement() throws Exception {
        CompletableFuture<Cli.Result> querying = CompletableFuture.supplyAsync(
                () -> cli.run("sql", "--db", db, "SELECT count(*) FROM predictions"));
        toldWaiting.await();
        assertThat(querying).as("the statement, waiting for the lock").isNotDone();
        assertThat(cli.pressCtrlC()).isTrue();
        Cli.Result r = querying.get(2, TimeUnit.MINUTES);

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(r.err()).contains(WAITING + PostgresCluster.location(db).hostAndPort() + " that another session"
                + " holds (pid " + adminPid + " ")
                .contains("interrupted: the statement was cancelled on " + db + " before its rows came");
        assertThat(r.out()).isEmpty();
        assertThat(backendsWaitingForTheLock()).as("stride's backends still waiting for the lock").isZero();
    }

    @Test
    void sqlWaitingForALockPrintsItsRowsOnceItIsLetGo() throws Exception {
        CompletableFuture<Cli.Result> querying = CompletableFuture.supplyAsync(
                () -> cli.run("sql", "--db", db, "--csv", "SELECT count(*) AS n FROM predictions"));
        toldWaiting.await();
        admin.commit();
        Cli.Result r = querying.get(2, TimeUnit.MINUTES);

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.out().lines()).containsExactly("n", "10");
        assertThat(r.err()).contains(WAITING);
    }

    @Test
    void aStopWhileCopyReadsALockedSourceEndsItWithNothingWritten() throws Exception {
        Path to = dir.resolve("copy.db");
        CompletableFuture<Cli.Result> copying = CompletableFuture.supplyAsync(
                () -> cli.run("copy", "--from", db, "--to", to.toString()));
        toldWaiting.await();
        assertThat(cli.pressCtrlC()).isTrue();
        Cli.Result r = copying.get(2, TimeUnit.MINUTES);

        assertThat(r.exitCode()).as(r.all()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(r.err()).contains(WAITING);
        assertThat(to).doesNotExist();
        assertThat(backendsWaitingForTheLock()).as("stride's backends still waiting for the lock").isZero();
    }

    /** Backends other than the administrator's that wait for a lock now. */
    private int backendsWaitingForTheLock() throws Exception {
        try (Connection c = PostgresCluster.connect(db)) {
            return count(c, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> "
                    + adminPid);
        }
    }

    private int count(String sql) throws Exception {
        try (Connection c = PostgresCluster.connect(db)) {
            return count(c, sql);
        }
    }

    private static int count(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
