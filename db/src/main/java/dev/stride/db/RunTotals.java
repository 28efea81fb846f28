package dev.stride.db;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per run: tokens in and out over every stored answer, and the outcomes of the last minutes, from which
 * {@code stride status} tells the pace of a run that is going now. Read-only, like status.
 *
 * @param tokensIn       prompt tokens of stored outcomes, as the servers reported them (none reported: 0): a failed
 *                       record's too, whose answers (not JSON) were charged all the same
 * @param tokensOut      completion tokens of stored outcomes
 * @param recentOutcomes outcomes (done or failed) stored within the window, or the {@link #LATEST} latest of them
 *                       when more came in it (all since {@link #SHORTEST} ago, at least)
 * @param firstRecent    when the oldest of those was stored; null when there are none
 * @param usageReported  whether any outcome came with token counts: when none did, the totals are unknown, not 0
 */
public record RunTotals(long tokensIn, long tokensOut, long recentOutcomes, Instant firstRecent,
                        boolean usageReported) {
    /** A run with no outcome stored yet. */
    public static final RunTotals NONE = new RunTotals(0, 0, 0, null, false);

    /**
     * The most outcomes a pace is taken over: the window's, or these latest of them when more came in it (5 s at
     * 100/s), so that a change of pace shows in seconds and a count this size still holds it steady.
     */
    static final int LATEST = 500;
    /** The shortest time a pace is taken over: the latest 500 of a run at 3,000/s came in a sixth of a second. */
    static final Duration SHORTEST = Duration.ofSeconds(10);

    /** Outcomes per second over the window, or 0 with fewer than two outcomes in it. */
    public double ratePerSecond(Instant now) {
        if (recentOutcomes < 2 || firstRecent == null) {
            return 0;
        }
        double seconds = Math.max(1.0, Duration.between(firstRecent, now).toMillis() / 1000.0);
        return recentOutcomes / seconds;
    }

    /**
     * @param window how far back "recent" reaches, counted from {@code now}
     * @return the totals of every run in the file, by run name
     */
    public static Map<String, RunTotals> of(Path file, Instant now, Duration window) {
        SqliteFiles.checkUsable(file, true);
        try (Connection c = SqliteFiles.connect(SqliteFiles.readerSource(file), file)) {
            return of(c, now, window, false);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    /**
     * As {@link #of(Path, Instant, Duration)}, on a connection to either vendor: the tokens from the run's counters
     * (V18: kept by the triggers as outcomes are stored, on PostgreSQL in slots summed by {@code run_totals}), the
     * recent outcomes of each run from the index by time (V12). Neither reads every outcome.
     *
     * @param countsInSlots the database is PostgreSQL's
     */
    static Map<String, RunTotals> of(Connection c, Instant now, Duration window, boolean countsInSlots)
            throws SQLException {
        String sql = countsInSlots
                ? "SELECT ru.run_id, ru.name, t.tokens_in, t.tokens_out, t.usage_reported"
                        + " FROM runs ru JOIN run_totals t ON t.run_id = ru.run_id ORDER BY ru.name"
                : "SELECT run_id, name, tokens_in, tokens_out, usage_reported FROM runs ORDER BY name";
        Map<String, RunTotals> totals = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                RunTotals recent = recent(c, rs.getLong(1), now, window);
                totals.put(rs.getString(2), new RunTotals(rs.getLong(3), rs.getLong(4), recent.recentOutcomes(),
                        recent.firstRecent(), rs.getLong(5) > 0));
            }
        }
        return totals;
    }

    /**
     * The outcomes of one run stored within {@code window} before {@code now}, read from the index
     * {@code predictions_by_time} alone (however long the run), with no tokens: the pace of a run, nothing else.
     */
    static RunTotals recent(Connection c, long runId, Instant now, Duration window) throws SQLException {
        Instant from = now.minus(window);
        Workers workers = workers(c, runId, now);
        if (workers.liveSince != null && workers.liveSince.isAfter(from)) {
            // A run resumed within the window: the outcomes of the session before it, and the pause between, are
            // no part of the pace it goes at now.
            from = workers.liveSince;
        }
        if (workers.lastLeft != null && workers.lastLeft.isAfter(from)) {
            // A worker that left (killed, stopped) while others go on: the pace is theirs since then. Its answers
            // in the minute made status say 242/s and 11 s left, for two workers going at 160/s (22 s left).
            from = workers.lastLeft;
        }
        RunTotals recent = since(c, runId, from);
        if (recent.recentOutcomes() > LATEST) {
            // Enough outcomes for a pace in less than the window: the latest of them alone (over SHORTEST at least,
            // for a fast run's). A pace that changed (a server back from an outage, a rate budget spent) shows once
            // they came at it, not a minute later: 5 s after a 31 s outage the minute said 13/s and 3m04s of a run
            // going at 40/s a minute from its end.
            Instant latest = latest(c, runId, from);
            Instant shortest = now.minus(SHORTEST);
            recent = latest != null && latest.isBefore(shortest)
                    ? new RunTotals(0, 0, LATEST, latest, false)
                    : since(c, runId, shortest.isAfter(from) ? shortest : from);
        }
        return recent;
    }

    /** The outcomes of one run stored since {@code from}, and the first of them. */
    private static RunTotals since(Connection c, long runId, Instant from) throws SQLException {
        String sql = "SELECT count(*), min(finished_at) FROM predictions WHERE run_id = ? AND finished_at >= ?";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, runId);
            st.setString(2, UtcText.format(from));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                String first = rs.getString(2);
                return new RunTotals(0, 0, rs.getLong(1),
                        first == null ? null : UtcText.parse(first, "predictions.finished_at"), false);
            }
        }
    }

    /** When the {@link #LATEST}-th latest outcome since {@code from} was stored: one step down the index by time. */
    private static Instant latest(Connection c, long runId, Instant from) throws SQLException {
        String sql = "SELECT finished_at FROM predictions WHERE run_id = ? AND finished_at >= ?"
                + " ORDER BY finished_at DESC LIMIT 1 OFFSET " + (LATEST - 1);
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, runId);
            st.setString(2, UtcText.format(from));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? UtcText.parse(rs.getString(1), "predictions.finished_at") : null;
            }
        }
    }

    /**
     * @param liveSince when the first of the run's live workers started; null with none live
     * @param lastLeft  the last sign of life (renewal, in-flight figures) of the last worker to have left while
     *                  others are live; null when none left or none is live
     */
    private record Workers(Instant liveSince, Instant lastLeft) {
    }

    /**
     * The run's workers as status sees them: live while their lease holds, unless their process is gone from this
     * machine (a kill -9 shows at once, not when the lease runs out).
     */
    private static Workers workers(Connection c, long runId, Instant now) throws SQLException {
        String sql = "SELECT host, pid, worker_id, started_at, heartbeat_at, in_flight_at, lease_until FROM workers"
                + " WHERE run_id = ?";
        Instant liveSince = null;
        Instant lastLeft = null;
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, runId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    boolean live = UtcText.parse(rs.getString(7), "workers.lease_until").isAfter(now)
                            && !Workforce.goneFromThisHost(rs.getString(1), rs.getLong(2), rs.getString(3));
                    if (live) {
                        Instant started = UtcText.parse(rs.getString(4), "workers.started_at");
                        liveSince = liveSince == null || started.isBefore(liveSince) ? started : liveSince;
                        continue;
                    }
                    Instant last = UtcText.parse(rs.getString(5), "workers.heartbeat_at");
                    String figures = rs.getString(6);
                    if (figures != null) {
                        Instant at = UtcText.parse(figures, "workers.in_flight_at");
                        last = at.isAfter(last) ? at : last;
                    }
                    lastLeft = lastLeft == null || last.isAfter(lastLeft) ? last : lastLeft;
                }
            }
        }
        return new Workers(liveSince, liveSince == null ? null : lastLeft);
    }
}
