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
 * @param tokensIn       prompt tokens of done outputs, as the servers reported them (none reported: 0)
 * @param tokensOut      completion tokens of done outputs
 * @param recentOutcomes outcomes (done or failed) stored within the window
 * @param firstRecent    when the oldest of those was stored; null when there are none
 * @param usageReported  whether any done output came with token counts: when none did, the totals are unknown, not 0
 */
public record RunTotals(long tokensIn, long tokensOut, long recentOutcomes, Instant firstRecent,
                        boolean usageReported) {
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
            return of(c, now, window);
        } catch (SQLException e) {
            throw SqliteFiles.translate(file, e);
        }
    }

    /** As {@link #of(Path, Instant, Duration)}, on a connection to either vendor (the SQL is common to both). */
    static Map<String, RunTotals> of(Connection c, Instant now, Duration window) throws SQLException {
        String sql = "SELECT ru.name, coalesce(sum(CASE WHEN p.status = 'done' THEN p.prompt_tokens END), 0),"
                + " coalesce(sum(CASE WHEN p.status = 'done' THEN p.completion_tokens END), 0),"
                + " count(CASE WHEN p.finished_at >= ? THEN 1 END),"
                + " min(CASE WHEN p.finished_at >= ? THEN p.finished_at END),"
                + " count(CASE WHEN p.status = 'done' AND (p.prompt_tokens IS NOT NULL"
                + " OR p.completion_tokens IS NOT NULL) THEN 1 END)"
                + " FROM runs ru LEFT JOIN predictions p ON p.run_id = ru.run_id GROUP BY ru.run_id, ru.name"
                + " ORDER BY ru.name";
        String since = UtcText.format(now.minus(window));
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, since);
            st.setString(2, since);
            Map<String, RunTotals> totals = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String first = rs.getString(5);
                    totals.put(rs.getString(1), new RunTotals(rs.getLong(2), rs.getLong(3), rs.getLong(4),
                            first == null ? null : UtcText.parse(first), rs.getLong(6) > 0));
                }
            }
            return totals;
        }
    }
}
