package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.InputRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workers' leases across a crash of the server: no worker can renew while it is down, so a lease that ran out then
 * says nothing of its worker. Each test crashes the server for real, then writes the two workers' rows as a renewal
 * before the crash would have left them (their leases ended just before the server started again), for the outcome
 * not to hang on how long the crash took.
 */
class PostgresOutageLeaseTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final String UTC_TEXT = "'YYYY-MM-DD HH24:MI:SS.MS'";
    private static final String STARTED = "(pg_postmaster_start_time() AT TIME ZONE 'UTC')";

    @RegisterExtension
    final PostgresServer pg = PostgresServer.perTest();
    private final List<PostgresCheckpointStore> opened = new ArrayList<>();
    private long run;

    @BeforeEach
    void aRun() throws Exception {
        PostgresCheckpointStore first = store();
        first.syncRun(spec("a"), recs(40).iterator());
        run = first.findRun("a").orElseThrow().id();
    }

    @AfterEach
    void closeAll() {
        opened.forEach(PostgresCheckpointStore::close);
    }

    private PostgresCheckpointStore store() {
        PostgresCheckpointStore s = PostgresCheckpointStore.open(pg.location());
        opened.add(s);
        return s;
    }

    @Test
    void aLeaseThatRanOutWhileTheServerWasDownKeepsItsClaimsForALeaseAfterTheStart() throws Exception {
        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        List<String> heldByA = ids(a.claim(run, -1, 10, false));

        crashAndStart();
        leasesEndedAtTheStart("10 minutes");

        List<String> claimedByB = ids(b.claim(run, -1, 10, false));
        assertThat(claimedByB).as("records B claims").hasSize(10).doesNotContainAnyElementsOf(heldByA);
        assertThat(claimsOf(heldByA)).as("A's claims").isEqualTo(heldByA.size());
        assertThat(workers()).as("workers' rows").isEqualTo(2);
        // and status shows both live, as the claims judge them
        assertThat(b.liveWorkers(run)).as("live workers shown").hasSize(2);
        assertThat(b.workersAllGone(run)).isFalse();
    }

    @Test
    void aWorkerThatDiedWhileTheServerWasDownIsTakenOverOnceALeaseAfterTheStartIsOver() throws Exception {
        PostgresCheckpointStore a = store();
        PostgresCheckpointStore b = store();
        a.join(run, LEASE);
        b.join(run, LEASE);
        List<String> heldByA = ids(a.claim(run, -1, 10, false));

        crashAndStart();
        leasesEndedAtTheStart("1 millisecond"); // a lease so short that it is over again since the start

        List<String> claimedByB = ids(b.claim(run, 30, 10, false));
        assertThat(claimedByB).as("records B claims: the dead worker's first").containsExactlyElementsOf(heldByA);
    }

    /**
     * A crash of the server once the claims are on its disk: the stores commit without waiting for it, and a crash
     * right after would take the claims with it (what a crash takes is another test's: {@link PostgresCrashTest}).
     */
    private void crashAndStart() throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
        pg.cluster().crashAndStart();
    }

    /** Both workers' rows as a renewal of a lease of {@code length} would leave them, ended just before the start. */
    private void leasesEndedAtTheStart(String length) throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE workers SET lease_until = to_char(" + STARTED + " - interval '1 millisecond', "
                    + UTC_TEXT + "), heartbeat_at = to_char(" + STARTED + " - interval '1 millisecond' - interval '"
                    + length + "', " + UTC_TEXT + ")");
        }
    }

    private long workers() throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM workers")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long claimsOf(List<String> recordIds) throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM claims WHERE record_id IN ('"
                     + String.join("','", recordIds) + "')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> ids(List<InputRecord> records) {
        return records.stream().map(InputRecord::id).toList();
    }
}
