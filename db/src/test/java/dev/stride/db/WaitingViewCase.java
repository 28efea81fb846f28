package dev.stride.db;

import static dev.stride.db.Fixtures.recs;
import static dev.stride.db.Fixtures.spec;

import dev.stride.core.CheckpointStore;
import dev.stride.core.RunState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The case ViewsTest and PostgresViewsTest put to the progress view, one per vendor: runs whose workers wait, answer,
 * or lapsed, a run with none, a stale cursor and a stopped run. As status shows them (ShownState.label): waiting while
 * every live worker of a running run (lease_until ahead; at least one) waits for its server, whatever workers whose
 * lease ran out did; a stale cursor still says interrupted.
 */
final class WaitingViewCase {
    /** What the progress view shows of each run, by name. */
    static final List<String> SHOWN = List.of("alone running", "answers running", "lapsed running",
            "stale interrupted", "stopped interrupted", "waits waiting");

    private WaitingViewCase() {
    }

    /** Stores the case's runs, the stopped one stopped. */
    static void storeRuns(CheckpointStore store) {
        for (String run : List.of("waits", "answers", "lapsed", "alone", "stale", "stopped")) {
            store.syncRun(spec(run), recs(2).iterator());
        }
        store.saveCursor(store.findRun("stopped").orElseThrow().id(), 1_000, RunState.INTERRUPTED);
    }

    /**
     * Adds the workers through {@code s} and reads the view.
     *
     * @param fromNow the vendor's SQL for the time a number of seconds from now, as the schema stores times
     */
    static List<String> shown(Statement s, IntFunction<String> fromNow) throws SQLException {
        worker(s, fromNow, "waits", 1, 60, true);
        worker(s, fromNow, "waits", 2, 60, true);
        worker(s, fromNow, "waits", 3, -1, false);
        worker(s, fromNow, "answers", 1, 60, true);
        worker(s, fromNow, "answers", 2, 60, false);
        worker(s, fromNow, "lapsed", 1, -1, true);
        worker(s, fromNow, "stale", 1, 60, true);
        worker(s, fromNow, "stopped", 1, 60, true);
        s.executeUpdate("UPDATE runs SET saved_at = " + fromNow.apply(-21) + " WHERE name = 'stale'");
        List<String> shown = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT run, state FROM progress ORDER BY run")) {
            while (rs.next()) {
                shown.add(rs.getString("run") + " " + rs.getString("state"));
            }
        }
        return shown;
    }

    /** A worker of {@code run} whose lease ends {@code leaseSeconds} from now, waiting or answering. */
    private static void worker(Statement s, IntFunction<String> fromNow, String run, int number, int leaseSeconds,
                               boolean waiting) throws SQLException {
        String now = fromNow.apply(0);
        s.executeUpdate("INSERT INTO workers (run_id, worker_id, number, host, pid, started_at, heartbeat_at,"
                + " lease_until, waiting_since) SELECT run_id, 'w" + number + "', " + number + ", 'gpu', 4242, "
                + now + ", " + now + ", " + fromNow.apply(leaseSeconds) + ", " + (waiting ? now : "NULL")
                + " FROM runs WHERE name = '" + run + "'");
    }
}
