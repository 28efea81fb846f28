package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.DatabaseOutage;
import dev.stride.core.InputRecord;
import dev.stride.core.OutcomesPartlySavedException;
import dev.stride.core.RecordOutcome;
import dev.stride.core.RunListener;
import dev.stride.core.RunState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Another session holds a lock a worker's statement needs (an administrator's LOCK TABLE, VACUUM FULL, a long
 * transaction): the worker waits for it as long as it is held, tells the wait after a few seconds as a run tells a held
 * SQLite file, and a stop ends the wait once its grace is over instead of trying again for as long as the lock is held.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PostgresLockWaitTest {
    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();
    private PostgresCheckpointStore store;
    private final List<DatabaseOutage> held = new CopyOnWriteArrayList<>();
    private final List<DatabaseOutage> back = new CopyOnWriteArrayList<>();
    private final List<String> traced = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws Exception {
        store = PostgresCheckpointStore.open(pg.location());
        store.traceTo(traced::add);
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aWorkerKeptWaitingForALockSaysSoAndSavesOnceItIsLetGo() throws Exception {
        List<InputRecord> input = recs(2);
        long run = joined(input);
        try (Connection admin = pg.connect(); Statement lock = admin.createStatement()) {
            admin.setAutoCommit(false);
            lock.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                    () -> store.savePrediction(run, input.get(0), done("o0")));
            while (held.size() < 2) { // told, and told again: the wait goes on past a lock timeout
                assertThat(saved).as("the save, still waiting").isNotDone();
                Thread.sleep(50);
            }
            assertThat(back).isEmpty();
            admin.commit();
            assertThat(saved.get(2, TimeUnit.MINUTES)).isTrue();
        }
        String server = pg.location().hostAndPort();
        assertThat(held).allSatisfy(o -> {
            assertThat(o.locked()).isTrue();
            assertThat(o.onServer()).as("a server's lock, not a file").isTrue();
            assertThat(o.server()).isEqualTo(server);
            assertThat(o.reason()).contains("lock timeout");
            assertThat(o.lasted()).isGreaterThanOrEqualTo(Duration.ofMillis(PostgresSession.LOCK_TRY_MS));
        });
        // Told after the first lock timeout, a few seconds: at half the lease's silence limit (15 s), a run said
        // nothing that long.
        assertThat(held.get(0).lasted()).isLessThan(Duration.ofSeconds(15));
        assertThat(back).singleElement().satisfies(o -> {
            assertThat(o.onServer()).isTrue();
            assertThat(o.lasted()).isGreaterThan(held.get(1).lasted());
        });
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(1);
    }

    @Test
    void aStopPastItsGraceEndsTheWaitWhileTheLockIsStillHeldAndSaysWhy() throws Exception {
        List<InputRecord> input = recs(3);
        long run = joined(input);
        try (Connection admin = pg.connect(); Statement lock = admin.createStatement()) {
            admin.setAutoCommit(false);
            lock.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                    () -> store.savePrediction(run, input.get(0), done("o0")));
            while (held.isEmpty()) {
                assertThat(saved).as("the save, still waiting").isNotDone();
                Thread.sleep(50);
            }
            store.waitForServerAtMost(Duration.ZERO); // Ctrl+C, with no grace left

            // Ends with the lock still held: the admin's transaction is open until the end of this block.
            assertThat(saved).failsWithin(2, TimeUnit.MINUTES).withThrowableThat().havingCause()
                    .isInstanceOf(StoreException.class)
                    .withMessageStartingWith("stopped without waiting longer for a lock that another session holds on"
                            + " the PostgreSQL server at " + pg.location().hostAndPort() + ", waited"
                            + " for ")
                    .withMessageContaining("answers not saved are asked again next time");
            // Stopped in its pause between two tries: its next try is the short one, which no cancel needed.
            assertThat(traced).anySatisfy(line -> assertThat(line).contains("for a lock another session holds")
                    .contains("SQLSTATE 55P03").contains("the stop's grace is over"));
            // The stopping worker's next call (its cursor, its leave) meets the same lock: its try is a short one, not
            // another 3 s each (five such calls took a stop 17 s, past what docker stop waits).
            traced.clear();
            assertThatThrownBy(() -> store.savePrediction(run, input.get(2), done("o2")))
                    .isInstanceOf(StoreException.class).hasMessageContaining("another session holds");
            assertThat(traced).singleElement().asString().contains("the stop's grace is over")
                    .contains("lock try " + PostgresSession.STOPPING_LOCK_TRY_MS + " ms");
            admin.commit();
        }
        assertThat(back).as("the lock was never let go for the save").isEmpty();
        assertThat(count("SELECT count(*) FROM predictions")).isZero();
        // The connection was left without a transaction open: the next save, with the table free, goes through.
        assertThat(store.savePrediction(run, input.get(1), done("o1"))).isTrue();
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(1);
    }

    /**
     * The cursor's write is what gives up on the lock, at a stop, after the save's outcomes were committed (each in a
     * transaction of its own): the failure says which stay, so that the session counts them saved.
     */
    @Test
    void aCursorGivenUpOnALockAfterItsOutcomesSaysTheyWereCommitted() throws Exception {
        List<InputRecord> input = recs(3);
        long run = joined(input);
        try (Connection admin = pg.connect();
             PreparedStatement lock = admin.prepareStatement(
                     "SELECT run_id FROM runs WHERE run_id = ? FOR NO KEY UPDATE")) {
            admin.setAutoCommit(false);
            lock.setLong(1, run);
            lock.executeQuery().close(); // the run's row, as a long transaction that updated it would hold it
            store.waitForServerAtMost(Duration.ZERO); // Ctrl+C, with no grace left
            List<RecordOutcome> outcomes = List.of(RecordOutcome.done(input.get(0), done("o0")),
                    RecordOutcome.done(input.get(1), done("o1")));

            assertThatThrownBy(() -> store.saveOutcomesWithCursor(run, outcomes, 1_000, RunState.RUNNING))
                    .isInstanceOfSatisfying(OutcomesPartlySavedException.class, e -> {
                        assertThat(e.written()).containsExactly(true, true);
                        assertThat(e.failure()).isInstanceOf(StoreException.class)
                                .hasMessageContaining("another session holds");
                    });
            admin.commit();
        }
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(2);
    }

    @Test
    void aStopEndsAStatementWaitingForALockAtItsGraceInsteadOfWaitingOutItsLockTry() throws Exception {
        List<InputRecord> input = recs(2);
        long run = joined(input);
        try (Connection admin = pg.connect(); Statement lock = admin.createStatement()) {
            admin.setAutoCommit(false);
            lock.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                    () -> store.savePrediction(run, input.get(0), done("o0")));
            while (waitingForALock() == 0) {
                assertThat(saved).as("the save, still waiting").isNotDone();
                Thread.sleep(20);
            }
            store.waitForServerAtMost(Duration.ZERO); // Ctrl+C, with no grace left

            assertThat(saved).failsWithin(2, TimeUnit.MINUTES).withThrowableThat().havingCause()
                    .isInstanceOf(StoreException.class)
                    .withMessageStartingWith("stopped without waiting longer for a lock that another session holds")
                    .withMessageContaining("answers not saved are asked again next time");
            // Its one statement was cancelled (57014), sent with the whole lock try: never a lock timeout (55P03).
            assertThat(traced).singleElement().asString().contains("SQLSTATE 57014")
                    .contains("lock try " + PostgresSession.LOCK_TRY_MS + " ms");
            assertThat(held).as("no lock try was waited out").isEmpty();
            assertThat(waitingForALock()).isZero();
            admin.commit();
        }
        assertThat(back).isEmpty();
        assertThat(count("SELECT count(*) FROM predictions")).isZero();
        // Not stored: the next run asks it again, and the connection is fit to.
        assertThat(store.pendingRecords(run, -1, 10, false)).extracting(InputRecord::id)
                .containsExactly(input.get(0).id(), input.get(1).id());
        assertThat(store.savePrediction(run, input.get(0), done("o0"))).isTrue();
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(1);
    }

    /**
     * The stop's canceller ends a wait only once it has lasted a stop's lock try, and only one that a session other
     * than the store's own holds up: another worker's brief lock on a row is waited for (it once ended that at once,
     * and then every statement that worker held up for the rest of the stop).
     */
    @Test
    void theCancellerEndsOnlyAWaitThatLastedHeldByAnotherSession() throws Exception {
        store.syncRun(spec("a"), recs(1).iterator());
        try (Connection holder = pg.connect(); Statement lock = holder.createStatement();
             Connection waiter = pg.connect(); Connection canceller = pg.connect();
             PreparedStatement cancel = canceller.prepareStatement(LockWaitCancel.cancelWaiting(canceller))) {
            holder.setAutoCommit(false);
            lock.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
            int holderPid = ((org.postgresql.PGConnection) holder).getBackendPID();
            int waiterPid = ((org.postgresql.PGConnection) waiter).getBackendPID();
            CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
                try (Statement st = waiter.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT count(*) FROM predictions")) {
                    rs.next();
                    return rs.getLong(1);
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e.getSQLState(), e);
                }
            });
            while (waitingForALock() == 0) {
                Thread.sleep(20);
            }

            assertThat(LockWaitCancel.cancelWaiting(canceller, cancel, java.util.Set.of(waiterPid),
                    Duration.ofHours(1).toMillis())).as("a wait younger than the try").isEmpty();
            assertThat(LockWaitCancel.cancelWaiting(canceller, cancel, java.util.Set.of(waiterPid, holderPid), 0))
                    .as("held up by one of the store's own").isEmpty();
            assertThat(waited).isNotDone();
            assertThat(LockWaitCancel.cancelWaiting(canceller, cancel, java.util.Set.of(waiterPid), 0))
                    .containsExactly(waiterPid);
            assertThat(waited).failsWithin(2, TimeUnit.MINUTES).withThrowableOfType(
                    java.util.concurrent.ExecutionException.class).withMessageContaining("57014");
            holder.commit();
        }
    }

    /**
     * A sync recounts the run's scores into one slot only once the counts that workers scoring live have added are
     * committed: its delete waits only for the slot rows it sees, and a worker's first count after the last recount
     * makes a new one, which, committed between the delete and the recount, was counted twice.
     */
    @Test
    void aSyncRecountsTheScoresOnlyOnceAWorkersUncommittedCountIsDone() throws Exception {
        List<InputRecord> input = recs(3);
        long run = joined(input);
        for (int i = 0; i < input.size(); i++) {
            assertThat(store.savePrediction(run, input.get(i), done("o" + i))).isTrue();
        }
        try (Connection worker = pg.connect(); Statement st = worker.createStatement();
             PostgresCheckpointStore other = PostgresCheckpointStore.open(pg.location())) {
            worker.setAutoCommit(false);
            st.execute("INSERT INTO scores (run_id, record_id, metric, label_field, label, correct, parsed,"
                    + " answered_at, record_hash, scored_at) SELECT p.run_id, p.record_id, 'exact', 'answer', 'x',"
                    + " 1, 1, p.finished_at, r.content_hash, '2026-12-06 12:00:00.000' FROM predictions p JOIN records r"
                    + " ON r.run_id = p.run_id AND r.record_id = p.record_id WHERE p.run_id = " + run);
            CompletableFuture<?> sync = CompletableFuture.runAsync(() -> other.syncRun(spec("a"), input.iterator()));
            while (!sync.isDone() && waitingForALock() == 0) {
                Thread.sleep(20);
            }
            assertThat(sync).as("the sync, waiting for the worker's count").isNotDone();
            worker.commit();
            sync.get(2, TimeUnit.MINUTES);
        }
        assertThat(count("SELECT sum(scored) FROM score_counts WHERE run_id = " + run)).isEqualTo(3);
    }

    /** How many backends wait for a lock now, as the server shows them. */
    private int waitingForALock() throws Exception {
        return count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'");
    }

    /**
     * A store kept for a second session (the Java API allows it) after a stopped one: the new session is not stopped.
     * It waits out a held lock as the first would have, past the stop's 250 ms lock try and its canceller, and saves
     * once the lock is let go. Before, the first session's stop stayed on the store: every lock wait ended at once.
     */
    @Test
    void aSessionAfterAStoppedOneOnTheSameStoreWaitsForALockAgain() throws Exception {
        List<InputRecord> input = recs(2);
        long run = joined(input);
        store.waitForServerAtMost(Duration.ZERO); // the first session's Ctrl+C, with no grace left
        store.tellOutagesTo(RunListener.NONE); // ... and its end
        store.tellOutagesTo(listener()); // the second session begins
        try (Connection admin = pg.connect(); Statement lock = admin.createStatement()) {
            admin.setAutoCommit(false);
            lock.execute("LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<Boolean> saved = CompletableFuture.supplyAsync(
                    () -> store.savePrediction(run, input.get(0), done("o0")));
            while (held.size() < 2) { // told, and told again: past a whole lock try, not a stopping one
                assertThat(saved).as("the save, still waiting").isNotDone();
                Thread.sleep(50);
            }
            admin.commit();
            assertThat(saved.get(2, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(traced).noneSatisfy(line -> assertThat(line).contains("the stop's grace is over"));
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(1);
    }

    /** Run "a" made of {@code input}, this store a worker of it told of the database's waits: its id. */
    private long joined(List<InputRecord> input) {
        store.syncRun(spec("a"), input.iterator());
        long run = store.findRun("a").orElseThrow().id();
        store.join(run, Duration.ofSeconds(30)); // the default lease: a lock timeout at 15 s before the fix
        store.tellOutagesTo(listener());
        return run;
    }

    /** A run's listener, as a worker's session tells the store: what it hears is kept in held and back. */
    private RunListener listener() {
        return new RunListener() {
            @Override
            public void databaseUnreachable(DatabaseOutage outage) {
                held.add(outage);
            }

            @Override
            public void databaseBack(DatabaseOutage outage) {
                back.add(outage);
            }
        };
    }

    private int count(String sql) throws Exception {
        try (Connection c = pg.connect();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
