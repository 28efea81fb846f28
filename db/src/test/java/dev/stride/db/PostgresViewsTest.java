package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stride.core.RunState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The progress view on PostgreSQL says what ViewsTest shows it saying on SQLite. */
class PostgresViewsTest {
    @RegisterExtension
    static final PostgresServer PG = PostgresServer.perClass();

    private static final String NOW = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')";

    /**
     * Waiting while every live worker of a running run (lease_until ahead; at least one) waits for its server,
     * whatever workers whose lease ran out did; one live worker answering keeps it running; a stale cursor still
     * says interrupted.
     */
    @Test
    void aRunningRunWhoseLiveWorkersAllWaitForTheirServerIsShownWaiting() throws Exception {
        String url = PG.newDatabase();
        List<String> runs = List.of("waits", "answers", "lapsed", "alone", "stale", "stopped");
        try (PostgresCheckpointStore store = PostgresCheckpointStore.open(PostgresCluster.location(url))) {
            for (String run : runs) {
                store.syncRun(spec(run), recs(2).iterator());
            }
            store.saveCursor(store.findRun("stopped").orElseThrow().id(), 1_000, RunState.INTERRUPTED);
        }
        try (Connection c = PostgresCluster.connect(url); Statement s = c.createStatement()) {
            worker(s, "waits", 1, "60 seconds", true);
            worker(s, "waits", 2, "60 seconds", true);
            worker(s, "waits", 3, "-1 seconds", false);
            worker(s, "answers", 1, "60 seconds", true);
            worker(s, "answers", 2, "60 seconds", false);
            worker(s, "lapsed", 1, "-1 seconds", true);
            worker(s, "stale", 1, "60 seconds", true);
            worker(s, "stopped", 1, "60 seconds", true);
            s.executeUpdate("UPDATE runs SET saved_at = to_char((now() AT TIME ZONE 'UTC') - interval '21 seconds',"
                    + " 'YYYY-MM-DD HH24:MI:SS.MS') WHERE name = 'stale'");
            List<String> shown = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT run, state FROM progress ORDER BY run")) {
                while (rs.next()) {
                    shown.add(rs.getString("run") + " " + rs.getString("state"));
                }
            }
            assertThat(shown).containsExactly("alone running", "answers running", "lapsed running", "stale interrupted",
                    "stopped interrupted", "waits waiting");
        }
    }

    /** A worker of {@code run} whose lease ends {@code leaseFromNow} from now, waiting or answering. */
    private static void worker(Statement s, String run, int number, String leaseFromNow, boolean waiting)
            throws Exception {
        s.executeUpdate("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                + " lease_until, waiting_since) SELECT run_id, 'w" + number + "', " + number + ", 'gpu', 4242, "
                + NOW + ", " + NOW + ", to_char((now() AT TIME ZONE 'UTC') + interval '" + leaseFromNow + "',"
                + " 'YYYY-MM-DD HH24:MI:SS.MS'), " + (waiting ? NOW : "NULL") + " FROM runs WHERE name = '" + run
                + "'");
    }
}
