package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.GenerationParams;
import dev.stride.core.Joined;
import dev.stride.core.LiveWorkersException;
import dev.stride.core.RunInfo;
import dev.stride.core.RunMadeMeanwhileException;
import dev.stride.core.RunSpec;
import dev.stride.core.RunState;
import dev.stride.core.RunWorkers;
import dev.stride.core.WorkerInfo;
import dev.stride.core.SyncReport;
import dev.stride.core.Timing;
import java.sql.Connection;
import java.util.Iterator;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several workers of one run on a real PostgreSQL server, each its own store (its own connections), as on
 * several machines: claims made at the same moment never share a record, and a dead worker's claims are taken.
 */
class PostgresWorkersTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int RECORDS = 300;
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    private final List<PostgresCheckpointStore> opened = new ArrayList<>();
    private long run;

    @BeforeEach
    void aRun() throws Exception {
        PostgresCheckpointStore first = store();
        first.syncRun(spec("a"), recs(RECORDS).iterator());
        run = first.findRun("a").orElseThrow().id();
    }

    @AfterEach
    void closeAll() {
        opened.forEach(PostgresCheckpointStore::close);
    }

    private PostgresCheckpointStore store() {
        return store(PG.url());
    }

    private PostgresCheckpointStore store(String at) {
        PostgresCheckpointStore s = PostgresCheckpointStore.open(PostgresCluster.location(at));
        opened.add(s);
        return s;
    }

    @Test
    void fourWorkersClaimingAtOnceGetDisjointRecordsThatCoverTheRun() throws Exception {
        List<PostgresCheckpointStore> workers = List.of(store(), store(), store(), store());
        for (int i = 0; i < workers.size(); i++) {
            assertThat(workers.get(i).join(run, LEASE)).isEqualTo(new Joined(i + 1, i));
        }
        ExecutorService threads = Executors.newFixedThreadPool(workers.size());
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<List<String>>> claimed = new ArrayList<>();
            for (PostgresCheckpointStore w : workers) {
                claimed.add(threads.submit(claimAll(w, go)));
            }
            go.countDown();
            List<String> every = new ArrayList<>();
            for (Future<List<String>> f : claimed) {
                every.addAll(f.get());
            }
            assertThat(new HashSet<>(every)).as("records claimed").hasSize(RECORDS);
            assertThat(every).as("claims, one per record").hasSize(RECORDS);
        } finally {
            threads.shutdownNow();
        }
    }

    /** Claims in small batches, never storing an outcome, until nothing is left: every claim stays held. */
    private Callable<List<String>> claimAll(PostgresCheckpointStore s, CountDownLatch go) {
        return () -> {
            go.await();
            List<String> ids = new ArrayList<>();
            // Bounded: a claim that hands out held records again would never run dry.
            for (int tries = 0; tries < RECORDS; tries++) {
                List<InputRecord> batch = s.claim(run, -1, 3, false);
                if (batch.isEmpty()) {
                    return ids;
                }
                batch.forEach(r -> ids.add(r.id()));
            }
            return ids;
        };
    }

    @Test
    void aDeadWorkersClaimsAreTakenOnceItsLeaseRanOutAndALiveOnesAreNot() throws Exception {
        PostgresCheckpointStore live = store();
        PostgresCheckpointStore dying = store();
        PostgresCheckpointStore taker = store();
        live.join(run, LEASE);
        Set<String> ofLive = new HashSet<>(ids(live.claim(run, -1, 10, false)));
        // A lease of a millisecond has run out once the next claim looks (a lower bound: no wall-clock limit).
        dying.join(run, Duration.ofMillis(1));
        List<String> ofDying = ids(dying.claim(run, -1, 10, false));
        Thread.sleep(20);

        taker.join(run, LEASE);
        List<String> taken = ids(taker.claim(run, -1, RECORDS, false));

        assertThat(taken).containsAll(ofDying).doesNotContainAnyElementsOf(ofLive).hasSize(RECORDS - 10);
        assertThat(taker.liveWorkers(run)).as("the live worker and the taker; the dead one is gone").hasSize(2);
        assertThat(taker.othersAtWork(run)).as("the live worker holds claims").isTrue();
    }

    /** As on SQLite: every run's workers in one read, judged as each run's own look judges them. */
    @Test
    void everyRunsWorkersReadAtOnceAreEachRunsOwnLook() throws Exception {
        PostgresCheckpointStore first = store();
        first.syncRun(spec("b"), recs(3).iterator());
        first.syncRun(spec("c"), recs(3).iterator());
        long b = first.findRun("b").orElseThrow().id();
        store().join(run, LEASE);
        store().join(b, LEASE);
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            // b's worker, of another machine, was killed a lease ago: its lease ends where its last heartbeat was
            assertThat(st.executeUpdate("UPDATE workers SET lease_until = heartbeat_at, host = 'elsewhere.example'"
                    + " WHERE run_id = " + b)).isOne();
        }
        PostgresCheckpointStore look = store();
        List<RunInfo> runs = look.listRuns();
        Map<Long, RunWorkers> together = look.workersOfRuns(runs);
        for (RunInfo r : runs) {
            assertThat(together.get(r.id())).as(r.name())
                    .isEqualTo(new RunWorkers(look.liveWorkers(r.id()), look.workersAllGone(r.id())));
        }
        assertThat(together.get(run).live()).hasSize(1);
        assertThat(together.get(b)).isEqualTo(new RunWorkers(List.of(), true));
        assertThat(together.get(first.findRun("c").orElseThrow().id())).isEqualTo(RunWorkers.NONE);
    }

    /**
     * A worker claims on from its last claim, as the runner does: a dead worker's records behind it are its next
     * claim's, lowest first, not left to its next pass from the start of the input.
     */
    @Test
    void aDeadWorkersClaimsBehindThisWorkersLastClaimAreTakenAtItsNextClaim() throws Exception {
        PostgresCheckpointStore dying = store();
        PostgresCheckpointStore taker = store();
        dying.join(run, LEASE);
        List<String> ofDying = ids(dying.claim(run, -1, 10, false));
        taker.join(run, LEASE);
        List<InputRecord> ofTaker = taker.claim(run, -1, 10, false);
        // The dying worker was killed a lease ago: its lease ends where its last heartbeat was.
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE workers SET lease_until = heartbeat_at WHERE number = 1")).isEqualTo(1);
        }

        List<String> next = ids(taker.claim(run, ofTaker.get(ofTaker.size() - 1).seq(), 6, false));

        assertThat(next).as("the dead worker's, lowest first").containsExactlyElementsOf(ofDying.subList(0, 6));
        assertThat(taker.liveWorkers(run)).as("the dead one is gone").hasSize(1);
    }

    /**
     * As on SQLite: a worker of this machine killed (kill -9) while others work has its records taken at the next
     * claim of one of them, lowest first, without waiting for its lease; a worker whose process lives keeps its own.
     */
    @Test
    void aKilledWorkerOfThisMachineHasItsRecordsTakenAtTheNextClaimOfAWorkerAtWork() throws Exception {
        PostgresCheckpointStore killed = store();
        PostgresCheckpointStore alive = store();
        PostgresCheckpointStore taker = store();
        killed.join(run, LEASE);
        List<String> ofKilled = ids(killed.claim(run, -1, 10, false));
        alive.join(run, LEASE);
        List<String> ofAlive = ids(alive.claim(run, -1, 10, false));
        taker.join(run, LEASE);
        Process sleeping = new ProcessBuilder("sleep", "60").start();
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        try {
            // Their rows as other processes of this machine left them: one killed, one alive.
            try (Connection c = PG.connect(); Statement st = c.createStatement()) {
                assertThat(st.executeUpdate("UPDATE workers SET pid = " + ended.pid() + " WHERE number = 1")).isOne();
                assertThat(st.executeUpdate("UPDATE workers SET pid = " + sleeping.pid() + " WHERE number = 2"))
                        .isOne();
            }

            // Renewed a moment ago: alive as far as the server can tell (a process of another container under this
            // machine's name looks gone from here), so its lease stands until it misses a renewal.
            assertThat(ids(taker.claim(run, 100, 5, false))).as("its last renewal a moment ago")
                    .doesNotContainAnyElementsOf(ofKilled);
            try (Connection c = PG.connect(); Statement st = c.createStatement()) {
                // Its lease past its middle without a renewal (the store's own clock is the server's: not moved).
                assertThat(st.executeUpdate("UPDATE workers SET heartbeat_at = '2000-01-01 00:00:00.000'"
                        + " WHERE number IN (1, 2)")).isEqualTo(2);
            }
            Thread.sleep(1_100); // a claim looks for dead workers at most once a second

            List<String> next = ids(taker.claim(run, 105, 15, false));

            assertThat(next).as("the killed worker's, lowest first, then on after 105")
                    .startsWith(ofKilled.toArray(String[]::new)).doesNotContainAnyElementsOf(ofAlive).hasSize(15);
            assertThat(taker.liveWorkers(run)).extracting(WorkerInfo::number).containsExactly(2, 3);
        } finally {
            sleeping.destroyForcibly();
        }
    }

    /**
     * As on SQLite: a worker that stops with records claimed and unanswered hands them to the next claim of another
     * worker at work, lowest first, rather than to its next pass from the start (the end of the run).
     */
    @Test
    void recordsAStoppedWorkerLeftUnansweredAreTheNextClaimOfAWorkerAtWork() {
        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        List<InputRecord> ofA = a.claim(run, -1, 10, false);
        List<InputRecord> ofB = b.claim(run, -1, 10, false);
        assertThat(a.savePrediction(run, ofA.get(0), done("x"))).isTrue();

        a.leave(run);
        assertThat(b.othersAtWork(run)).isFalse();
        List<String> next = ids(b.claim(run, ofB.get(ofB.size() - 1).seq(), 9, false));

        assertThat(next).as("the stopped worker's unanswered, lowest first")
                .containsExactlyElementsOf(ids(ofA.subList(1, 10)));
        assertThat(b.liveWorkers(run)).extracting(WorkerInfo::number).containsExactly(2);
    }

    /**
     * A renewal never waits for a claim of its own worker: here the claim is stuck on a lock another connection holds
     * (under load, a claim waits likewise), and the renewal commits meanwhile. On the claim's connection it waited,
     * and live workers lost their lease.
     */
    @Test
    void aRenewalCommitsWhileTheWorkersOwnClaimWaitsForALock() throws Exception {
        PostgresCheckpointStore worker = store();
        worker.join(run, LEASE);
        String before = leaseUntil(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("LOCK TABLE claims IN SHARE MODE"); // a claim's insert waits for it
            Future<List<InputRecord>> claiming = threads.submit(() -> worker.claim(run, -1, 10, false));
            awaitALockWait();

            Thread.sleep(5); // the renewal's lease must end later than the join's (stored to the millisecond)
            Future<Boolean> renewing = threads.submit(() -> worker.renewLease(run));
            // A bound only for the failure: it waited there for good before (the claim holds the one connection).
            assertThat(renewing.get(2, java.util.concurrent.TimeUnit.MINUTES)).as("held").isTrue();
            assertThat(leaseUntil(1)).as("renewed and committed").isGreaterThan(before);
            assertThat(claiming).as("the claim still waits").isNotDone();
            c.commit();
            assertThat(claiming.get()).hasSize(10);
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * A worker taken for dead (its lease expired, its row dropped by another's claim) keeps at its next renewal the
     * claims no one took meanwhile, and gives up only those the other took: it sends none of those, and its answer to
     * one it had out is stored as answered by another.
     */
    @Test
    void aLapsedLeaseKeepsTheClaimsNoOtherWorkerTookAndGivesUpTheOthers() throws Exception {
        PostgresCheckpointStore paused = store();
        PostgresCheckpointStore other = store();
        paused.join(run, LEASE);
        List<InputRecord> mine = paused.claim(run, -1, 10, false);
        assertThat(ids(mine)).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
        expireLeaseOf(1);
        other.join(run, LEASE); // drops the expired worker, and its claims with it
        assertThat(ids(other.claim(run, -1, 4, false))).containsExactly("r0", "r1", "r2", "r3");
        other.savePrediction(run, mine.get(0), done("theirs"));

        assertThat(paused.renewLease(run)).as("lapsed").isFalse();
        assertThat(claimedBy()).as("the other's r1 to r3; r4 to r9 this worker's again").containsExactlyInAnyOrder(
                List.of("r1", "r2", "r3"), List.of("r4", "r5", "r6", "r7", "r8", "r9"));
        assertThat(mine.subList(0, 4)).noneMatch(r -> paused.stillClaimed(run, r.id()));
        assertThat(mine.subList(4, 10)).allMatch(r -> paused.stillClaimed(run, r.id()));
        assertThat(paused.savePrediction(run, mine.get(0), done("mine"))).as("answered by another").isFalse();
        assertThat(paused.renewLease(run)).as("held again").isTrue();
        assertThat(ids(paused.claim(run, -1, 2, false))).containsExactly("r10", "r11");
    }

    /** An expired lease whose row no other worker dropped still holds every claim: nothing is given up. */
    @Test
    void anExpiredLeaseNoOtherWorkerDroppedKeepsEveryClaim() throws Exception {
        PostgresCheckpointStore paused = store();
        paused.join(run, LEASE);
        List<InputRecord> mine = paused.claim(run, -1, 10, false);
        expireLeaseOf(1);

        assertThat(paused.renewLease(run)).as("lapsed").isFalse();
        assertThat(claimedBy()).containsExactly(ids(mine));
        assertThat(mine).allMatch(r -> paused.stillClaimed(run, r.id()));
    }

    /**
     * After a server restart longer than the lease, every worker's lease has run out, and each one's next claim renews
     * its own row (locked until it commits) and drops the others'. A claim waiting for a row another worker has locked
     * while that one drops the claimer's: "deadlock detected", and a worker's run failed (seen with two workers and
     * pg_ctl stop -m immediate for 3 s). The other worker here is a bare transaction in the same two steps.
     */
    @Test
    void twoLapsedWorkersDroppingEachOtherAtOnceBothGoOn() throws Exception {
        PostgresCheckpointStore first = store();
        first.join(run, LEASE);
        try (Connection c = PG.connect(); Statement other = c.createStatement()) {
            other.execute("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                    + " lease_until) VALUES (" + run + ", 'other', 2, 'elsewhere', 1, '2000-01-01 00:00:00.000',"
                    + " '2000-01-01 00:00:00.000', '2000-01-01 00:00:00.000')");
            expireLeaseOf(1);
            c.setAutoCommit(false);
            // The other's renewal of itself: its row locked until it commits.
            other.executeQuery("SELECT 1 FROM workers WHERE worker_id = 'other' FOR NO KEY UPDATE").close();
            ExecutorService threads = Executors.newSingleThreadExecutor();
            try {
                Future<List<InputRecord>> claiming = threads.submit(() -> first.claim(run, -1, 4, false));
                awaitDoneOrALockWait(claiming);
                // The other's drop of the expired workers, the first among them while its claim holds its row.
                other.executeUpdate("DELETE FROM workers WHERE run_id = " + run
                        + " AND lease_until <= '2001-01-01 00:00:00.000' AND worker_id <> 'other'");
                c.commit();
                assertThat(ids(claiming.get())).containsExactly("r0", "r1", "r2", "r3");
            } finally {
                threads.shutdownNow();
            }
        }
        assertThat(claimedBy()).containsExactly(List.of("r0", "r1", "r2", "r3"));
    }

    /**
     * A worker's row dropped by another while its claim was under way (its lease ran out in between: a renewal lost in
     * a crash of the server leaves an old one) made the claims' insert fail its foreign key, and the run ended. The
     * claim's worker is alive: its row is left to it. The other's drop is the statement a claim makes.
     */
    @Test
    void aWorkersRowIsNotDroppedWhileItsClaimIsUnderWay() throws Exception {
        PostgresCheckpointStore worker = store();
        worker.join(run, LEASE);
        ExecutorService threads = Executors.newSingleThreadExecutor();
        try (Connection c = PG.connect(); Statement other = c.createStatement()) {
            c.setAutoCommit(false);
            other.execute("LOCK TABLE claims IN SHARE MODE"); // the claim's insert waits for it
            Future<List<InputRecord>> claiming = threads.submit(() -> worker.claim(run, -1, 4, false));
            awaitALockWait();
            other.executeUpdate("DELETE FROM workers WHERE (run_id, worker_id) IN (SELECT run_id, worker_id"
                    + " FROM workers WHERE number = 1 FOR UPDATE SKIP LOCKED)");
            c.commit();
            assertThat(ids(claiming.get())).containsExactly("r0", "r1", "r2", "r3");
        } finally {
            threads.shutdownNow();
        }
        assertThat(claimedBy()).containsExactly(List.of("r0", "r1", "r2", "r3"));
    }

    private void awaitDoneOrALockWait(Future<?> work) throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            while (!work.isDone()) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }
    }

    /** Sets the lease of worker {@code number} in the past, as a pause past it leaves it. */
    private void expireLeaseOf(int number) throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE workers SET lease_until = '2000-01-01 00:00:00.000' WHERE number = "
                    + number)).isEqualTo(1);
        }
    }

    private String leaseUntil(int number) throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT lease_until FROM workers WHERE number = " + number)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    /** The claimed records, each worker's in input order. */
    private List<List<String>> claimedBy() throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT string_agg(c.record_id, ',' ORDER BY r.seq) FROM claims c"
                     + " JOIN records r ON r.run_id = c.run_id AND r.record_id = c.record_id GROUP BY c.worker_id")) {
            List<List<String>> all = new ArrayList<>();
            while (rs.next()) {
                all.add(List.of(rs.getString(1).split(",")));
            }
            return all;
        }
    }

    @Test
    void recordsAnotherWorkerIsClaimingInAnOpenTransactionAreLeftToOthersThoughNoOneSeemsAtWork() throws Exception {
        PostgresCheckpointStore me = store();
        PostgresCheckpointStore other = store();
        me.join(run, LEASE);
        int number = other.join(run, LEASE).worker();
        assertThat(me.claim(run, -1, RECORDS - 2, false)).hasSize(RECORDS - 2);
        List<InputRecord> last = recs(RECORDS).subList(RECORDS - 2, RECORDS);

        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            // The other worker's claim of the last two records as Claims makes it, its transaction not yet committed.
            c.setAutoCommit(false);
            st.executeQuery("SELECT record_id FROM records WHERE run_id = " + run + " AND record_id IN ('r298', 'r299')"
                    + " FOR NO KEY UPDATE").close();
            st.executeUpdate("INSERT INTO claims (run_id, record_id, worker_id) SELECT r.run_id, r.record_id,"
                    + " w.worker_id FROM records r JOIN workers w ON w.run_id = r.run_id AND w.number = " + number
                    + " WHERE r.run_id = " + run + " AND r.record_id IN ('r298', 'r299')");

            assertThat(me.claim(run, -1, RECORDS, false)).as("locked by the open claim").isEmpty();
            assertThat(me.othersAtWork(run)).as("the open claim is not seen").isFalse();
            assertThat(me.leftToOthers(run, false)).as("yet the records are not this worker's").isTrue();
            c.commit();
        }
        assertThat(me.othersAtWork(run)).isTrue();
        assertThat(me.leftToOthers(run, false)).isTrue();
        for (InputRecord r : last) {
            other.savePrediction(run, r, done("theirs"));
        }
        assertThat(me.leftToOthers(run, false)).as("only this worker's own claims have no outcome").isFalse();
    }

    @Test
    void workersRetryingFailuresDoNotWaitForTheFailuresEachOtherStoredThisSession() {
        PostgresCheckpointStore first = store();
        first.join(run, LEASE);
        List<InputRecord> all = first.claim(run, -1, RECORDS, false);
        for (InputRecord r : all.subList(0, RECORDS - 2)) {
            first.savePrediction(run, r, done("out"));
        }
        first.saveFailure(run, all.get(RECORDS - 2), failure("http_500")); // stored in 2025
        first.saveFailure(run, all.get(RECORDS - 1), failure("http_500"));
        first.leave(run);

        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        InputRecord ofA = a.claim(run, -1, 1, true).get(0);
        InputRecord ofB = b.claim(run, -1, 1, true).get(0);
        assertThat(a.othersAtWork(run)).as("b is about to retry %s", ofB.id()).isTrue();
        FailedPrediction again = new FailedPrediction("http_500", "still no", new Timing(900, 1, Instant.now()));
        a.saveFailure(run, ofA, again);
        b.saveFailure(run, ofB, again);

        assertThat(a.othersAtWork(run)).as("b tried %s this session", ofB.id()).isFalse();
        assertThat(b.othersAtWork(run)).as("a tried %s this session", ofA.id()).isFalse();
        assertThat(a.leftToOthers(run, true)).isFalse();
        assertThat(b.leftToOthers(run, true)).isFalse();
    }

    /**
     * As WorkersTest's: two workers of one --retry-failed rerun ask each failure once between them, whoever left or
     * died meanwhile, and a --retry-failed typed once every worker is gone retries them all. (The claim's SQL is
     * Claims' on PostgreSQL, PreparedClaims' on SQLite.) The pauses only make the moments distinct milliseconds.
     */
    @Test
    void aFailureTriedAgainInThisRerunIsNeverClaimedAgainByAnyWorkerOfIt() throws Exception {
        PostgresCheckpointStore first = store();
        first.join(run, LEASE);
        for (InputRecord r : first.claim(run, -1, RECORDS, false)) {
            if (r.seq() < 4) {
                first.saveFailure(run, r, failure("http_500")); // stored in 2025
            } else {
                first.savePrediction(run, r, done("out"));
            }
        }
        first.leave(run);

        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        PostgresCheckpointStore c = store();
        a.join(run, LEASE); // worker 1
        List<InputRecord> ofA = a.claim(run, -1, 2, true);
        assertThat(ofA).extracting(InputRecord::id).containsExactly("r0", "r1");
        Thread.sleep(5);
        b.join(run, LEASE); // worker 2, in the rerun a began
        Thread.sleep(5);
        for (InputRecord r : ofA) {
            a.saveFailure(run, r, new FailedPrediction("http_500", "still no", new Timing(900, 1, Instant.now())));
        }
        a.leave(run);
        Thread.sleep(5);

        List<InputRecord> ofB = b.claim(run, -1, 10, true);
        assertThat(ofB).extracting(InputRecord::id).as("a tried r0 and r1 in this rerun").containsExactly("r2", "r3");
        for (InputRecord r : ofB) {
            b.saveFailure(run, r, new FailedPrediction("http_500", "no", new Timing(900, 1, Instant.now())));
        }
        assertThat(b.leftToOthers(run, true)).isFalse();
        Thread.sleep(5);

        a.join(run, LEASE); // worker 3: a restarted while b goes on
        assertThat(a.claim(run, -1, 10, true)).isEmpty();
        expireLeaseOf(2); // b dies
        assertThat(a.claim(run, -1, 10, true)).as("b's claims dropped with it, its failures tried").isEmpty();
        assertThat(a.leftToOthers(run, true)).isFalse();
        a.leave(run);
        Thread.sleep(5);

        c.join(run, LEASE); // a --retry-failed typed later, no worker live: a new rerun
        assertThat(c.claim(run, -1, 10, true)).extracting(InputRecord::id).containsExactly("r0", "r1", "r2", "r3");
    }

    /**
     * A user that may not read stride's tables would have found a database without runs (status, export, a snapshot
     * all empty); it is told what to grant instead, reading and running alike.
     */
    @Test
    void aUserNotAllowedToUseTheTablesIsToldWhatToGrantNotThatThereAreNoRuns() throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN CREATE ROLE stranger LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        }
        String asStranger = PG.url().replace("://postgres@", "://stranger@");
        String told = "does not let user 'stranger' use stride's tables in ";
        assertThatThrownBy(() -> PostgresCheckpointStore.openReadOnly(PostgresCluster.location(asStranger)).close())
                .isInstanceOf(StoreException.class).hasMessageContaining(told)
                .hasMessageContaining("grant it SELECT on them");
        assertThatThrownBy(() -> store(asStranger)).isInstanceOf(StoreException.class).hasMessageContaining(told);
    }

    /** As on SQLite (WorkersTest): a stop saved after another worker ended the run leaves it done. */
    @Test
    void aStopSavedAfterAnotherWorkerEndedTheRunLeavesItDone() {
        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        for (InputRecord r : a.claim(run, -1, RECORDS, false)) {
            a.savePrediction(run, r, done("out"));
        }
        a.saveCursor(run, 2_000, RunState.DONE);
        a.leave(run);

        assertThat(b.saveCursor(run, 2_100, RunState.INTERRUPTED).state()).isEqualTo(RunState.DONE);
        assertThat(b.findRun("a").orElseThrow().state()).isEqualTo(RunState.DONE);
    }

    /** As on SQLite: a stop saved once every record is answered stores the run done, though another is live. */
    @Test
    void aStopSavedOnceEveryRecordIsAnsweredStoresTheRunDoneThoughAnotherWorkerIsStillLive() {
        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        for (InputRecord r : a.claim(run, -1, RECORDS, false)) {
            a.savePrediction(run, r, done("out"));
        }

        assertThat(b.saveCursor(run, 1_000, RunState.INTERRUPTED).state()).isEqualTo(RunState.DONE);
        assertThat(a.findRun("a").orElseThrow().state()).isEqualTo(RunState.DONE);
    }

    /**
     * Two workers' last saves at the same moment: the stop's save waits for the run's row while the other worker's
     * last answer is stored. It reads what it waited for: every record answered, the run done. (Had it read the
     * outcomes before it waited, it would store running over the other's done, and nobody would store it again.)
     */
    @Test
    void aStopSavedWhileTheLastAnswerIsStoredReadsItAndStoresTheRunDone() throws Exception {
        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        List<InputRecord> all = a.claim(run, -1, RECORDS, false);
        for (InputRecord r : all.subList(0, RECORDS - 1)) {
            a.savePrediction(run, r, done("out"));
        }
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Connection holder = PG.connect(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            // Another save of the run in its transaction: the run's row locked as a save locks it.
            st.executeQuery("SELECT 1 FROM runs WHERE run_id = " + run + " FOR NO KEY UPDATE").close();
            Future<RunState> stop = thread.submit(() -> b.saveCursor(run, 1_000, RunState.INTERRUPTED).state());
            awaitALockWait();
            a.savePrediction(run, all.get(RECORDS - 1), done("out"));
            holder.commit();

            assertThat(stop.get()).isEqualTo(RunState.DONE);
            assertThat(a.findRun("a").orElseThrow().state()).isEqualTo(RunState.DONE);
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void anOutcomeDropsItsClaimAndOneWorkersStopLeavesTheRunRunning() {
        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        InputRecord first = a.claim(run, -1, 1, false).get(0);
        assertThat(b.othersAtWork(run)).isTrue();

        assertThat(a.savePrediction(run, first, done("x"))).isTrue();
        assertThat(b.othersAtWork(run)).as("a's only claim went with its outcome").isFalse();
        assertThat(a.liveWorkers(run)).extracting(WorkerInfo::done).containsExactly(1L, 0L);

        assertThat(a.saveCursor(run, 5_000, RunState.INTERRUPTED).state())
                .as("b still works on the run").isEqualTo(RunState.RUNNING);
        b.leave(run);
        assertThat(a.saveCursor(run, 4_000, RunState.INTERRUPTED))
                .satisfies(c -> assertThat(c.state()).isEqualTo(RunState.INTERRUPTED))
                .satisfies(c -> assertThat(c.elapsedMs()).as("the largest a worker reported").isEqualTo(5_000));
    }

    /** As on SQLite: a worker of this machine killed a moment before (kill -9) keeps no stopped run running. */
    @Test
    void theLastLiveWorkersStopStoresTheRunInterruptedThoughAKilledWorkersLeaseHolds() throws Exception {
        PostgresCheckpointStore killed = store();
        PostgresCheckpointStore stopped = store();
        killed.join(run, LEASE);
        stopped.join(run, LEASE);
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE workers SET pid = " + ended.pid() + " WHERE number = 1")).isOne();
        }

        assertThat(stopped.saveCursor(run, 1_000, RunState.INTERRUPTED).state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(stopped.findRun("a").orElseThrow().state()).isEqualTo(RunState.INTERRUPTED);
    }

    @Test
    void eachServersOwnLimitIsStoredWithTheWorkersRow() {
        PostgresCheckpointStore a = store();
        a.join(run, LEASE);
        a.reportInFlight(run, 27, true, Fixtures.TWO_SERVERS);
        a.renewLease(run);

        assertThat(a.liveWorkers(run)).singleElement().satisfies(w -> {
            assertThat(w.inFlight()).isEqualTo(27);
            assertThat(w.servers()).isEqualTo(Fixtures.TWO_SERVERS);
        });
    }

    @Test
    void aRunWithALiveWorkerIsNotClearedAndItsWorkerGoesOnWriting() {
        PostgresCheckpointStore worker = store();
        worker.join(run, LEASE);
        List<InputRecord> claimed = worker.claim(run, -1, 2, false);
        PostgresCheckpointStore other = store();
        WorkerInfo w = other.liveWorkers(run).get(0);

        assertThatThrownBy(() -> other.clearRun("a")).isInstanceOf(LiveWorkersException.class)
                .hasMessageStartingWith("run 'a' in ")
                .hasMessageContaining(" has 1 live worker (" + w.host() + " pid " + w.pid() + "), so nothing was"
                        + " cleared: stop it first (Ctrl+C where it runs)");
        assertThatThrownBy(other::clearAll).isInstanceOf(LiveWorkersException.class);
        assertThat(worker.savePrediction(run, claimed.get(0), done("x"))).isTrue();
        assertThat(other.findRun("a").orElseThrow()).satisfies(r -> {
            assertThat(r.total()).isEqualTo(RECORDS);
            assertThat(r.done()).isEqualTo(1);
        });

        worker.leave(run);
        assertThat(other.clearRun("a")).isTrue();
    }

    @Test
    void aChangedInputSyncedBeforeTheFirstWorkerJoinedIsRefusedAndAStoreClosedUnjoinedLeaves() {
        PostgresCheckpointStore first = store();
        PostgresCheckpointStore second = store();
        first.syncRunAsWorker(spec("b"), recs(10).iterator(), Optional::empty, true, LEASE);
        long b = first.findRun("b").orElseThrow().id();

        assertThatThrownBy(() -> second.syncRunAsWorker(spec("b"), recs(11).iterator(), Optional::empty, true,
                LEASE)).isInstanceOf(LiveWorkersException.class)
                .hasMessageContaining("has 1 live worker and the input differs from its stored records (1 added,"
                        + " 0 edited, 0 removed); nothing was changed");
        assertThat(second.findRun("b").orElseThrow().total()).isEqualTo(10);
        assertThat(first.join(b, LEASE)).as("the sync's row, renewed").isEqualTo(new Joined(1, 0));
        assertThat(ids(first.claim(b, -1, 100, false))).isEqualTo(ids(recs(10)));
        assertThat(second.liveWorkers(b)).hasSize(1);

        first.close();
        assertThat(second.liveWorkers(b)).as("closed without leaving: left").isEmpty();
        assertThat(second.syncRunAsWorker(spec("b"), recs(11).iterator(), Optional::empty, true, LEASE).added())
                .isEqualTo(1);
    }

    @Test
    void anUnchangedInputLookedForWhileAnotherSyncChangesTheRunIsSyncedAgainAndRefused() throws Exception {
        PostgresCheckpointStore first = store();
        PostgresCheckpointStore other = store();
        first.syncRun(spec("b"), recs(10).iterator(), () -> Optional.of("digest-of-10"));
        long b = first.findRun("b").orElseThrow().id();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        try {
            // Another command syncs a changed input (alone so far, so it goes through) and is halfway through it:
            // its transaction holds the run's row.
            Future<SyncReport> changed = threads.submit(() -> other.syncRunAsWorker(spec("b"),
                    pausedHalfway(recs(11), reading, goOn), () -> Optional.of("digest-of-11"), true, LEASE));
            reading.await();
            // This command's input is the run's as it was: the same digest, looked for while the other one syncs.
            Future<Optional<SyncReport>> unchanged = threads.submit(() ->
                    first.syncUnchangedAsWorker(spec("b"), "digest-of-10", LEASE));
            awaitALockWait();
            goOn.countDown();
            assertThat(changed.get().added()).isEqualTo(1);

            assertThat(unchanged.get()).as("the run's input is no longer the one looked for").isEmpty();
        } finally {
            threads.shutdownNow();
        }
        assertThatThrownBy(() -> first.syncRunAsWorker(spec("b"), recs(10).iterator(), Optional::empty, true,
                LEASE)).isInstanceOf(LiveWorkersException.class).hasMessageContaining("(0 added, 0 edited, 1 removed)");
        assertThat(first.liveWorkers(b)).hasSize(1);
    }

    @Test
    void twoCommandsMakingTheSameNewRunTogetherAreDecidedAsIfOneCameLater() throws Exception {
        PostgresCheckpointStore first = store();
        PostgresCheckpointStore same = store();
        PostgresCheckpointStore other = store();
        RunSpec otherModel = new RunSpec("c", "mistral", List.of("http://localhost:8080/v1"), "Say {{text}}",
                new GenerationParams(64, 0.0));
        ExecutorService threads = Executors.newFixedThreadPool(3);
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        try {
            // The first command makes run 'c' and is halfway through its input: the run's row is not committed yet.
            Future<SyncReport> made = threads.submit(() -> first.syncRunAsWorker(spec("c"),
                    pausedHalfway(recs(10), reading, goOn), Optional::empty, true, LEASE));
            reading.await();
            // Two more commands look for 'c', find none, and would make it: one with the same settings, one not.
            Future<SyncReport> joined = threads.submit(() -> same.syncRun(spec("c"), recs(10).iterator()));
            Future<SyncReport> refused = threads.submit(() -> other.syncRun(otherModel, recs(10).iterator()));
            awaitLockWaits(2);
            goOn.countDown();
            assertThat(made.get().created()).isTrue();

            assertThat(joined.get().created()).as("the same run, made by the first").isFalse();
            assertThatThrownBy(refused::get).hasCauseInstanceOf(RunMadeMeanwhileException.class);
        } finally {
            threads.shutdownNow();
        }
        assertThat(first.listRuns()).extracting(RunInfo::name).containsOnlyOnce("c");
    }

    @Test
    void aWorkerStartedWithTheOneMakingTheRunWaitsForItsLoadSaysSoAndJoinsWithoutReadingItsInputAgain()
            throws Exception {
        PostgresCheckpointStore first = store();
        PostgresCheckpointStore second = store();
        List<String> toldWaits = new java.util.concurrent.CopyOnWriteArrayList<>();
        second.tellLoadWaitsTo(toldWaits::add);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        try {
            // The first worker makes run 'c' and is halfway through loading its input.
            Future<SyncReport> made = threads.submit(() -> first.syncRunAsWorker(spec("c"),
                    pausedHalfway(recs(10), reading, goOn), () -> Optional.of("digest-of-10"), true, LEASE));
            reading.await();
            // The second, started with it, found no run 'c' either: the same file, whose digest it can take unread.
            Future<SyncReport> joined = threads.submit(() -> second.syncRunAsWorker(spec("c"), notToBeRead(),
                    () -> Optional.of("digest-of-10"), true, LEASE));
            awaitLockWaits(1);
            assertThat(toldWaits).as("the wait told").containsExactly("c");
            goOn.countDown();
            assertThat(made.get().created()).isTrue();

            SyncReport report = joined.get();
            assertThat(report.created()).isFalse();
            assertThat(report.total()).isEqualTo(10);
            assertThat(report.changedRecords()).isFalse();
        } finally {
            threads.shutdownNow();
        }
        long c = first.findRun("c").orElseThrow().id();
        assertThat(second.enlistedAs(c)).as("its place").contains(new Joined(2, 1));
    }

    /** An input that a sync must not read: its records are the run's already. */
    private static Iterator<InputRecord> notToBeRead() {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                throw new AssertionError("the input was read again, record by record");
            }

            @Override
            public InputRecord next() {
                throw new AssertionError("the input was read again, record by record");
            }
        };
    }

    /** Until {@code n} sessions wait for a lock. */
    private void awaitLockWaits(int n) throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")) {
                    rs.next();
                    if (rs.getInt(1) >= n) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
        }
    }

    /** {@code records}, stopping before the middle one until {@code goOn}, once {@code reading} is counted down. */
    private static Iterator<InputRecord> pausedHalfway(List<InputRecord> records, CountDownLatch reading,
                                                       CountDownLatch goOn) {
        Iterator<InputRecord> all = records.iterator();
        return new Iterator<>() {
            private int given;

            @Override
            public boolean hasNext() {
                return all.hasNext();
            }

            @Override
            public InputRecord next() {
                if (given++ == records.size() / 2) {
                    reading.countDown();
                    try {
                        goOn.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
                return all.next();
            }
        };
    }

    /** Until a session waits for a lock: the command under test, behind another transaction. */
    private void awaitALockWait() throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }
    }

    private static List<String> ids(List<InputRecord> records) {
        return records.stream().map(InputRecord::id).toList();
    }
}
