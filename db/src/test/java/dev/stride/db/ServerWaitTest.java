package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's wait for its server, in its row of a real SQLite file: written between renewals like its other figures,
 * read back by status, and never carried from one session of the store into the next.
 */
class ServerWaitTest {
    private static final Duration LEASE = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    @Test
    void aWaitToldIsInTheRowAtTheNextWriteOfTheFiguresWithoutARenewal() throws Exception {
        Path file = dir.resolve("wait.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = aRunJoined(store);
            // Past the second a change waits before it is written; short of the 3 s after which figures are written
            // unchanged: only the change makes this write (a busy machine that slept longer only weakens the test).
            Thread.sleep(Workforce.FIGURES_EVERY.toMillis() + 100);
            Instant since = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            store.reportServerWait(run, since);
            store.storeInFlight(run);

            assertThat(waitingSince(file)).isEqualTo(UtcText.format(since));
            assertThat(store.liveWorkers(run)).singleElement()
                    .satisfies(w -> assertThat(w.waitingSince()).isEqualTo(since));

            store.reportServerWait(run, null);
            store.renewLease(run);
            assertThat(waitingSince(file)).as("answers again").isNull();
        }
    }

    @Test
    void aSessionThatEndedWaitingLeavesNoWaitToTheNext() throws Exception {
        Path file = dir.resolve("wait.db");
        try (SqliteCheckpointStore store = SqliteCheckpointStore.open(file)) {
            long run = aRunJoined(store);
            store.reportServerWait(run, Instant.now());
            store.renewLease(run);
            assertThat(waitingSince(file)).isNotNull();
            store.leave(run); // the session stopped in its outage (the wait ran out, or Ctrl+C)

            // Another session of the same store (the Java API runs one after the other): its sync makes it a worker
            // first, then it joins.
            store.syncRunAsWorker(spec("a"), recs(3).iterator(), Optional::empty, false, LEASE);
            assertThat(waitingSince(file)).as("the worker's row its sync made").isNull();
            store.join(run, LEASE);
            store.renewLease(run);

            assertThat(store.liveWorkers(run)).singleElement()
                    .satisfies(w -> assertThat(w.waitingSince()).isNull());
            assertThat(waitingSince(file)).isNull();
        }
    }

    /** A run of three records, which {@code store} works on as its worker. */
    private static long aRunJoined(SqliteCheckpointStore store) {
        store.syncRun(spec("a"), recs(3).iterator());
        long run = store.findRun("a").orElseThrow().id();
        store.join(run, LEASE);
        return run;
    }

    private static String waitingSince(Path file) throws Exception {
        try (Connection c = Fixtures.jdbc(file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT waiting_since FROM workers")) {
            assertThat(rs.next()).as("a worker's row").isTrue();
            return rs.getString(1);
        }
    }
}
