package dev.stride.db;

import static dev.stride.db.Fixtures.done;
import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A PostgreSQL claim's look at the free records and its insert are two statements: what another worker does in
 * between (its own claim, committed, and for a fast server its answer too) must not make this worker ask a record
 * that is answered, nor end its pass early. The moment is made on purpose ({@link Claims}' test seam): under load a
 * look lasted seconds (a pass from the first record after an outage), and two workers asked 171 records twice.
 */
class PostgresClaimRaceTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    private final List<PostgresCheckpointStore> opened = new ArrayList<>();
    private long run;
    private PostgresCheckpointStore a;

    @BeforeEach
    void twoWorkers() {
        a = store();
        a.syncRun(spec("a"), recs(20).iterator());
        run = a.findRun("a").orElseThrow().id();
        a.join(run, LEASE);
        store().join(run, LEASE); // worker 2, whose claims the test makes itself
    }

    @AfterEach
    void closeAll() {
        opened.forEach(PostgresCheckpointStore::close);
    }

    @Test
    void aRecordAnotherWorkerClaimedAndAnsweredWhileTheClaimLookedIsNotTaken() throws Exception {
        List<InputRecord> all = recs(20);
        List<InputRecord> got = claimAsWorker2(() -> {
            // Worker 1 claimed the first record (its claim's look came a moment before) and its answer is in.
            claimFor(1, all.get(0).id());
            assertThat(a.savePrediction(run, all.get(0), done("x"))).isTrue();
        });

        assertThat(ids(got)).as("worker 2's claim").containsExactly("r1", "r2", "r3");
        assertThat(claimsOf(all.get(0).id())).as("claims left on the answered record").isZero();
    }

    @Test
    void recordsAnotherWorkerClaimedWhileTheClaimLookedAreSkippedAndTheClaimGoesOn() throws Exception {
        List<InputRecord> got = claimAsWorker2(() -> {
            for (InputRecord r : recs(20).subList(0, 4)) {
                claimFor(1, r.id());
            }
        });

        // Empty, it ended worker 2's pass: its next claim scanned from the first record.
        assertThat(ids(got)).as("worker 2's claim").containsExactly("r4", "r5", "r6", "r7");
    }

    /** Worker 2's claim of 4 records from the first, in a transaction of its own, with {@code meanwhile} in it. */
    private List<InputRecord> claimAsWorker2(Runnable meanwhile) throws SQLException {
        try (Connection c = PG.connect()) {
            c.setAutoCommit(false);
            Claims claims = new Claims(DSL.using(c, SQLDialect.POSTGRES), once(meanwhile));
            List<InputRecord> got = claims.claim(run, workerId(2), -1, 4, false, null,
                    UtcText.format(Instant.now()), false);
            c.commit();
            return got;
        }
    }

    private static Runnable once(Runnable action) {
        boolean[] ran = {false};
        return () -> {
            if (!ran[0]) {
                ran[0] = true;
                action.run();
            }
        };
    }

    /** A claim of worker {@code number} on the record, committed, as its claim transaction would leave it. */
    private void claimFor(int number, String recordId) {
        try (Connection c = PG.connect();
             PreparedStatement st = c.prepareStatement("INSERT INTO claims (run_id, record_id, worker_id) VALUES"
                     + " (?, ?, ?)")) {
            st.setLong(1, run);
            st.setString(2, recordId);
            st.setString(3, workerId(number));
            st.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String workerId(int number) throws SQLException {
        try (Connection c = PG.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT worker_id FROM workers WHERE number = " + number)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private long claimsOf(String recordId) throws SQLException {
        try (Connection c = PG.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM claims WHERE record_id = '" + recordId + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private PostgresCheckpointStore store() {
        PostgresCheckpointStore s = PostgresCheckpointStore.open(PostgresCluster.location(PG.url()));
        opened.add(s);
        return s;
    }

    private static List<String> ids(List<InputRecord> records) {
        return records.stream().map(InputRecord::id).toList();
    }
}
