package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a worker's held requests wait for (a rate limit, a backoff), in its row of a real SQLite file: written between
 * renewals like its other figures, read back by status, and never carried from one session of the store into the next.
 */
class RequestsWaitingTest {
    private static final Duration LEASE = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    @Test
    void theWaitsToldAreInTheRowAtTheNextWriteOfTheFiguresWithoutARenewal() throws Exception {
        Path file = dir.resolve("waits.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = aRunJoined(store);
            assertThat(waits(file)).as("a worker that has told nothing yet").containsExactly(null, null);
            // Past the second a change waits before it is written; short of the 3 s after which figures are written
            // unchanged: only the change makes this write (a busy machine that slept longer only weakens the test).
            Thread.sleep(Workforce.FIGURES_EVERY.toMillis() + 100);
            store.reportRequestsWaiting(run, 8, 3);
            store.storeInFlight(run);

            assertThat(waits(file)).containsExactly(8, 3);
            assertThat(store.liveWorkers(run)).singleElement().satisfies(w -> {
                assertThat(w.waitingForRateLimit()).isEqualTo(8);
                assertThat(w.waitingToSendAgain()).isEqualTo(3);
            });

            store.reportRequestsWaiting(run, 0, 0);
            store.renewLease(run);
            assertThat(waits(file)).as("none waits").containsExactly(0, 0);
        }
    }

    @Test
    void aSessionThatEndedWithRecordsWaitingLeavesNoneToTheNext() throws Exception {
        Path file = dir.resolve("waits.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = aRunJoined(store);
            store.reportRequestsWaiting(run, 8, 3);
            store.renewLease(run);
            store.leave(run); // stopped while they waited (Ctrl+C)

            store.join(run, LEASE);
            store.renewLease(run);
            assertThat(waits(file)).as("this session has told nothing yet").containsExactly(null, null);
        }
    }

    /** A run of three records, which {@code store} works on as its worker. */
    private static long aRunJoined(SqliteCheckpointStore store) {
        store.syncRun(spec("a"), recs(3).iterator());
        long run = store.findRun("a").orElseThrow().id();
        store.join(run, LEASE);
        return run;
    }

    private static Integer[] waits(Path file) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT waiting_for_rate_limit, waiting_to_send_again FROM workers")) {
            assertThat(rs.next()).as("a worker's row").isTrue();
            Integer[] both = {(Integer) rs.getObject(1), (Integer) rs.getObject(2)};
            assertThat(rs.next()).as("one row").isFalse();
            return both;
        }
    }
}
