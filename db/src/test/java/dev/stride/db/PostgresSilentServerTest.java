package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.DatabaseOutage;
import dev.stride.core.InputRecord;
import dev.stride.core.RunListener;
import dev.stride.core.RunState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker whose PostgreSQL server goes silent (a network cut: no reset, the connection stays open) takes it for gone
 * once a statement has heard nothing for its lease, as it does a restarted server: it says the database is
 * unreachable and waits for it within the outage's bound, and goes on when it answers, instead of holding the
 * statement until the system's keepalives give up two hours later.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PostgresSilentServerTest {
    /**
     * The least a worker's statement hears nothing before the server is taken for gone, here: half the product's
     * {@link PostgresCheckpointStore#SILENCE_FLOOR}, which every case would otherwise wait out once or more. Still
     * hundreds of times what one of these statements takes.
     */
    private static final Duration SILENCE = Duration.ofSeconds(5);
    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();
    private SilentLink link;
    private PostgresCheckpointStore store;
    private final List<String> heard = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws Exception {
        String url = pg.url();
        PostgresCluster cluster = pg.cluster();
        link = new SilentLink(cluster.port());
        store = PostgresCheckpointStore.open(PostgresCluster.location(
                url.replace(":" + cluster.port() + "/", ":" + link.port() + "/")));
        store.lowerSilenceFloor(SILENCE);
    }

    @AfterEach
    void close() throws Exception {
        if (store != null) {
            store.close();
        }
        if (link != null) {
            link.close();
        }
    }

    @Test
    void aWorkerWhoseServerFallsSilentSaysSoAndGoesOnWhenItAnswers() throws Exception {
        List<InputRecord> input = recs(2);
        hearOutages(); // before the join, as a run listens: the connection's settings are sent then
        long run = joined(input, Duration.ofSeconds(1)); // under the floor: silent for SILENCE is gone

        CompletableFuture<Boolean> saved = savedOnceSilentAndGivenUp(run, input.get(0));
        assertThat(saved).isNotDone();
        link.restore();

        // The statement the silent connection held may reach the server once the link carries again (TCP sends it
        // late): then the repeat finds the answer there, and it is stored once either way.
        saved.get(2, TimeUnit.MINUTES);
        assertThat(heard).first().isEqualTo("away");
        assertThat(heard).last().isEqualTo("back");
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(1);
    }

    /**
     * The statement the silence held reaches the server late, after the worker gave up on its connection, and
     * commits; the worker's repeat finds that row. It is this worker's own answer (there is no other worker): the
     * save says it was stored, not that another worker answered the record meanwhile.
     */
    @Test
    void anOutcomeThatReachedTheServerLateIsTheWorkersOwnNotAnothers() throws Exception {
        List<InputRecord> input = recs(2);
        hearOutages(); // before the join, as a run listens: the connection's settings are sent then
        long run = joined(input, Duration.ofSeconds(1)); // under the floor: silent for SILENCE is gone

        CompletableFuture<Boolean> saved = savedOnceSilentAndGivenUp(run, input.get(0));
        link.deliverHeld();
        while (count("SELECT count(*) FROM predictions") == 0) {
            Thread.sleep(50); // the held statement, committed late
        }
        link.restore();

        assertThat(saved.get(2, TimeUnit.MINUTES)).isTrue();
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(1);
        assertThat(count("SELECT done FROM workers")).isEqualTo(1);
    }

    /**
     * A stop once the server is known to be away: when its grace is over, the worker's last calls (its cursor, its
     * leave, a read) give up without one more try. Each try on a silent server cost a login's timeout or the silence
     * limit, and a Ctrl+C took 105 s to exit so.
     */
    @Test
    void aStopDuringASilenceTriesTheServerNoMoreOnceItsGraceIsOver() throws Exception {
        List<InputRecord> input = recs(2);
        hearOutages(); // before the join, as a run listens: the connection's settings are sent then
        long run = joined(input, Duration.ofSeconds(1)); // under the floor: silent for SILENCE is gone
        CompletableFuture<Boolean> saved = savedOnceSilentAndGivenUp(run, input.get(0));

        store.waitForServerAtMost(Duration.ZERO); // the stop, its grace over at once
        assertThat(saved).failsWithin(2, TimeUnit.MINUTES);
        int tries = link.settledAccepted();

        assertThatThrownBy(() -> store.saveCursor(run, 10, RunState.INTERRUPTED))
                .isInstanceOf(StoreException.class).hasMessageContaining("stopped without waiting longer");
        assertThatThrownBy(() -> store.findRun("a")).isInstanceOf(StoreException.class);
        assertThat(link.settledAccepted()).as("connections tried after the grace").isEqualTo(tries);
    }

    /**
     * A stop whose grace is over while the server, alive, holds a write behind a lock: the write is ended (cancelled
     * at the grace's end) and said not saved, and it is not saved: nothing of it is stored once the lock goes. Judged
     * by its duration alone, such a statement was once taken for a silent server's and given up, its answer counted
     * as not saved though the server stored it once the lock went.
     */
    @Test
    void aStopPastItsGraceEndsAWriteALockHeldBackAndSaysItWasNotSaved() throws Exception {
        List<InputRecord> input = recs(2);
        long run = joined(input, Duration.ofHours(1));
        try (Connection admin = pg.connect();
             Statement lock = admin.createStatement()) {
            admin.setAutoCommit(false);
            lock.execute("LOCK TABLE predictions IN SHARE MODE");
            CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                    () -> store.savePrediction(run, input.get(0), done("o0")));
            waitingOnALock(admin);
            store.waitForServerAtMost(Duration.ZERO); // the stop, its grace over at once
            assertThat(saved).failsWithin(2, TimeUnit.MINUTES).withThrowableOfType(ExecutionException.class)
                    .withMessageContaining("stopped without waiting longer for a lock");
            admin.commit();
        }
        assertThat(count("SELECT count(*) FROM predictions")).as("not saved, as said").isZero();
    }

    /**
     * A connection reset (an administrator's pg_terminate_backend, a restart) in the middle of a read that had run
     * longer than the wait for the server: the server is back at once, and the read is repeated on a new connection.
     * Counted from the read's start, as a silence is, the outage was over its bound before it began ("did not come
     * back within 3 s").
     */
    @Test
    void aResetAfterALongReadIsReconnectedNotTakenForALongOutage() throws Exception {
        store.syncRun(spec("a"), recs(1).iterator());
        try (PostgresCheckpointStore reader = PostgresCheckpointStore.openReadOnly(pg.location(),
                Duration.ofSeconds(3));
             Connection admin = pg.connect();
             Statement st = admin.createStatement()) {
            java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> reader.readingOneSnapshot(dsl -> {
                dsl.fetch("SELECT pg_sleep(" + (tries.incrementAndGet() == 1 ? 5 : 0) + ")");
                return tries.get();
            }));
            Thread.sleep(4000); // longer than the 3 s the reader waits for a server
            st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%'"
                    + " AND pid <> pg_backend_pid()");

            assertThat(read.get(2, TimeUnit.MINUTES)).as("read again on a new connection").isEqualTo(2);
        }
    }

    /** Until a session other than {@code holder}'s waits on a lock. */
    private void waitingOnALock(Connection holder) throws Exception {
        int pid = ((org.postgresql.PGConnection) holder).getBackendPID();
        try (Connection look = pg.connect();
             Statement st = look.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type ="
                        + " 'Lock' AND pid <> " + pid)) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * The link falls silent, then {@code record}'s answer is saved: once the store has said the server is away (the
     * statement given up on, its connection dropped, new ones refused), the save still under way.
     */
    private CompletableFuture<Boolean> savedOnceSilentAndGivenUp(long run, InputRecord record) throws Exception {
        link.silence();
        CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                () -> store.savePrediction(run, record, done("o0")));
        while (heard.isEmpty()) {
            Thread.sleep(50);
        }
        return saved;
    }

    /** What the store tells of outages, "away" and "back" (of a lock: "held", "let go"), into {@link #heard}. */
    private void hearOutages() {
        store.tellOutagesTo(new RunListener() {
            @Override
            public void databaseUnreachable(DatabaseOutage outage) {
                heard.add(outage.locked() ? "held" : "away");
            }

            @Override
            public void databaseBack(DatabaseOutage outage) {
                heard.add(outage.locked() ? "let go" : "back");
            }
        });
    }

    /** Run "a" made of {@code input}, this store a worker of it under {@code lease}: its id. */
    private long joined(List<InputRecord> input, Duration lease) {
        store.syncRun(spec("a"), input.iterator());
        long run = store.findRun("a").orElseThrow().id();
        store.join(run, lease);
        return run;
    }

    private int count(String sql) throws Exception {
        try (Connection c = pg.connect();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * A lock an administrator holds longer than the silence limit (LOCK TABLE, VACUUM FULL) is no lost server: the
     * worker waits it out on its one connection, says nothing of an outage, and leaves no backend behind waiting on
     * the lock (each repeat on a new connection used to leave one more, towards the server's max_connections).
     */
    @Test
    void aLockHeldLongerThanTheSilenceLimitIsWaitedOutWithoutPilingUpConnections() throws Exception {
        List<InputRecord> input = recs(2);
        hearOutages(); // before the join, as a run listens: the connection's settings are sent then
        long run = joined(input, Duration.ofSeconds(1)); // silent for SILENCE is gone
        int most = 0;
        try (Connection admin = pg.connect();
             Connection look = pg.connect();
             Statement lock = admin.createStatement();
             Statement st = look.createStatement()) {
            admin.setAutoCommit(false);
            lock.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
            int adminPid = ((org.postgresql.PGConnection) admin).getBackendPID();
            CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                    () -> store.savePrediction(run, input.get(0), done("o0")));
            // Two and a half silence limits: time for two repeats on new connections, as before the fix.
            long end = System.nanoTime() + SILENCE.multipliedBy(5).dividedBy(2).toNanos();
            while (System.nanoTime() < end) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type ="
                        + " 'Lock' AND pid <> " + adminPid)) {
                    rs.next();
                    most = Math.max(most, rs.getInt(1));
                }
                Thread.sleep(200);
            }
            assertThat(saved).isNotDone();
            admin.commit();
            saved.get(2, TimeUnit.MINUTES);
        }
        assertThat(most).as("backends waiting on the lock at once").isEqualTo(1);
        assertThat(heard).as("a lock is no outage, told as a lock").doesNotContain("away", "back").contains("held")
                .endsWith("let go");
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(1);
    }
}
