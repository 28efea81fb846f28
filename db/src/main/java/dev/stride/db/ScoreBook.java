package dev.stride.db;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteDataSource;

/**
 * The {@code scores} table (migration V10) of either vendor: which answers of a run still need scoring under a
 * metric, storing their scores, and the tally of the scores that hold; and the way a run scores live, kept with it. The SQL is common to SQLite and PostgreSQL.
 * Its own connection, so it can score beside a run writing the same database (SQLite: a second writer that waits for
 * the write lock with the busy timeout; PostgreSQL: another session).
 */
public final class ScoreBook implements AutoCloseable {

    /** What is scored: a metric's id, the label's field, and the regex metric's expression ('' for others). */
    public record Key(String metric, String labelField, String extract) {
        public Key {
            extract = extract == null ? "" : extract;
        }
    }

    /** A done answer with no score under a key yet, or a score that no longer holds (the answer or record changed). */
    public record Unscored(long seq, String recordId, String payload, String output, String answeredAt,
                           String recordHash) {
    }

    /** A score to store for {@link Unscored} {@code of}. */
    public record Score(Unscored of, String label, boolean correct, boolean parsed, String extracted) {
    }

    /** The scores that hold for a run under a key: unparsed ones count as scored and wrong. */
    public record Tally(long scored, long correct, long unparsed) {
    }

    private interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    private interface Connector extends AutoCloseable {
        <T> T run(Work<T> work);

        @Override
        void close();
    }

    private final Connector connector;
    private final Clock clock;

    private ScoreBook(Connector connector) {
        this.connector = connector;
        this.clock = Clock.systemUTC();
    }

