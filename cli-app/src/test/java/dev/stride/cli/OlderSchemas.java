package dev.stride.cli;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** Takes a stride SQLite file back to an older schema version, as an older stride left it, for upgrade tests. */
final class OlderSchemas {
    /** The counters' triggers as V4 made them (done, failed, truncated): they count no tokens (V18's do). */
    private static final List<String> V4_TRIGGERS = List.of(
            "insert AFTER INSERT ON predictions BEGIN UPDATE runs SET done = done + (NEW.status = 'done'),"
                    + " failed = failed + (NEW.status = 'failed'), truncated = truncated + (NEW.status = 'done'"
                    + " AND NEW.finish_reason IS 'length') WHERE run_id = NEW.run_id; END",
            "update AFTER UPDATE OF run_id, status, finish_reason ON predictions BEGIN UPDATE runs"
                    + " SET done = done - (OLD.status = 'done'), failed = failed - (OLD.status = 'failed'),"
                    + " truncated = truncated - (OLD.status = 'done' AND OLD.finish_reason IS 'length')"
                    + " WHERE run_id = OLD.run_id; UPDATE runs SET done = done + (NEW.status = 'done'),"
                    + " failed = failed + (NEW.status = 'failed'), truncated = truncated + (NEW.status = 'done'"
                    + " AND NEW.finish_reason IS 'length') WHERE run_id = NEW.run_id; END",
            "delete AFTER DELETE ON predictions BEGIN UPDATE runs SET done = done - (OLD.status = 'done'),"
                    + " failed = failed - (OLD.status = 'failed'), truncated = truncated - (OLD.status = 'done'"
                    + " AND OLD.finish_reason IS 'length') WHERE run_id = OLD.run_id; END");

    /** The progress view as V4 made it: V25's reads workers.waiting_since, a column SQLite cannot drop under it. */
    private static final String V4_PROGRESS = "CREATE VIEW progress AS SELECT name AS run, model AS model,"
            + " total AS total, done AS done, failed AS failed, total - done - failed AS pending,"
            + " CASE WHEN total = 0 THEN 0.0 ELSE round(done * 100.0 / total, 1) END AS percent,"
            + " round(elapsed_ms / 1000.0, 1) AS elapsed_s, saved_at AS saved_at,"
            + " CASE WHEN state = 'running' AND saved_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-20 seconds')"
            + " THEN 'interrupted' ELSE state END AS state, truncated AS truncated FROM runs";

    private OlderSchemas() {
    }

    /**
     * Back to version 17 from 26 (V26 does nothing on SQLite): V25's view (V4's again), V24's, V23's and V22's
     * columns, V21's triggers, counts and view (a stand-in for V10's, which V21 replaces), V20's and V19's columns,
     * then V18's triggers (V4's again) and columns, and their history.
     */
    static void backTo17(Statement st) throws SQLException {
        for (String trigger : List.of("scores_counted_on_insert", "scores_counted_on_update", "scores_counted_on_delete",
                "predictions_scores_counted_on_insert", "predictions_scores_counted_on_update",
                "predictions_scores_counted_on_delete", "records_scores_counted_on_update",
                "records_scores_counted_on_delete")) {
            st.execute("DROP TRIGGER " + trigger);
        }
        st.execute("DROP VIEW progress");
        st.execute(V4_PROGRESS);
        st.execute("ALTER TABLE runs DROP COLUMN stop_reason");
        st.execute("ALTER TABLE runs DROP COLUMN stop_phrase");
        st.execute("ALTER TABLE workers DROP COLUMN waiting_to_send_again");
        st.execute("ALTER TABLE workers DROP COLUMN waiting_for_rate_limit");
        st.execute("ALTER TABLE workers DROP COLUMN waiting_since");
        st.execute("DROP VIEW scoreboard");
        st.execute("DROP TABLE score_counts");
        st.execute("CREATE VIEW scoreboard AS SELECT * FROM current_scores");
        st.execute("ALTER TABLE workers DROP COLUMN in_flight_at");
        st.execute("ALTER TABLE workers DROP COLUMN retry_since");
        for (String trigger : V4_TRIGGERS) {
            st.execute("DROP TRIGGER predictions_counted_on_" + trigger.split(" ")[0]);
            st.execute("CREATE TRIGGER predictions_counted_on_" + trigger);
        }
        st.execute("ALTER TABLE runs DROP COLUMN tokens_in");
        st.execute("ALTER TABLE runs DROP COLUMN tokens_out");
        st.execute("ALTER TABLE runs DROP COLUMN usage_reported");
        st.execute("DELETE FROM flyway_schema_history"
                + " WHERE version IN ('18', '19', '20', '21', '22', '23', '24', '25', '26')");
    }

    /** Back to version 15: {@link #backTo17}, then V17's column and V16's, which keep a run's scoring. */
    static void backTo15(Statement st) throws SQLException {
        backTo17(st);
        st.execute("ALTER TABLE runs DROP COLUMN output_rules");
        st.execute("ALTER TABLE runs DROP COLUMN scoring_metric");
        st.execute("ALTER TABLE runs DROP COLUMN scoring_label_field");
        st.execute("ALTER TABLE runs DROP COLUMN scoring_extract");
        st.execute("DELETE FROM flyway_schema_history WHERE version IN ('16', '17')");
    }
}
