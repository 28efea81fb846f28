package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.failure;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Joined;
import dev.stride.core.LiveWorkersException;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.RunWorkers;
import dev.stride.core.Timing;
import dev.stride.core.WorkerInfo;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.impl.DefaultExecuteListenerProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several stores on one file, each a worker of the same run: claims, leases, and the run-wide state they share. */
class WorkersTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final SteppedClock clock = new SteppedClock();
    private final List<SqliteCheckpointStore> opened = new ArrayList<>();
    private Path file;
    private long run;

    @BeforeEach
    void aRunOf100Records() {
        file = dir.resolve("shared.db");
        SqliteCheckpointStore first = store();
        first.syncRun(spec("a"), recs(100).iterator());
        run = first.findRun("a").orElseThrow().id();
    }

    @AfterEach
    void closeAll() {
        opened.forEach(SqliteCheckpointStore::close);
    }

    private SqliteCheckpointStore store() {
        SqliteCheckpointStore s = SqliteCheckpointStore.open(file, clock);
        opened.add(s);
        return s;
    }

    @Test
    void recordsLeftToOthersAreFreeOrAnotherWorkersNeverThisWorkersOwn() {
        SqliteCheckpointStore me = store();
        SqliteCheckpointStore other = store();
        me.join(run, LEASE);
        other.join(run, LEASE);
        assertThat(me.claim(run, -1, 97, false)).hasSize(97);
        assertThat(me.leftToOthers(run, false)).as("three records free").isTrue();

        List<InputRecord> theirs = other.claim(run, -1, 100, false);
        assertThat(theirs).extracting(InputRecord::id).containsExactly("r97", "r98", "r99");
        assertThat(me.leftToOthers(run, false)).as("three held by the other worker").isTrue();
        other.savePrediction(run, theirs.get(0), done("a"));
        other.savePrediction(run, theirs.get(1), done("b"));
        other.saveFailure(run, theirs.get(2), failure("http_500"));

        assertThat(me.leftToOthers(run, false)).as("only this worker's own claims have no outcome").isFalse();
        assertThat(me.leftToOthers(run, true)).as("a failure is left to whoever retries failures").isTrue();
        assertThat(other.leftToOthers(run, false)).as("for the other worker, the first's claims").isTrue();
    }

    @Test
    void workersRetryingFailuresDoNotWaitForTheFailuresEachOtherStoredThisSession() {
        SqliteCheckpointStore first = store();
        first.join(run, LEASE);
        List<InputRecord> all = first.claim(run, -1, 100, false);
        for (InputRecord r : all.subList(0, 98)) {
            first.savePrediction(run, r, done("out"));
        }
        first.saveFailure(run, all.get(98), failure("http_500"));
        first.saveFailure(run, all.get(99), failure("http_500"));
        first.leave(run);
        clock.advance(Duration.ofMinutes(1));

        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        InputRecord ofA = a.claim(run, -1, 1, true).get(0);
        InputRecord ofB = b.claim(run, -1, 1, true).get(0);
        assertThat(a.othersAtWork(run)).as("b is about to retry %s", ofB.id()).isTrue();
        assertThat(a.leftToOthers(run, true)).isTrue();

        FailedPrediction again = new FailedPrediction("http_500", "still no", new Timing(900, 1, clock.instant()));
        a.saveFailure(run, ofA, again);
        b.saveFailure(run, ofB, again);

        // Each keeps its claim (each failure is tried once a session) and neither waits for the other's.
        assertThat(a.othersAtWork(run)).as("b tried %s this session", ofB.id()).isFalse();
        assertThat(b.othersAtWork(run)).as("a tried %s this session", ofA.id()).isFalse();
        assertThat(a.leftToOthers(run, true)).isFalse();
        assertThat(b.leftToOthers(run, true)).isFalse();
        assertThat(a.claim(run, -1, 10, true)).as("each failure tried once a session").isEmpty();
    }

    @Test
    void twoWorkersClaimingAtOnceGetDisjointRecordsThatCoverTheRun() throws Exception {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        assertThat(a.join(run, LEASE)).isEqualTo(new Joined(1, 0));
        assertThat(b.join(run, LEASE)).isEqualTo(new Joined(2, 1));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<List<String>> fromA = threads.submit(claimAll(a));
            Future<List<String>> fromB = threads.submit(claimAll(b));
            List<String> ofA = fromA.get();
            List<String> ofB = fromB.get();

            Set<String> overlap = new HashSet<>(ofA);
            overlap.retainAll(ofB);
            assertThat(overlap).as("records claimed by both").isEmpty();
            Set<String> all = new HashSet<>(ofA);
            all.addAll(ofB);
            assertThat(all).hasSize(100);
            assertThat(ofA.size() + ofB.size()).isEqualTo(100);
        } finally {
            threads.shutdownNow();
        }
    }

    /** Claims in small batches, never storing an outcome, until nothing is left: every claim stays held. */
    private Callable<List<String>> claimAll(SqliteCheckpointStore s) {
        return () -> {
            List<String> ids = new ArrayList<>();
            // Bounded: a claim that hands out held records again would never run dry.
            for (int tries = 0; tries < 100; tries++) {
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
    void aLiveWorkersClaimsAreLeftAloneAndADeadOnesAreTaken() {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        List<String> ofA = ids(a.claim(run, -1, 10, false));
        b.join(run, LEASE);

        assertThat(ids(b.claim(run, -1, 10, false))).doesNotContainAnyElementsOf(ofA);
        assertThat(b.othersAtWork(run)).isTrue();

        // a is killed: it renews no more. Just before its lease ends, its records are still its own.
        clock.advance(LEASE.minusSeconds(1));
        b.renewLease(run);
        assertThat(ids(b.claim(run, -1, 100, false))).doesNotContainAnyElementsOf(ofA).hasSize(80);
        clock.advance(Duration.ofSeconds(2));
        assertThat(b.othersAtWork(run)).isFalse();
        assertThat(ids(b.claim(run, -1, 100, false))).containsExactlyElementsOf(ofA);
        assertThat(b.liveWorkers(run)).extracting(WorkerInfo::number).containsExactly(2);
    }

    /**
     * A worker claims on from its last claim, as the runner does; the records of a worker whose lease ran out lie
     * behind it (they were claimed before its own), and are its next claim's, lowest first, not left to its next
     * pass from the start of the input.
     */
    @Test
    void aDeadWorkersClaimsBehindThisWorkersLastClaimAreTakenAtItsNextClaim() {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        List<InputRecord> ofA = a.claim(run, -1, 10, false);
        List<InputRecord> ofB = b.claim(run, -1, 10, false);
        long afterB = ofB.get(ofB.size() - 1).seq();

        // a is killed: it renews no more. Until its lease ends, b's claims go on after its own.
        clock.advance(LEASE.minusSeconds(1));
        b.renewLease(run);
        List<InputRecord> onward = b.claim(run, afterB, 5, false);
        assertThat(ids(onward)).doesNotContainAnyElementsOf(ids(ofA));
        afterB = onward.get(onward.size() - 1).seq();
        clock.advance(Duration.ofSeconds(2));

        List<InputRecord> next = b.claim(run, afterB, 6, false);
        assertThat(ids(next)).as("the dead worker's, lowest first").containsExactlyElementsOf(ids(ofA.subList(0, 6)));
        List<InputRecord> then = b.claim(run, next.get(next.size() - 1).seq(), 6, false);
        assertThat(ids(then)).as("the rest of them, then on after b's own")
                .startsWith(ids(ofA.subList(6, 10)).toArray(String[]::new))
                .doesNotContainAnyElementsOf(ids(ofB)).doesNotContainAnyElementsOf(ids(onward)).hasSize(6);
    }

    /**
     * A worker of this machine is killed (kill -9) while another works on: the other's next claim (a second later, far
     * within the lease) takes its records, lowest first, as it would once the lease ran out; while its process lives,
     * or when its row says another machine, they are left to it.
     */
    @Test
    void aKilledWorkerOfThisMachineHasItsRecordsTakenAtTheNextClaimOfAWorkerAtWork() throws Exception {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        List<InputRecord> ofA = a.claim(run, -1, 10, false);
        List<InputRecord> ofB = b.claim(run, -1, 10, false);
        long afterB = ofB.get(ofB.size() - 1).seq();
        Process sleeping = new ProcessBuilder("sleep", "60").start();
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        try {
            // a's row as another process of this machine left it: alive, then killed.
            setPidOfWorker(1, sleeping.pid());
            clock.advance(Duration.ofSeconds(1));
            List<InputRecord> onward = b.claim(run, afterB, 5, false);
            assertThat(ids(onward)).as("its process alive").doesNotContainAnyElementsOf(ids(ofA));
            afterB = onward.get(onward.size() - 1).seq();

            setPidOfWorker(1, ended.pid());
            setHostOfWorker(1, "another-machine");
            clock.advance(Duration.ofSeconds(1));
            onward = b.claim(run, afterB, 5, false);
            assertThat(ids(onward)).as("a pid of another machine says nothing").doesNotContainAnyElementsOf(ids(ofA));
            afterB = onward.get(onward.size() - 1).seq();

            String here = b.liveWorkers(run).stream().filter(w -> w.number() == 2).findFirst().orElseThrow().host();
            setHostOfWorker(1, here);
            clock.advance(Duration.ofSeconds(1));
            onward = b.claim(run, afterB, 5, false);
            // Renewed 3 s ago: alive as far as the database can tell (a process of another container under this
            // machine's name looks gone from here), so its lease stands until it misses a renewal.
            assertThat(ids(onward)).as("its last renewal moments ago").doesNotContainAnyElementsOf(ids(ofA));
            afterB = onward.get(onward.size() - 1).seq();

            clock.advance(LEASE.dividedBy(2));
            List<InputRecord> next = b.claim(run, afterB, 10, false);
            assertThat(ids(next)).as("the killed worker's, lowest first").containsExactlyElementsOf(ids(ofA));
            assertThat(b.liveWorkers(run)).extracting(WorkerInfo::number).containsExactly(2);
            assertThat(b.renewLease(run)).as("b's own lease untouched").isTrue();
        } finally {
            sleeping.destroyForcibly();
        }
    }

    /**
     * A worker stops (Ctrl+C, SIGTERM) with records claimed that it never asked: the other worker, claiming on from its
     * last claim, takes them at its next claim, lowest first, rather than at its next pass from the start (the end of
     * the run). A worker that stops with nobody else at work leaves no row behind, as before.
     */
    @Test
    void recordsAStoppedWorkerLeftUnansweredAreTheNextClaimOfAWorkerAtWork() throws Exception {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        List<InputRecord> ofA = a.claim(run, -1, 10, false);
        List<InputRecord> ofB = b.claim(run, -1, 10, false);
        assertThat(a.savePrediction(run, ofA.get(0), done("yes"))).isTrue();

        a.leave(run);
        assertThat(b.liveWorkers(run)).extracting(WorkerInfo::number).containsExactly(2);
        assertThat(b.othersAtWork(run)).isFalse();
        List<InputRecord> next = b.claim(run, ofB.get(ofB.size() - 1).seq(), 9, false);
        assertThat(ids(next)).as("the stopped worker's unanswered, lowest first")
                .containsExactlyElementsOf(ids(ofA.subList(1, 10)));
        assertThat(count("SELECT count(*) FROM workers WHERE run_id = " + run)).isOne();

        b.leave(run);
        assertThat(count("SELECT count(*) FROM workers WHERE run_id = " + run)).as("nobody left to hand them to")
                .isZero();
        assertThat(claimsHeld()).isEmpty();
    }

    private void setHostOfWorker(int number, String host) throws Exception {
        try (Connection c = Fixtures.jdbc(file);
             PreparedStatement st = c.prepareStatement("UPDATE workers SET host = ? WHERE number = ?")) {
            st.setString(1, host);
            st.setInt(2, number);
            assertThat(st.executeUpdate()).isOne();
        }
    }

    @Test
    void whatAWorkerKeepsInFlightIsStoredWhenItJoinsAndAtEachRenewal() throws Exception {
        SqliteCheckpointStore a = store();
        a.reportInFlight(run, 8, false, List.of());
        a.join(run, LEASE);
        assertThat(a.liveWorkers(run)).extracting(WorkerInfo::inFlight, WorkerInfo::inFlightAuto)
                .containsExactly(tuple(8, false));

        // --concurrency auto: the figure moves in memory and reaches the row with the next renewal, not before.
        a.reportInFlight(run, 24, true, List.of());
        assertThat(a.liveWorkers(run).get(0).inFlight()).isEqualTo(8);
        a.renewLease(run);
        assertThat(a.liveWorkers(run)).extracting(WorkerInfo::inFlight, WorkerInfo::inFlightAuto)
                .containsExactly(tuple(24, true));
    }

    @Test
    void eachServersOwnLimitIsStoredWithTheRowAsJsonThatPlainSqlTakesApart() throws Exception {
        SqliteCheckpointStore a = store();
        a.join(run, LEASE);
        a.reportInFlight(run, 27, true, Fixtures.TWO_SERVERS);
        a.renewLease(run);

        assertThat(a.liveWorkers(run).get(0).servers()).isEqualTo(Fixtures.TWO_SERVERS);
        try (Connection c = Fixtures.jdbc(file); ResultSet rs = c.createStatement().executeQuery(
                "SELECT json_extract(s.value, '$.base_url'), json_extract(s.value, '$.in_flight'),"
                        + " json_extract(s.value, '$.set_aside')"
                        + " FROM workers, json_each(workers.in_flight_servers) s ORDER BY s.key")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getInt(2) + " " + rs.getInt(3));
            }
            assertThat(rows).containsExactly("http://gpu1:8000/v1 8 0", "http://gpu2:8000/v1 19 1");
        }

        // Back to one server's worth (or a fixed bound): nothing per server is kept.
        a.reportInFlight(run, 8, true, List.of());
        a.renewLease(run);
        assertThat(a.liveWorkers(run).get(0).servers()).isEmpty();
    }

    @Test
    void aWorkerOfThisMachineWhoseProcessEndedIsNotShownAsLiveThoughItsLeaseHolds() throws Exception {
        SqliteCheckpointStore a = store();
        a.join(run, LEASE);
        Process sleeping = new ProcessBuilder("sleep", "60").start();
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        try {
            // The worker's row as another process of this machine left it: alive, then killed (kill -9).
            setWorkerPid(sleeping.pid());
            assertThat(store().liveWorkers(run)).extracting(WorkerInfo::pid).containsExactly(sleeping.pid());
            setWorkerPid(ended.pid());
            assertThat(store().liveWorkers(run)).as("its process is gone").isEmpty();
        } finally {
            sleeping.destroyForcibly();
        }
    }

    /**
     * Whether nobody works on the run any more, by the judgement the live workers are listed by: status shows a run
     * stored as running interrupted at once when so, without waiting for its cursor to grow 20 s old.
     */
    @Test
    void aRunsWorkersAreAllGoneOnceEveryProcessOfThisMachineEndedOrAnotherMachinesLeaseRanOut() throws Exception {
        SqliteCheckpointStore a = store();
        assertThat(a.workersAllGone(run)).as("no worker on record says nothing").isFalse();
        a.join(run, LEASE);
        assertThat(store().workersAllGone(run)).as("this process at work").isFalse();
        Process sleeping = new ProcessBuilder("sleep", "60").start();
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        try {
            setWorkerPid(sleeping.pid());
            assertThat(store().workersAllGone(run)).as("its process alive").isFalse();
            setWorkerPid(ended.pid());
            assertThat(store().workersAllGone(run)).as("its process killed, its lease still holding").isTrue();

            // One of two gone: the run goes on. (A worker that joins drops the dead one's row: it joins first.)
            setWorkerPid(sleeping.pid());
            SqliteCheckpointStore b = store();
            b.join(run, LEASE);
            try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement()) {
                assertThat(st.executeUpdate("UPDATE workers SET pid = " + ended.pid() + " WHERE number = 1")).isOne();
            }
            assertThat(store().workersAllGone(run)).as("the second one at work").isFalse();
            b.leave(run);
            assertThat(store().workersAllGone(run)).as("the second one left").isTrue();

            // A worker of another machine: its lease is all there is to go by, whatever its process id.
            try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE workers SET host = 'elsewhere.example'");
            }
            assertThat(store().workersAllGone(run)).as("its lease holds").isFalse();
            clock.advance(LEASE.plusSeconds(1));
            assertThat(store().workersAllGone(run)).as("its lease ran out").isTrue();
        } finally {
            sleeping.destroyForcibly();
        }
    }

    /**
     * Status and the dashboard's runs list read every run's workers at once: one query for any number of runs (they
     * asked three a run, most of their time with 300 runs), with the judgement of each run's own look.
     */
    @Test
    void everyRunsWorkersAreReadInOneQueryAndJudgedAsEachRunsOwnLook() throws Exception {
        SqliteCheckpointStore first = store();
        for (String name : List.of("b", "c", "d", "e")) {
            first.syncRun(spec(name), recs(3).iterator());
        }
        long b = first.findRun("b").orElseThrow().id();
        long c = first.findRun("c").orElseThrow().id();
        long e = first.findRun("e").orElseThrow().id();
        store().join(run, LEASE);                       // a: this process at work
        store().join(b, LEASE);                         // b: killed (kill -9), its lease holding
        store().join(c, Duration.ofSeconds(5));         // c: of another machine, its lease run out below
        store().join(e, LEASE);                         // e: one killed, one at work
        store().join(e, LEASE);                         // (d: no worker on record)
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        try (Connection conn = Fixtures.jdbc(file); Statement st = conn.createStatement()) {
            st.executeUpdate("UPDATE workers SET pid = " + ended.pid() + " WHERE run_id = " + b
                    + " OR (run_id = " + e + " AND number = 1)");
            st.executeUpdate("UPDATE workers SET host = 'elsewhere.example' WHERE run_id = " + c);
        }
        clock.advance(Duration.ofSeconds(6));

        SqliteCheckpointStore look = store();
        List<RunInfo> runs = look.listRuns();
        AtomicInteger queries = countQueries(look);
        Map<Long, RunWorkers> together = look.workersOfRuns(runs);
        assertThat(queries).as("queries for %s runs", runs.size()).hasValue(1);

        Map<Long, RunWorkers> eachAlone = new LinkedHashMap<>();
        for (RunInfo r : runs) {
            eachAlone.put(r.id(), new RunWorkers(look.liveWorkers(r.id()), look.workersAllGone(r.id())));
        }
        assertThat(together).isEqualTo(eachAlone);
        Map<String, RunWorkers> byName = new LinkedHashMap<>();
        runs.forEach(r -> byName.put(r.name(), together.get(r.id())));
        assertThat(byName.get("a").live()).hasSize(1);
        assertThat(byName.get("a").allGone()).isFalse();
        assertThat(byName.get("b")).isEqualTo(new RunWorkers(List.of(), true));
        assertThat(byName.get("c")).isEqualTo(new RunWorkers(List.of(), true));
        assertThat(byName.get("d")).isEqualTo(RunWorkers.NONE);
        assertThat(byName.get("e").live()).extracting(WorkerInfo::number).containsExactly(2);
        assertThat(byName.get("e").allGone()).isFalse();
    }

    /** Counts the queries {@code store} runs on its reading connection from now on. */
    private static AtomicInteger countQueries(SqliteCheckpointStore store) throws Exception {
        AtomicInteger queries = new AtomicInteger();
        java.lang.reflect.Field read = SqliteCheckpointStore.class.getDeclaredField("read");
        read.setAccessible(true);
        ((DSLContext) read.get(store)).configuration().set(new DefaultExecuteListenerProvider(new ExecuteListener() {
            @Override
            public void executeStart(ExecuteContext ctx) {
                queries.incrementAndGet();
            }
        }));
        return queries;
    }

    @Test
    void aChangedInputIsNotRefusedForAWorkerOfThisMachineWhoseProcessIsGone() throws Exception {
        SqliteCheckpointStore killed = store();
        killed.join(run, LEASE);
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        setWorkerPid(ended.pid()); // the worker's process was killed (kill -9): its lease runs on, unused

        SqliteCheckpointStore rerun = store();
        assertThat(rerun.syncRun(spec("a"), recs(101).iterator()).added()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM workers WHERE run_id = " + run)).isZero();
    }

    private void setWorkerPid(long pid) throws Exception {
        try (Connection c = Fixtures.jdbc(file);
             PreparedStatement st = c.prepareStatement("UPDATE workers SET pid = ?")) {
            st.setLong(1, pid);
            assertThat(st.executeUpdate()).isOne();
        }
    }

    @Test
    void aWorkersServersInTextThisBuildCannotReadAreLeftOutNotAnError() throws Exception {
        SqliteCheckpointStore a = store();
        a.reportInFlight(run, 8, true, List.of());
        a.join(run, LEASE);
        for (String text : new String[] {"not json", "{\"base_url\":\"x\"}", "[{\"in_flight\":3}]",
                "{\"k\":{\"base_url\":\"x\",\"in_flight\":1}}"}) {
            try (Connection c = Fixtures.jdbc(file);
                 PreparedStatement st = c.prepareStatement("UPDATE workers SET in_flight_servers = ?")) {
                st.setString(1, text);
                st.executeUpdate();
            }
            assertThat(a.liveWorkers(run)).singleElement().satisfies(w -> {
                assertThat(w.inFlight()).isEqualTo(8);
                assertThat(w.servers()).as(text).isEmpty();
            });
        }
    }

    @Test
    void anOutcomeDropsItsClaimInTheSameTransactionAndCountsForItsWorker() throws Exception {
        SqliteCheckpointStore a = store();
        a.join(run, LEASE);
        List<InputRecord> claimed = a.claim(run, -1, 4, false);

        assertThat(a.savePrediction(run, claimed.get(0), done("yes"))).isTrue();
        assertThat(a.saveFailure(run, claimed.get(1), failure("http_400"))).isTrue();

        assertThat(claimsHeld()).containsExactly(claimed.get(2).id(), claimed.get(3).id());
        WorkerInfo me = a.liveWorkers(run).get(0);
        assertThat(me.done()).as("a failure is not done").isEqualTo(1);
        assertThat(me.failed()).isEqualTo(1);
        assertThat(me.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(a.findRun("a").orElseThrow().done()).isEqualTo(1);
        assertThat(a.findRun("a").orElseThrow().failed()).isEqualTo(1);

        a.leave(run);
        assertThat(claimsHeld()).isEmpty();
        assertThat(a.liveWorkers(run)).isEmpty();
    }

    @Test
    void withRetryFailedAFailureIsClaimedOncePerSession() {
        SqliteCheckpointStore a = store();
        a.join(run, LEASE);
        InputRecord r = a.claim(run, -1, 1, false).get(0);
        a.saveFailure(run, r, failure("http_500"));
        a.leave(run);

        // Time passes between commands: a rerun retries the failures stored before it began.
        clock.advance(Duration.ofSeconds(1));
        SqliteCheckpointStore b = store();
        b.join(run, LEASE);
        assertThat(ids(b.claim(run, -1, 1, true))).containsExactly(r.id());
        b.saveFailure(run, r, failure("http_500"));
        assertThat(ids(b.claim(run, -1, 1, true))).doesNotContain(r.id());
        b.leave(run);
        clock.advance(Duration.ofSeconds(1));
        b.join(run, LEASE);
        assertThat(ids(b.claim(run, -1, 1, true))).containsExactly(r.id());
    }

    /**
     * Two workers of one --retry-failed rerun ask each failure once between them: a failure that one tried again and
     * stored is not the other's to claim once the first has left (its claim gone with it), nor after the second died
     * and the first came back to join the others; a --retry-failed typed once every worker is gone retries it again.
     */
    @Test
    void aFailureTriedAgainInThisRerunIsNeverClaimedAgainByAnyWorkerOfIt() {
        SqliteCheckpointStore first = store();
        first.join(run, LEASE);
        List<InputRecord> all = first.claim(run, -1, 100, false);
        for (InputRecord r : all) {
            if (r.seq() < 4) {
                first.saveFailure(run, r, failure("http_500"));
            } else {
                first.savePrediction(run, r, done("out"));
            }
        }
        first.leave(run);
        clock.advance(Duration.ofMinutes(1));

        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        SqliteCheckpointStore c = store();
        a.join(run, LEASE);
        List<InputRecord> ofA = a.claim(run, -1, 2, true);
        assertThat(ids(ofA)).containsExactly("r0", "r1");
        clock.advance(Duration.ofSeconds(2));
        b.join(run, LEASE); // joins the rerun a began
        clock.advance(Duration.ofSeconds(2));
        FailedPrediction again = new FailedPrediction("http_500", "still no", new Timing(900, 1, clock.instant()));
        for (InputRecord r : ofA) {
            a.saveFailure(run, r, again);
        }
        a.leave(run); // done with its pass: its claims go
        clock.advance(Duration.ofSeconds(2));

        List<InputRecord> ofB = b.claim(run, -1, 10, true); // its first claim, after a's failures
        assertThat(ids(ofB)).as("a tried r0 and r1 in this rerun").containsExactly("r2", "r3");
        clock.advance(Duration.ofSeconds(2));
        FailedPrediction alsoAgain = new FailedPrediction("http_500", "no", new Timing(900, 1, clock.instant()));
        for (InputRecord r : ofB) {
            b.saveFailure(run, r, alsoAgain);
        }
        assertThat(b.leftToOthers(run, true)).as("nothing left to b in this rerun").isFalse();
        clock.advance(Duration.ofSeconds(2));

        a.join(run, LEASE); // a restarted while b goes on: the same rerun
        assertThat(a.claim(run, -1, 10, true)).isEmpty();
        clock.advance(LEASE.plusSeconds(1)); // b dies (kill -9 on another machine): its lease runs out, then its row
        assertThat(a.claim(run, -1, 10, true)).as("b's claims dropped with it, its failures tried").isEmpty();
        assertThat(a.leftToOthers(run, true)).isFalse();
        a.leave(run);

        clock.advance(Duration.ofSeconds(1));
        c.join(run, LEASE); // a --retry-failed typed later, no worker live: a new rerun
        assertThat(ids(c.claim(run, -1, 10, true))).containsExactly("r0", "r1", "r2", "r3");
    }

    @Test
    void oneWorkersStopLeavesTheRunRunningWhileAnotherWorksAndElapsedTimeIsWallTime() {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        a.saveCursor(run, 5_000, RunState.RUNNING);

        a.saveCursor(run, 3_000, RunState.INTERRUPTED);
        RunInfo stored = b.findRun("a").orElseThrow();
        assertThat(stored.state()).isEqualTo(RunState.RUNNING);
        assertThat(stored.elapsedMs()).isEqualTo(5_000);

        a.leave(run);
        b.saveCursor(run, 7_000, RunState.INTERRUPTED);
        stored = b.findRun("a").orElseThrow();
        assertThat(stored.state()).isEqualTo(RunState.INTERRUPTED);
        assertThat(stored.elapsedMs()).isEqualTo(7_000);
    }

    /**
     * The other worker was killed (kill -9) on this machine a moment before this one is stopped (SIGTERM): its lease
     * still holds, but nobody works on the run any more, so the stop stores it interrupted, as status shows it, and not
     * running (which the progress view would show for 20 s, and the runs table until the next run).
     */
    @Test
    void theLastLiveWorkersStopStoresTheRunInterruptedThoughAKilledWorkersLeaseHolds() throws Exception {
        SqliteCheckpointStore killed = store();
        SqliteCheckpointStore stopped = store();
        killed.join(run, LEASE);
        stopped.join(run, LEASE);
        Process sleeping = new ProcessBuilder("sleep", "60").start();
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        try {
            setPidOfWorker(1, sleeping.pid());
            assertThat(stopped.saveCursor(run, 1_000, RunState.INTERRUPTED).state()).as("its process alive")
                    .isEqualTo(RunState.RUNNING);

            setPidOfWorker(1, ended.pid());
            assertThat(stopped.saveCursor(run, 2_000, RunState.INTERRUPTED).state()).as("its process killed")
                    .isEqualTo(RunState.INTERRUPTED);
            assertThat(stopped.findRun("a").orElseThrow().state()).isEqualTo(RunState.INTERRUPTED);
        } finally {
            sleeping.destroyForcibly();
        }
    }

    private void setPidOfWorker(int number, long pid) throws Exception {
        try (Connection c = Fixtures.jdbc(file);
             PreparedStatement st = c.prepareStatement("UPDATE workers SET pid = ? WHERE number = ?")) {
            st.setLong(1, pid);
            st.setInt(2, number);
            assertThat(st.executeUpdate()).isOne();
        }
    }

    /**
     * One worker ends the run (every record answered, saved done) as another is stopped (SIGTERM): the stop's save
     * comes last, and the run stays done, with failures when it has them, instead of reading as interrupted for good.
     */
    @Test
    void aStopSavedAfterAnotherWorkerEndedTheRunLeavesItDone() {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        List<InputRecord> all = a.claim(run, -1, 100, false);
        for (InputRecord r : all.subList(0, 99)) {
            a.savePrediction(run, r, done("out"));
        }
        // Not everything answered yet: a stop is a stop.
        assertThat(b.saveCursor(run, 1_000, RunState.INTERRUPTED).state()).isEqualTo(RunState.RUNNING);
        a.saveFailure(run, all.get(99), failure("http_500"));
        a.saveCursor(run, 2_000, RunState.DONE_WITH_FAILURES);
        a.leave(run);

        assertThat(b.saveCursor(run, 2_100, RunState.INTERRUPTED).state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        assertThat(b.findRun("a").orElseThrow().state()).isEqualTo(RunState.DONE_WITH_FAILURES);
        b.leave(run);
    }

    /**
     * Two workers end together: the stop of one is saved once every record is answered, while the other, whose last
     * answers those were, has not left yet (its lease live). The run is done, not running: nobody would store it done
     * after that, and status would call it interrupted with nothing left.
     */
    @Test
    void aStopSavedOnceEveryRecordIsAnsweredStoresTheRunDoneThoughAnotherWorkerIsStillLive() {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        for (InputRecord r : a.claim(run, -1, 100, false)) {
            a.savePrediction(run, r, done("out"));
        }

        assertThat(b.saveCursor(run, 1_000, RunState.INTERRUPTED).state()).isEqualTo(RunState.DONE);
        assertThat(a.findRun("a").orElseThrow().state()).isEqualTo(RunState.DONE);
        // A save while running is not a stop: it stays running, whatever is answered.
        assertThat(a.saveCursor(run, 1_100, RunState.RUNNING).state()).isEqualTo(RunState.RUNNING);
    }

    @Test
    void aChangedInputIsRefusedWhileAWorkerIsLiveAndTheSameInputJoins() {
        SqliteCheckpointStore a = store();
        a.join(run, LEASE);
        SqliteCheckpointStore b = store();

        assertThatThrownBy(() -> b.syncRun(spec("a"), recs(101).iterator()))
                .isInstanceOf(LiveWorkersException.class)
                .hasMessage("run 'a' in " + file + " has 1 live worker and the input differs from its stored"
                        + " records (1 added, 0 edited, 0 removed); nothing was changed. Wait for the workers to"
                        + " finish or stop them (Ctrl+C), then run again");
        assertThat(b.findRun("a").orElseThrow().total()).isEqualTo(100);

        assertThat(b.syncRun(spec("a"), recs(100).iterator()).added()).isZero();
        // Once the worker is gone (its lease ran out), the change goes through.
        clock.advance(LEASE.plusSeconds(1));
        assertThat(b.syncRun(spec("a"), recs(101).iterator()).added()).isEqualTo(1);
    }

    /**
     * A worker whose lease ran out (paused past it) learns so at its next renewal: the claims another worker took
     * meanwhile are lost (it sends none of them), and those no one took are its own again, so its requests out for
     * them are not asked again by anyone; while the lease holds, renewals keep them.
     */
    @Test
    void aRenewalAfterTheLeaseRanOutSaysSoAndKeepsTheClaimsNoOtherWorkerTook() throws Exception {
        SqliteCheckpointStore paused = store();
        SqliteCheckpointStore other = store();
        paused.join(run, LEASE);
        assertThat(paused.claim(run, -1, 10, false)).hasSize(10);
        clock.advance(LEASE.minusSeconds(1));
        assertThat(paused.renewLease(run)).isTrue();
        assertThat(count("SELECT count(*) FROM claims")).isEqualTo(10);

        clock.advance(LEASE.plusSeconds(1));
        other.join(run, LEASE);
        assertThat(other.claim(run, -1, 4, false)).extracting(InputRecord::id)
                .containsExactly("r0", "r1", "r2", "r3");
        other.savePrediction(run, recs(100).get(0), done("theirs"));

        assertThat(paused.renewLease(run)).as("lapsed").isFalse();
        assertThat(count("SELECT count(*) FROM claims")).as("the other's 3 left, and r4 to r9 again").isEqualTo(9);
        assertThat(count("SELECT count(DISTINCT worker_id) FROM claims WHERE record_id IN ('r4', 'r5', 'r6', 'r7',"
                + " 'r8', 'r9')")).as("one worker holds r4 to r9").isEqualTo(1);
        assertThat(count("SELECT count(*) FROM claims WHERE record_id IN ('r1', 'r2', 'r3') AND worker_id ="
                + " (SELECT worker_id FROM claims WHERE record_id = 'r4')")).as("none of the other's").isZero();
        assertThat(List.of("r0", "r1", "r2", "r3")).noneMatch(id -> paused.stillClaimed(run, id));
        assertThat(List.of("r4", "r5", "r6", "r7", "r8", "r9")).allMatch(id -> paused.stillClaimed(run, id));
        // Its request for r0 was out: the other's answer stays, stored once.
        assertThat(paused.savePrediction(run, recs(100).get(0), done("mine"))).isFalse();
        assertThat(count("SELECT count(*) FROM predictions")).isEqualTo(1);

        assertThat(paused.renewLease(run)).as("held again").isTrue();
        assertThat(paused.claim(run, -1, 3, false)).extracting(InputRecord::id)
                .containsExactly("r10", "r11", "r12");
    }

    /** A lease that ran out while no other worker took the worker for dead still holds every claim it made. */
    @Test
    void aRenewalAfterTheLeaseRanOutWithNoOtherWorkerKeepsEveryClaim() throws Exception {
        SqliteCheckpointStore paused = store();
        paused.join(run, LEASE);
        assertThat(paused.claim(run, -1, 10, false)).hasSize(10);
        clock.advance(LEASE.plusSeconds(1));

        assertThat(paused.renewLease(run)).as("lapsed").isFalse();
        assertThat(count("SELECT count(*) FROM claims")).isEqualTo(10);
        assertThat(recs(10)).allMatch(r -> paused.stillClaimed(run, r.id()));
    }

    @Test
    void aChangedInputSyncedBeforeTheFirstWorkerJoinedIsRefusedAndTheFirstWorksOnItsOwnRecords() throws Exception {
        SqliteCheckpointStore first = store();
        SqliteCheckpointStore second = store();
        // The first worker of a new run has synced and not joined yet: its session is about to start.
        first.syncRunAsWorker(spec("b"), recs(10).iterator(), Optional::empty, true, LEASE);
        long b = first.findRun("b").orElseThrow().id();

        assertThatThrownBy(() -> second.syncRunAsWorker(spec("b"), recs(11).iterator(), Optional::empty, true,
                LEASE))
                .isInstanceOf(LiveWorkersException.class)
                .hasMessage("run 'b' in " + file + " has 1 live worker and the input differs from its stored"
                        + " records (1 added, 0 edited, 0 removed); nothing was changed. Wait for the workers to"
                        + " finish or stop them (Ctrl+C), then run again");
        assertThat(count("SELECT count(*) FROM records WHERE run_id = " + b)).isEqualTo(10);
        assertThat(count("SELECT count(*) FROM workers WHERE run_id = " + b)).as("the refused one is no worker")
                .isEqualTo(1);

        // The join is the row the sync made, renewed: one worker, the first.
        assertThat(first.join(b, LEASE)).isEqualTo(new Joined(1, 0));
        assertThat(count("SELECT count(*) FROM workers WHERE run_id = " + b)).isEqualTo(1);
        List<InputRecord> claimed = first.claim(b, -1, 100, false);
        assertThat(ids(claimed)).isEqualTo(ids(recs(10)));
        claimed.forEach(r -> first.savePrediction(b, r, done("ok")));
        first.leave(b);
        assertThat(first.findRun("b").orElseThrow().done()).isEqualTo(10);
        assertThat(count("SELECT count(*) FROM workers")).isZero();
    }

    @Test
    void theSameInputSyncedInTheFirstWorkersJoinWindowJoinsAsTheSecondWorker() throws Exception {
        SqliteCheckpointStore first = store();
        SqliteCheckpointStore second = store();
        first.syncRunAsWorker(spec("b"), recs(10).iterator(), Optional::empty, true, LEASE);
        long b = first.findRun("b").orElseThrow().id();

        assertThat(second.syncRunAsWorker(spec("b"), recs(10).iterator(), Optional::empty, true, LEASE)
                .changedRecords()).isFalse();
        assertThat(second.join(b, LEASE)).isEqualTo(new Joined(2, 1));
        assertThat(first.join(b, LEASE)).isEqualTo(new Joined(1, 1));
        assertThat(first.liveWorkers(b)).extracting(WorkerInfo::number).containsExactly(1, 2);
    }

    @Test
    void anUnchangedInputsSyncMakesAWorkerTooAndADryRunNone() throws Exception {
        SqliteCheckpointStore first = store();
        SqliteCheckpointStore second = store();
        first.syncRun(spec("b"), recs(10).iterator(), () -> Optional.of("digest-of-b"));
        long b = first.findRun("b").orElseThrow().id();
        second.previewSync(spec("b"), recs(10).iterator());
        assertThat(count("SELECT count(*) FROM workers")).as("a dry run makes no worker").isZero();

        assertThat(first.syncUnchangedAsWorker(spec("b"), "digest-of-b", LEASE)).isPresent();

        assertThatThrownBy(() -> second.syncRunAsWorker(spec("b"), recs(9).iterator(), Optional::empty, true,
                LEASE)).isInstanceOf(LiveWorkersException.class).hasMessageContaining("(0 added, 0 edited, 1 removed)");
        assertThat(count("SELECT count(*) FROM records WHERE run_id = " + b)).isEqualTo(10);
    }

    @Test
    void aStoreClosedAfterItsSyncWithoutWorkingLeavesNoWorkerBehind() throws Exception {
        SqliteCheckpointStore first = store();
        first.syncRunAsWorker(spec("b"), recs(10).iterator(), Optional::empty, true, LEASE);
        assertThat(count("SELECT count(*) FROM workers")).isEqualTo(1);

        first.close();

        assertThat(count("SELECT count(*) FROM workers")).isZero();
        SqliteCheckpointStore second = store();
        assertThat(second.syncRun(spec("b"), recs(11).iterator()).added()).isEqualTo(1);
    }

    @Test
    void aRunWithALiveWorkerIsNotClearedAloneOrWithAllUntilItsLeaseRunsOut() {
        SqliteCheckpointStore worker = store();
        worker.join(run, LEASE);
        SqliteCheckpointStore b = store();
        b.syncRun(spec("b"), recs(10).iterator());
        WorkerInfo w = b.liveWorkers(run).get(0);
        String refused = "run 'a' in " + file + " has 1 live worker (" + w.host() + " pid " + w.pid() + "), so"
                + " nothing was cleared: stop it first (Ctrl+C where it runs) and clear again; a worker killed on"
                + " another machine counts as live until its lease runs out, within 30 s";

        assertThatThrownBy(() -> b.clearRun("a")).isInstanceOf(LiveWorkersException.class).hasMessage(refused);
        assertThatThrownBy(b::clearAll).isInstanceOf(LiveWorkersException.class).hasMessage(refused);
        assertThatThrownBy(() -> b.requireNoLiveWorkers(List.of("a", "b"))).hasMessage(refused);
        assertThat(b.listRuns()).extracting(RunInfo::name, RunInfo::total)
                .containsExactly(tuple("a", 100L), tuple("b", 10L));

        // A run without workers is cleared as ever.
        b.requireNoLiveWorkers(List.of("b"));
        assertThat(b.clearRun("b")).isTrue();

        // The worker stops renewing (killed): it counts until its lease runs out, and the message says how soon.
        clock.advance(Duration.ofSeconds(20));
        assertThatThrownBy(() -> b.clearRun("a")).hasMessageEndingWith("within 10 s");
        clock.advance(Duration.ofSeconds(11));
        assertThat(b.clearRun("a")).isTrue();
        assertThat(b.listRuns()).isEmpty();
    }

    @Test
    void aRunWhoseWorkerOfThisMachineWasKilledIsClearedAtOnce() throws Exception {
        store().join(run, LEASE);
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        setWorkerPid(ended.pid()); // its row as a worker killed a moment ago left it, its lease still running

        SqliteCheckpointStore b = store();
        b.requireNoLiveWorkers(List.of("a"));
        assertThat(b.clearRun("a")).isTrue();
        assertThat(b.listRuns()).isEmpty();
    }

    @Test
    void clearAllNamesEveryRunWithLiveWorkersAndDeletesNone() {
        SqliteCheckpointStore b = store();
        b.syncRun(spec("b"), recs(10).iterator());
        long runB = b.findRun("b").orElseThrow().id();
        store().join(run, LEASE);
        store().join(run, LEASE);
        store().join(runB, LEASE);
        WorkerInfo w = b.liveWorkers(run).get(0);
        String me = w.host() + " pid " + w.pid();

        assertThatThrownBy(b::clearAll).isInstanceOf(LiveWorkersException.class).hasMessage("runs 'a', 'b' in "
                + file + " have 3 live workers ('a': " + me + ", " + me + "; 'b': " + me + "), so nothing was"
                + " cleared: stop them first (Ctrl+C where each runs) and clear again; a worker killed on another"
                + " machine counts as live until its lease runs out, within 30 s");
        assertThat(b.listRuns()).extracting(RunInfo::name).containsExactly("a", "b");
    }

    @Test
    void aClaimAcrossOthersClaimsAndOutcomesHoldsExactlyTheRecordsItReturns() throws Exception {
        SqliteCheckpointStore a = store();
        SqliteCheckpointStore b = store();
        a.join(run, LEASE);
        // Between seq 0 and the end of b's claims: a's claims (r0, r1, r4), a done record (r2) and a failed one (r3).
        List<InputRecord> ofA = a.claim(run, -1, 5, false);
        a.savePrediction(run, ofA.get(2), done("yes"));
        a.saveFailure(run, ofA.get(3), failure("http_500"));
        a.leave(run);
        a.join(run, LEASE); // as worker 1 again: the only row
        assertThat(ids(a.claim(run, -1, 2, false))).containsExactly("r0", "r1");
        assertThat(ids(a.claim(run, 1, 1, false))).containsExactly("r4");
        // b joins after a's failure was stored: a failure stored since b joined would not be its to retry.
        clock.advance(Duration.ofSeconds(1));
        b.join(run, LEASE); // as worker 2

        assertThat(ids(b.claim(run, -1, 3, false))).containsExactly("r5", "r6", "r7");
        // With failures: r3 (a's failure, not held since a left) and the next free ones.
        assertThat(ids(b.claim(run, -1, 3, true))).containsExactly("r3", "r8", "r9");
        assertThat(claimsByWorker()).containsExactly(
                tuple("r0", 1), tuple("r1", 1), tuple("r3", 2), tuple("r4", 1), tuple("r5", 2), tuple("r6", 2),
                tuple("r7", 2), tuple("r8", 2), tuple("r9", 2));
    }

    /** (record, worker number) of every claim, by record id. */
    private List<org.assertj.core.groups.Tuple> claimsByWorker() throws Exception {
        List<org.assertj.core.groups.Tuple> claims = new ArrayList<>();
        try (Connection c = Fixtures.jdbc(file); ResultSet rs = c.createStatement().executeQuery(
                "SELECT c.record_id, w.number FROM claims c JOIN workers w USING (run_id, worker_id)"
                        + " ORDER BY c.record_id")) {
            while (rs.next()) {
                claims.add(tuple(rs.getString(1), rs.getInt(2)));
            }
        }
        return claims;
    }

    private long count(String sql) throws Exception {
        try (Connection c = Fixtures.jdbc(file); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<String> claimsHeld() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = Fixtures.jdbc(file); ResultSet rs = c.createStatement()
                .executeQuery("SELECT record_id FROM claims ORDER BY record_id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static List<String> ids(List<InputRecord> records) {
        return records.stream().map(InputRecord::id).toList();
    }

    /** A clock that moves only when the test says so, shared by every store of the test. */
    private static final class SteppedClock extends Clock {
        private volatile Instant now = Fixtures.T0;

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