    /** Opens an existing SQLite checkpoint file, bringing its schema up to this build's (V10 adds the table). */
    public static ScoreBook open(Path file) {
        SqliteCheckpointStore.quietLibraries();
        SqliteFiles.checkWritable(file);
        // An empty file holds no run: said as the other commands that read one say it, and left empty, rather than
        // given stride's tables by a command that only scores.
        Schema.refuseEmpty(file);
        Schema.refuseForeign(file);
        SQLiteDataSource source = SqliteFiles.writerSource(file);
        Connection c = SqliteFiles.connect(source, file);
        try {
            Schema.migrate(c, file);
        } catch (RuntimeException e) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the first error is the one to report
            }
            throw e;
        }
        return new ScoreBook(new Connector() {
            @Override
            public <T> T run(Work<T> work) {
                try {
                    return work.on(c);
                } catch (SQLException e) {
                    throw SqliteFiles.translate(file, e);
                }
            }

            @Override
            public void close() {
                try {
                    c.close();
                } catch (SQLException e) {
                    throw SqliteFiles.translate(file, e);
                }
            }
        });
    }

    /** Opens a PostgreSQL database, creating or upgrading stride's schema in it. */
    public static ScoreBook open(PostgresLocation location) {
        SqliteCheckpointStore.quietLibraries();
        PostgresSession session = PostgresSession.open(location, c -> PostgresSchema.migrate(location, c),
                new PostgresOutage(location.hostAndPort(), PostgresCheckpointStore.reconnectFor()));
        return new ScoreBook(new Connector() {
            @Override
            public <T> T run(Work<T> work) {
                return session.run(work::on);
            }

            @Override
            public void close() {
                session.close();
            }
        });
    }

    /**
     * Up to {@code limit} done answers of the run after input position {@code afterSeq}, in input order, that have no
     * score under {@code key} or one made for another answer, record text or expression.
     */
    public List<Unscored> unscored(long runId, Key key, long afterSeq, int limit) {
        return answers(runId, key, afterSeq, limit, false);
    }

    /**
     * As {@link #unscored}, every done answer whatever its score: to score them all again ({@code stride score
     * --again}) after an upgrade of stride that reads answers differently, each score replaced as it is saved.
     */
    public List<Unscored> answered(long runId, Key key, long afterSeq, int limit) {
        return answers(runId, key, afterSeq, limit, true);
    }

    private List<Unscored> answers(long runId, Key key, long afterSeq, int limit, boolean scoredToo) {
        String sql = "SELECT r.seq, r.record_id, r.payload, p.output, p.finished_at, r.content_hash"
                + " FROM records r JOIN predictions p ON p.run_id = r.run_id AND p.record_id = r.record_id"
                + " WHERE r.run_id = ? AND p.status = 'done' AND r.seq > ?"
                + " AND (? OR NOT EXISTS (SELECT 1 FROM scores s WHERE s.run_id = r.run_id"
                + " AND s.record_id = r.record_id AND s.metric = ? AND s.label_field = ? AND s.extract = ?"
                + " AND s.answered_at = p.finished_at AND s.record_hash = r.content_hash))"
                + " ORDER BY r.seq LIMIT ?";
        return connector.run(c -> {
            try (PreparedStatement st = c.prepareStatement(sql)) {
                st.setLong(1, runId);
                st.setLong(2, afterSeq);
                st.setBoolean(3, scoredToo);
                st.setString(4, key.metric());
                st.setString(5, key.labelField());
                st.setString(6, key.extract());
                st.setInt(7, limit);
                List<Unscored> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Unscored(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6)));
                    }
                }
                return rows;
            }
        });
    }

    /** One record of a run as the input gave it. */
    public record Payload(long seq, String json) {
    }

    /** Up to {@code limit} records of the run after input position {@code afterSeq}, in input order. */
    public List<Payload> payloads(long runId, long afterSeq, int limit) {
        return connector.run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT seq, payload FROM records WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
                st.setLong(1, runId);
                st.setLong(2, afterSeq);
                st.setInt(3, limit);
                List<Payload> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Payload(rs.getLong(1), rs.getString(2)));
                    }
                }
                return rows;
            }
        });
    }

    /** Stores {@code scores} in one transaction, replacing the earlier score of each record under {@code key}. */
    public void save(long runId, Key key, List<Score> scores) {
        if (scores.isEmpty()) {
            return;
        }
        String sql = "INSERT INTO scores (run_id, record_id, metric, label_field, extract, label, correct, parsed,"
                + " extracted, answered_at, record_hash, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (run_id, record_id, metric, label_field) DO UPDATE SET extract = excluded.extract,"
                + " label = excluded.label, correct = excluded.correct, parsed = excluded.parsed,"
                + " extracted = excluded.extracted, answered_at = excluded.answered_at,"
                + " record_hash = excluded.record_hash, scored_at = excluded.scored_at";
        String now = UtcText.format(clock.instant());
        connector.run(c -> {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement st = c.prepareStatement(sql)) {
                for (Score s : scores) {
                    st.setLong(1, runId);
                    st.setString(2, s.of().recordId());
                    st.setString(3, key.metric());
                    st.setString(4, key.labelField());
                    st.setString(5, key.extract());
                    st.setString(6, s.label());
                    st.setInt(7, s.correct() ? 1 : 0);
                    st.setInt(8, s.parsed() ? 1 : 0);
                    st.setString(9, s.extracted());
                    st.setString(10, s.of().answeredAt());
                    st.setString(11, s.of().recordHash());
                    st.setString(12, now);
                    st.addBatch();
                }
                st.executeBatch();
                c.commit();
                return null;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        });
    }

    /**
     * Every way the run's answers were scored (stored rows, current or stale), by label field, metric and expression:
     * how a session that is not told how to score goes on scoring the run.
     */
    public List<Key> scorings(long runId) {
        return connector.run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT DISTINCT metric, label_field, extract FROM scores"
                    + " WHERE run_id = ? ORDER BY label_field, metric, extract")) {
                st.setLong(1, runId);
                List<Key> keys = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        keys.add(new Key(rs.getString(1), rs.getString(2), rs.getString(3)));
                    }
                }
                return keys;
            }
        });
    }

    /**
     * The way the run scores its answers as they arrive, kept with the run (migration V16); empty for a run never
     * scored live, or made before runs kept it.
     */
    public Optional<Key> keptScoring(long runId) {
        return connector.run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT scoring_metric, scoring_label_field,"
                    + " scoring_extract FROM runs WHERE run_id = ? AND scoring_metric IS NOT NULL")) {
                st.setLong(1, runId);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(new Key(rs.getString(1), rs.getString(2), rs.getString(3)))
                            : Optional.empty();
                }
            }
        });
    }

    /**
     * The run's own way of scoring, as {@code stride status} shows its accuracy ({@link Board.RunScores#headline}): the
     * way it keeps ({@code stride run --label-field}), else that of its latest stored score; on {@code labelField}
     * alone when it is given. Empty for a run never scored (on that field).
     */
    public Optional<Key> ownScoring(long runId, String labelField) {
        Optional<Key> kept = keptScoring(runId);
        if (kept.isPresent() && (labelField == null || kept.get().labelField().equals(labelField))) {
            return kept;
        }
        return connector.run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT metric, label_field, extract FROM scores"
                    + " WHERE run_id = ?" + (labelField == null ? "" : " AND label_field = ?")
                    + " ORDER BY scored_at DESC, metric, extract LIMIT 1")) {
                st.setLong(1, runId);
                if (labelField != null) {
                    st.setString(2, labelField);
                }
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(new Key(rs.getString(1), rs.getString(2), rs.getString(3)))
                            : Optional.empty();
                }
            }
        });
    }

    /** Keeps {@code key} as the way the run scores its answers, for a session that is told none to go on with. */
    public void keepScoring(long runId, Key key) {
        connector.run(c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE runs SET scoring_metric = ?,"
                    + " scoring_label_field = ?, scoring_extract = ? WHERE run_id = ?")) {
                st.setString(1, key.metric());
                st.setString(2, key.labelField());
                st.setString(3, key.extract());
                st.setLong(4, runId);
                st.executeUpdate();
                return null;
            }
        });
    }

    /** The run's scores under {@code key} that still hold (see the {@code current_scores} view). */
    public Tally tally(long runId, Key key) {
        String sql = "SELECT count(*), coalesce(sum(correct), 0), count(*) - coalesce(sum(parsed), 0)"
                + " FROM current_scores WHERE run_id = ? AND metric = ? AND label_field = ? AND extract = ?";
        return connector.run(c -> {
            try (PreparedStatement st = c.prepareStatement(sql)) {
                st.setLong(1, runId);
                st.setString(2, key.metric());
                st.setString(3, key.labelField());
                st.setString(4, key.extract());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return new Tally(rs.getLong(1), rs.getLong(2), rs.getLong(3));
                }
            }
        });
    }

    @Override
    public void close() {
        connector.close();
    }
}
