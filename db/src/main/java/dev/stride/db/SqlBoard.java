package dev.stride.db;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.stride.core.Accuracy;
import dev.stride.core.RunInfo;
import dev.stride.core.RunState;
import dev.stride.core.RunWorkers;
import dev.stride.core.ShownState;
import dev.stride.core.WorkerInfo;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@link Board} in SQL common to SQLite and PostgreSQL; the few differences (how to open a read-only connection,
 * which rows make a sample, the runs' counters) sit in a {@link Vendor}. Each call opens its own connection and
 * closes it, so a run writing beside it is never held up by a long-lived reader. The one thing kept between calls is
 * a run's summary, under a key that any change of the run changes ({@link SummaryCache}).
 */
final class SqlBoard implements Board {
    /** Up to about this many outcomes are read for a timeline; beyond it, every n-th (a run of millions stays fast). */
    static final int SAMPLE = 20_000;
    /** The pace of a live run is measured over this last stretch, as status measures it. */
    static final Duration RATE_WINDOW = Duration.ofSeconds(60);
    private static final int PREVIEW = 160;

    interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    /** What differs between the two databases. */
    interface Vendor extends AutoCloseable {
        <T> T read(Work<T> work);

        /** The runs with their counters and live workers. */
        <T> T catalog(Function<LooksAtRuns, T> reading);

        /** The clock the workers stamp their rows with. */
        Clock clock();

        /** {@link Board#answersOnlyInWal}. */
        Long answersOnlyInWal(Instant now);

        /** A condition on {@code p} (predictions) keeping about one row in {@code ?} (bound to n, 1 keeps all). */
        String sampleCondition();

        /**
         * A condition: {@code text} holds the bound parameter, letters in any case (no pattern characters, unlike
         * LIKE): one who searches "pneumonia" means the record that says "Pneumonia" too.
         */
        String holds(String text);

        @Override
        void close();
    }

    private final Vendor vendor;
    private final long span;
    private final long sampleSize;
    private final SummaryCache summaries;

    private SqlBoard(Vendor vendor, long span, long sampleSize) {
        this.vendor = vendor;
        this.span = span;
        this.sampleSize = sampleSize;
        this.summaries = new SummaryCache(sampleSize, System::nanoTime);
    }

    static SqlBoard sqlite(Path file) {
        return sqlite(file, SEARCH_SPAN, SAMPLE);
    }

    /** With a smaller span or sample than a user gets: the tests reach their edges with a few records. */
    static SqlBoard sqlite(Path file, long span, long sampleSize) {
        SqliteFiles.checkUsable(file, true);
        // Flyway's look at a file that is not current logged its steps to stderr before the refusal's one line.
        SqliteCheckpointStore.quietLibraries();
        Schema.checkCurrent(SqliteFiles.readerSource(file), file);
        return new SqlBoard(new Vendor() {
            @Override
            public <T> T read(Work<T> work) {
                SqliteFiles.checkUsable(file, true);
                try (Connection c = SqliteFiles.connect(SqliteFiles.readerSource(file), file)) {
                    return work.on(c);
                } catch (SQLException e) {
                    throw SqliteFiles.translate(file, e);
                }
            }

            @Override
            public <T> T catalog(Function<LooksAtRuns, T> reading) {
                try (SqliteCheckpointStore store = SqliteCheckpointStore.openReadOnly(file)) {
                    return reading.apply(store);
                }
            }

            @Override
            public Clock clock() {
                return Clock.systemUTC(); // the workers share this file, so this machine
            }

            @Override
            public Long answersOnlyInWal(Instant now) {
                // Judged as status judges it, so that the page and the command never tell two figures
                OptionalLong left = FileAlone.look(file, now, ShownState.STALE_AFTER).answersOnlyInWal();
                return left.isPresent() ? left.getAsLong() : null;
            }

            @Override
            public String sampleCondition() {
                // The rowid is in the primary key's index entries: SQLite picks the sample without reading the rows.
                return "(p.rowid % ?) = 0";
            }

            @Override
            public String holds(String text) {
                // SQLite's lower() folds A-Z only: "É" still finds "É" alone, as SQLite's own LIKE does.
                return "instr(lower(" + text + "), lower(?)) > 0";
            }

            @Override
            public void close() {
            }
        }, span, sampleSize);
    }

    static SqlBoard postgres(PostgresLocation location) {
        // Each page and API call asks again in 2 s: waiting minutes for a server that went away would hang every
        // one of them, where the board should say at once that it cannot reach it (and recover when it is back).
        PostgresCheckpointStore store = PostgresCheckpointStore.openReadOnly(location, Duration.ZERO);
        return new SqlBoard(new Vendor() {
            @Override
            public <T> T read(Work<T> work) {
                try (Connection c = DriverManager.getConnection(location.jdbcUrl(),
                        location.connectionProperties())) {
                    c.setReadOnly(true);
                    c.setAutoCommit(false);
                    try {
                        return work.on(c);
                    } finally {
                        c.rollback();
                    }
                } catch (SQLException e) {
                    throw PostgresErrors.translate(location, e);
                }
            }

            @Override
            public <T> T catalog(Function<LooksAtRuns, T> reading) {
                synchronized (store) {
                    return reading.apply(store);
                }
            }

            @Override
            public Clock clock() {
                return store.clock(); // the server's, measured once at open
            }

            @Override
            public Long answersOnlyInWal(Instant now) {
                return null; // a server's database: no file that a copy could take without its WAL
            }

            @Override
            public String sampleCondition() {
                return "(abs(hashtext(p.record_id)) % ?) = 0";
            }

            @Override
            public String holds(String text) {
                return "strpos(lower(" + text + "), lower(?)) > 0";
            }

            @Override
            public void close() {
                store.close();
            }
        }, SEARCH_SPAN, SAMPLE);
    }

    @Override
    public List<RunRow> runs(Instant now) {
        return rows(vendor.catalog(store -> store.lookAtRuns(now, null)), now);
    }

    @Override
    public Optional<RunRow> find(String name, Instant now) {
        return runRow(name, now);
    }

    @Override
    public List<Score> scores(String run) {
        return vendor.read(c -> scores(c, run));
    }

    @Override
    public Map<String, RunScores> scoreboards() {
        return vendor.read(c -> {
            Map<String, List<Score>> rows = new LinkedHashMap<>();
            try (PreparedStatement st = c.prepareStatement("SELECT " + SCORE_COLUMNS + ", run FROM scoreboard"
                    + " ORDER BY run, metric, label_field");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.computeIfAbsent(rs.getString(7), run -> new ArrayList<>()).add(score(rs));
                }
            }
            Map<String, LiveScoring> live = new HashMap<>();
            try (PreparedStatement st = c.prepareStatement("SELECT name, scoring_metric, scoring_label_field,"
                    + " scoring_extract FROM runs WHERE scoring_metric IS NOT NULL");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    live.put(rs.getString(1), new LiveScoring(rs.getString(2), rs.getString(3),
                            rs.getString(4) == null ? "" : rs.getString(4)));
                }
            }
            Map<String, RunScores> boards = new LinkedHashMap<>();
            rows.forEach((run, scores) -> boards.put(run, new RunScores(scores, live.get(run))));
            return boards;
        });
    }

    @Override
    public Optional<RunScores> scoreboard(String run) {
        return vendor.read(c -> {
            List<Score> scores = scores(c, run);
            if (scores.isEmpty()) {
                return Optional.empty();
            }
            Optional<Long> id = runId(c, run);
            return Optional.of(new RunScores(scores, id.isEmpty() ? null : liveScoring(c, id.get())));
        });
    }

    @Override
    public boolean scored(String run) {
        return vendor.read(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM scores s JOIN runs r ON r.run_id = s.run_id"
                    + " WHERE r.name = ? LIMIT 1")) {
                st.setString(1, run);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    private Optional<RunRow> runRow(String name, Instant now) {
        // The run and its workers from one snapshot, as for every run.
        RunsLook look = vendor.catalog(store -> store.lookAtRuns(now, null));
        return look.runs().stream().filter(r -> r.name().equals(name)).findFirst()
                .map(r -> rows(new RunsLook(List.of(r), look.workers(), Map.of()), now).get(0));
    }

    /**
     * The runs with their workers and, for those going now, their pace over the last minute: read from the index by
     * time for those runs only, so a list of finished runs of any size costs no pass over their outcomes. Whether a
     * run goes is {@code status}'s judgement ({@link ShownState}): its workers first, so that a run whose every
     * worker was killed is interrupted at once, and one whose every live worker waits for its server is
     * {@code waiting}, with no pace it does not make.
     */
    private List<RunRow> rows(RunsLook look, Instant now) {
        record Seen(RunInfo run, String state, List<WorkerInfo> workers) {
        }
        List<Seen> seen = look.runs().stream().map(r -> {
            RunWorkers w = look.workers().getOrDefault(r.id(), RunWorkers.NONE);
            return new Seen(r, ShownState.label(r, w.allGone(), w.live(), now), w.live());
        }).toList();
        Map<Long, Double> rates = vendor.read(c -> {
            Map<Long, Double> found = new LinkedHashMap<>();
            for (Seen s : seen) {
                if (RunState.RUNNING.label().equals(s.state())) {
                    found.put(s.run().id(), RunTotals.recent(c, s.run().id(), now, RATE_WINDOW).ratePerSecond(now));
                }
            }
            return found;
        });
        return seen.stream().map(s -> {
            Double rate = rates.get(s.run().id());
            Long left = rate != null && rate > 0 ? (long) Math.ceil(s.run().pending() / rate) : null;
            return new RunRow(s.run(), s.state(), s.workers(), rate, left);
        }).toList();
    }

    @Override
    public Optional<RunDetail> run(String name, Instant now) {
        Optional<RunRow> found = runRow(name, now);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        RunRow row = found.get();
        SummaryCache.Summary summary = summaries.get(SummaryCache.Key.of(row.info()),
                () -> vendor.read(c -> summarize(c, row.info())));
        // One connection for both: on PostgreSQL each read is a connection of its own.
        record Scored(List<Score> scores, LiveScoring live) {
        }
        Scored scored = vendor.read(c -> new Scored(scores(c, name), liveScoring(c, row.info().id())));
        return Optional.of(new RunDetail(row, summary.timeline(), summary.sampledEvery(), summary.tokensIn(),
                summary.tokensOut(), summary.usageReported(), summary.finishReasons(), summary.errors(),
                scored.scores(), scored.live()));
    }

    /** The way the run keeps for scoring as answers arrive (schema version 16), or null. */
    private static LiveScoring liveScoring(Connection c, long runId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT scoring_metric, scoring_label_field, scoring_extract"
                + " FROM runs WHERE run_id = ? AND scoring_metric IS NOT NULL")) {
            st.setLong(1, runId);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? new LiveScoring(rs.getString(1), rs.getString(2),
                        rs.getString(3) == null ? "" : rs.getString(3)) : null;
            }
        }
    }

    /** The timeline from a sample, then tokens, finish reasons and errors, exact, in one pass over the outcomes. */
    private SummaryCache.Summary summarize(Connection c, RunInfo run) throws SQLException {
        long outcomes = run.done() + run.failed();
        long every = Math.max(1, (outcomes + sampleSize - 1) / sampleSize);
        Sample sample = sample(c, run.id(), every);
        Tallies tallies = tallies(c, run.id(), sample.reasons, sample.kinds);
        return new SummaryCache.Summary(timeline(sample.points, every), every, tallies.tokensIn, tallies.tokensOut,
                tallies.usage,
                tallies.finishReasons(), tallies.errors());
    }

    /** About one outcome in {@code every}: (time, latency, done) points, and the finish reasons and kinds seen. */
    private record Sample(List<long[]> points, List<String> reasons, List<String> kinds) {
    }

    private Sample sample(Connection c, long runId, long every) throws SQLException {
        String sql = "SELECT p.finished_at, p.latency_ms, p.status, coalesce(p.finish_reason, '-'),"
                + " coalesce(p.error_kind, '-') FROM predictions p WHERE p.run_id = ? AND " + vendor.sampleCondition();
        List<long[]> points = new ArrayList<>();
        Set<String> reasons = new LinkedHashSet<>();
        Set<String> kinds = new LinkedHashSet<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, runId);
            st.setLong(2, every);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    boolean done = "done".equals(rs.getString(3));
                    points.add(new long[] {UtcText.parse(rs.getString(1), "predictions.finished_at").toEpochMilli(),
                            rs.getLong(2), done ? 1 : 0});
                    (done ? reasons : kinds).add(done ? rs.getString(4) : rs.getString(5));
                }
            }
        }
        return new Sample(points, List.copyOf(reasons), List.copyOf(kinds));
    }

    /** The sample's points in at most MAX_POINTS buckets of equal width, counts scaled back up by {@code every}. */
    private static List<Bucket> timeline(List<long[]> points, long every) {
        if (points.isEmpty()) {
            return List.of();
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (long[] p : points) {
            first = Math.min(first, p[0]);
            last = Math.max(last, p[0]);
        }
        // Whole seconds per bucket, so that "per second" reads plainly; a short run gets one-second buckets.
        long width = Math.max(1, (last - first + 1 + MAX_POINTS * 1000L - 1) / (MAX_POINTS * 1000L)) * 1000L;
        long start = first - first % 1000;
        int n = (int) ((last - start) / width) + 1;
        long[] counts = new long[n];
        long[] failed = new long[n];
        List<List<Long>> latencies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            latencies.add(new ArrayList<>());
        }
        for (long[] p : points) {
            int i = (int) ((p[0] - start) / width);
            counts[i] += every;
            if (p[2] == 1) {
                latencies.get(i).add(p[1]);
            } else {
                failed[i] += every;
            }
        }
        List<Bucket> buckets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long[] sorted = latencies.get(i).stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            buckets.add(new Bucket(start + i * width, width, counts[i], failed[i], nth(sorted, 0.50),
                    nth(sorted, 0.90), nth(sorted, 0.99)));
        }
        return buckets;
    }

    /** The nearest-rank percentile of {@code sorted}; 0 when it is empty. */
    static long nth(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    private static final class Tallies {
        long tokensIn;
        long tokensOut;
        boolean usage;
        final Map<String, Long> reasons = new LinkedHashMap<>();
        final Map<String, ErrorGroup> errors = new LinkedHashMap<>();

        List<Count> finishReasons() {
            return reasons.entrySet().stream().filter(e -> e.getValue() > 0).map(e -> new Count(e.getKey(),
                    e.getValue())).sorted((x, y) -> Long.compare(y.count(), x.count())).toList();
        }

        List<ErrorGroup> errors() {
            return errors.values().stream().filter(e -> e.count() > 0)
                    .sorted((x, y) -> Long.compare(y.count(), x.count())).toList();
        }

        void addError(String kind, long count, String example) {
            errors.merge(kind, new ErrorGroup(kind, count, example), (x, y) -> new ErrorGroup(kind,
                    x.count() + y.count(), x.example() != null ? x.example() : y.example()));
        }
    }

    private static final String REASON = "coalesce(p.finish_reason, '-')";
    private static final String KIND = "coalesce(p.error_kind, '-')";

    /**
     * Tokens, finish reasons and errors, exact, in one pass with no sort: a count per finish reason and error kind the
     * sample saw (a GROUP BY would sort a million rows), plus a count of the rest. Only when the sample missed a rare
     * reason or kind are those rest rows grouped, by a second query that reads just them.
     */
    private static Tallies tallies(Connection c, long runId, List<String> reasons, List<String> kinds)
            throws SQLException {
        // Tokens of failed records too: answers set aside as not JSON were charged as a done record's are.
        StringBuilder sql = new StringBuilder("SELECT"
                + " coalesce(sum(p.prompt_tokens), 0), coalesce(sum(p.completion_tokens), 0),"
                + " count(p.prompt_tokens) + count(p.completion_tokens)");
        List<Object> args = new ArrayList<>();
        for (String reason : reasons) {
            sql.append(", count(*) FILTER (WHERE p.status = 'done' AND " + REASON + " = ?)");
            args.add(reason);
        }
        for (String kind : kinds) {
            sql.append(", count(*) FILTER (WHERE p.status <> 'done' AND " + KIND + " = ?),"
                    + " min(p.error) FILTER (WHERE p.status <> 'done' AND " + KIND + " = ?)");
            args.add(kind);
            args.add(kind);
        }
        String rest = rest(reasons, kinds);
        sql.append(", count(*) FILTER (WHERE " + rest + ") FROM predictions p WHERE p.run_id = ?");
        args.addAll(reasons);
        args.addAll(kinds);
        args.add(runId);
        Tallies t = new Tallies();
        long others;
        try (PreparedStatement st = c.prepareStatement(sql.toString())) {
            bind(st, args);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                t.tokensIn = rs.getLong(1);
                t.tokensOut = rs.getLong(2);
                t.usage = rs.getLong(3) > 0;
                int column = 4;
                for (String reason : reasons) {
                    t.reasons.put(reason, rs.getLong(column++));
                }
                for (String kind : kinds) {
                    long count = rs.getLong(column++);
                    t.addError(kind, count, rs.getString(column++));
                }
                others = rs.getLong(column);
            }
        }
        if (others > 0) {
            String grouped = "SELECT p.status, " + REASON + ", " + KIND + ", count(*), min(p.error)"
                    + " FROM predictions p WHERE p.run_id = ? AND " + rest + " GROUP BY p.status, " + REASON + ", "
                    + KIND;
            List<Object> restArgs = new ArrayList<>(List.of(runId));
            restArgs.addAll(reasons);
            restArgs.addAll(kinds);
            try (PreparedStatement st = c.prepareStatement(grouped)) {
                bind(st, restArgs);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        if ("done".equals(rs.getString(1))) {
                            t.reasons.merge(rs.getString(2), rs.getLong(4), Long::sum);
                        } else {
                            t.addError(rs.getString(3), rs.getLong(4), rs.getString(5));
                        }
                    }
                }
            }
        }
        return t;
    }

    /** The outcomes whose finish reason (done) or error kind (failed) is none of those given; parameters in order. */
    private static String rest(List<String> reasons, List<String> kinds) {
        String done = reasons.isEmpty() ? "p.status = 'done'"
                : "(p.status = 'done' AND " + REASON + " NOT IN (" + marks(reasons.size()) + "))";
        String failed = kinds.isEmpty() ? "p.status <> 'done'"
                : "(p.status <> 'done' AND " + KIND + " NOT IN (" + marks(kinds.size()) + "))";
        return "(" + done + " OR " + failed + ")";
    }

    private static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /** The columns of the {@code scoreboard} view that {@link #score} reads, in its order. */
    private static final String SCORE_COLUMNS = "metric, label_field, scored, correct, unparsed, scored_at";

    /**
     * A scoreboard row. Its accuracy and interval are worked out from the counts, as stride score and stride run
     * work them out: the view's fractions are rounded to 4 places, and rounded once more to a percent they can differ
     * from what those print (14 of 27: 51.85% read as 0.5185 shows 51.8%, they say 51.9%).
     */
    private static Score score(ResultSet rs) throws SQLException {
        Accuracy a = Accuracy.wilson(rs.getLong(4), rs.getLong(3));
        return new Score(rs.getString(1), rs.getString(2), a.scored(), a.correct(), a.value(), a.low(), a.high(),
                rs.getLong(5), rs.getString(6));
    }

    private static List<Score> scores(Connection c, String run) throws SQLException {
        String sql = "SELECT " + SCORE_COLUMNS + " FROM scoreboard WHERE run = ? ORDER BY metric, label_field";
        List<Score> scores = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, run);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    scores.add(score(rs));
                }
            }
        }
        return scores;
    }

    private Optional<Long> runId(Connection c, String name) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT run_id FROM runs WHERE name = ?")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    /**
     * The score of the record's current answer (1, 0) by the scoring {@code by}, or by its latest (as the results
     * view gives it) when that is null; null where not scored. Its parameters, when {@code by} is given: the metric
     * and the label field ({@link #byArgs}).
     */
    private static String score(String column, ScoredBy by) {
        return "(SELECT s." + column + " FROM scores s WHERE s.run_id = r.run_id"
                + " AND s.record_id = r.record_id AND s.record_hash = r.content_hash AND p.status = 'done'"
                + " AND s.answered_at = p.finished_at" + (by == null ? "" : " AND s.metric = ? AND s.label_field = ?")
                + " ORDER BY s.scored_at DESC, s.metric LIMIT 1)";
    }

    private static List<Object> byArgs(ScoredBy by) {
        return by == null ? List.of() : List.of(by.metric(), by.labelField());
    }

    @Override
    public Optional<RecordPage> records(String run, RecordQuery q) {
        return vendor.read(c -> {
            Optional<Long> id = runId(c, run);
            if (id.isEmpty()) {
                return Optional.empty();
            }
            long lastSeq = lastSeq(c, id.get());
            boolean search = q.query() != null && !q.query().isBlank();
            StringBuilder sql = new StringBuilder("SELECT r.seq, r.record_id, coalesce(p.status, 'pending'),"
                    + " substr(p.output, 1, " + (PREVIEW + 1) + "), substr(p.error, 1, " + (PREVIEW + 1) + "),"
                    + " p.error_kind, p.latency_ms, " + score("correct", q.by()) + " FROM records r LEFT JOIN predictions p"
                    + " ON p.run_id = r.run_id AND p.record_id = r.record_id WHERE r.run_id = ? AND r.seq > ?");
            List<Object> args = new ArrayList<>(byArgs(q.by()));
            args.add(id.get());
            args.add(q.after());
            if ("pending".equals(q.status())) {
                sql.append(" AND p.status IS NULL");
            } else if ("wrong".equals(q.status())) {
                sql.append(" AND p.status = 'done' AND " + score("correct", q.by()) + " = 0");
                args.addAll(byArgs(q.by()));
            } else if (q.status() != null) {
                sql.append(" AND p.status = ?");
                args.add(q.status());
            }
            Long through = null;
            if (search) {
                // A text is looked for in one span of positions per page: a search that finds little never reads
                // a million inputs in one request; the page asks for the next span.
                through = spanEnd(q.after(), lastSeq);
                sql.append(" AND r.seq <= ?");
                args.add(through);
                // Found in the id, the input or the answer; not LIKE: no pattern characters to escape.
                sql.append(" AND (" + vendor.holds("r.record_id") + " OR " + vendor.holds("r.payload") + " OR "
                        + vendor.holds("coalesce(p.output, '')"));
                args.add(q.query());
                args.add(q.query());
                args.add(q.query());
                // The input is stored as compact JSON, where a quote, a backslash or a newline the user typed is
                // escaped: it is looked for as written there too, or only records that echo it in their answer
                // would be found (never a failed or pending one).
                String escaped = storedJson(q.query());
                if (!escaped.equals(q.query())) {
                    sql.append(" OR " + vendor.holds("r.payload"));
                    args.add(escaped);
                }
                sql.append(")");
            }
            sql.append(" ORDER BY r.seq LIMIT ?");
            args.add(q.limit() + 1);
            List<RecordRow> rows = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(sql.toString())) {
                bind(st, args);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new RecordRow(rs.getLong(1), rs.getString(2), rs.getString(3),
                                preview(rs.getString(4)), preview(rs.getString(5)), rs.getString(6),
                                (Long) nullable(rs, 7, rs.getLong(7)), (Integer) nullable(rs, 8, rs.getInt(8))));
                    }
                }
            }
            Long next = null;
            if (rows.size() > q.limit()) {
                rows = rows.subList(0, q.limit());
                next = rows.get(rows.size() - 1).seq();
                through = search ? next : null;
            } else if (through != null && through < lastSeq) {
                next = through;
            }
            return Optional.of(new RecordPage(List.copyOf(rows), next, through, lastSeq));
        });
    }

    /**
     * The last position of the span a page reads after {@code after}, at most {@code lastSeq}. Saturated: an
     * {@code after} near Long.MAX_VALUE (any client can send one) wrapped {@code after + span} round to a negative
     * position, and the page's {@code next} sent "search further" back to the start. An {@code after} below -1 reads
     * from the start, as -1 does (no position is negative).
     */
    private long spanEnd(long after, long lastSeq) {
        long from = Math.max(after, -1);
        return from > lastSeq - span ? lastSeq : from + span;
    }

    /** {@code text} as it reads inside a string of a stored input (compact JSON as Jackson writes it), unquoted. */
    static String storedJson(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }

    private static long lastSeq(Connection c, long runId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT max(seq) FROM records WHERE run_id = ?")) {
            st.setLong(1, runId);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1;
            }
        }
    }

    @Override
    public Optional<RecordDetail> record(String run, String recordId, ScoredBy by) {
        return vendor.read(c -> {
            try (PreparedStatement st = c.prepareStatement(recordSql(by))) {
                return recordDetail(st, run, recordId, by);
            }
        });
    }

    /**
     * One read for them all: a report lists up to 400 records of each run, and a connection per record (its open,
     * its checks of the file) was most of the time of a report of many runs.
     */
    @Override
    public void recordDetails(String run, List<String> recordIds, ScoredBy by, Consumer<RecordDetail> each) {
        if (recordIds.isEmpty()) {
            return;
        }
        vendor.read(c -> {
            try (PreparedStatement st = c.prepareStatement(recordSql(by))) {
                for (String id : recordIds) {
                    recordDetail(st, run, id, by).ifPresent(each);
                }
            }
            return null;
        });
    }

    private static String recordSql(ScoredBy by) {
        return "SELECT ru.template, r.seq, r.line, r.record_id, r.payload, coalesce(p.status, 'pending'),"
                + " p.output, p.reasoning, p.refusal, p.finish_reason, p.error_kind, p.error, p.latency_ms,"
                + " p.attempts, p.prompt_tokens, p.completion_tokens, p.finished_at, p.server,"
                + " " + score("label", by) + ", " + score("correct", by)
                + " FROM runs ru JOIN records r ON r.run_id = ru.run_id LEFT JOIN predictions p"
                + " ON p.run_id = r.run_id AND p.record_id = r.record_id"
                // The run's id first, so that the record is found by its primary key, not by a scan of records.
                + " WHERE r.run_id = (SELECT run_id FROM runs WHERE name = ?) AND r.record_id = ? AND ru.run_id = r.run_id";
    }

    private static Optional<RecordDetail> recordDetail(PreparedStatement st, String run, String recordId,
                                                       ScoredBy by) throws SQLException {
        List<Object> args = new ArrayList<>(byArgs(by));
        args.addAll(byArgs(by));
        args.add(run);
        args.add(recordId);
        bind(st, args);
        try (ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new RecordDetail(run, rs.getString(1), rs.getLong(2), rs.getLong(3),
                    rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                    rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
                    (Long) nullable(rs, 13, rs.getLong(13)), (Integer) nullable(rs, 14, rs.getInt(14)),
                    (Integer) nullable(rs, 15, rs.getInt(15)), (Integer) nullable(rs, 16, rs.getInt(16)),
                    rs.getString(17), rs.getString(18), rs.getString(19),
                    (Integer) nullable(rs, 20, rs.getInt(20))));
        }
    }

    @Override
    public Optional<ComparePage> differences(String a, String b, ScoredBy by, Differing only, long after,
                                             int limit) {
        return vendor.read(c -> {
            Optional<Long> idA = runId(c, a);
            Optional<Long> idB = runId(c, b);
            if (idA.isEmpty() || idB.isEmpty()) {
                return Optional.empty();
            }
            long lastSeq = lastSeq(c, idA.get());
            // One span of run A's positions per page, as a search: two runs that agree everywhere are not read
            // whole in one request.
            long through = spanEnd(after, lastSeq);
            String pairs = "SELECT r.seq AS seq, r.record_id AS id, substr(pa.output, 1, " + (PREVIEW + 1) + ") AS oa,"
                    + " substr(pb.output, 1, " + (PREVIEW + 1) + ") AS ob,"
                    + " coalesce(pa.output, '') <> coalesce(pb.output, '') AS differ,"
                    + scoreOf("pa", "r", by) + " AS ca, " + scoreOf("pb", "rb", by) + " AS cb"
                    + BOTH_ANSWERED;
            String keep = switch (only) {
                case ANSWERS -> "d.differ";
                case A_RIGHT_B_WRONG -> "d.ca = 1 AND d.cb = 0";
                case A_WRONG_B_RIGHT -> "d.ca = 0 AND d.cb = 1";
                case BOTH_WRONG -> "d.ca = 0 AND d.cb = 0";
            };
            String sql = "SELECT d.seq, d.id, d.oa, d.ob, d.ca, d.cb FROM (" + pairs + ") d WHERE " + keep
                    + " ORDER BY d.seq LIMIT ?";
            List<Difference> rows = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(sql)) {
                List<Object> args = new ArrayList<>(byArgs(by));
                args.addAll(byArgs(by));
                args.addAll(List.of(idB.get(), idA.get(), after, through, limit + 1));
                bind(st, args);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Difference(rs.getLong(1), rs.getString(2), preview(rs.getString(3)),
                                preview(rs.getString(4)), (Integer) nullable(rs, 5, rs.getInt(5)),
                                (Integer) nullable(rs, 6, rs.getInt(6))));
                    }
                }
            }
            Long next = null;
            if (rows.size() > limit) {
                rows = rows.subList(0, limit);
                next = rows.get(rows.size() - 1).seq();
                through = next;
            } else if (through < lastSeq) {
                next = through;
            }
            return Optional.of(new ComparePage(List.copyOf(rows), next, through, lastSeq,
                    answeredByBoth(c, idA.get(), idB.get(), after, through)));
        });
    }

    /**
     * The records of run A's positions {@code (after, through]} that both runs answered, joined as
     * {@link #differences} joins them (parameters: run B, run A, after, through).
     */
    private static final String BOTH_ANSWERED = " FROM records r"
            + " JOIN predictions pa ON pa.run_id = r.run_id AND pa.record_id = r.record_id AND pa.status = 'done'"
            + " JOIN records rb ON rb.run_id = ? AND rb.record_id = r.record_id"
            + " JOIN predictions pb ON pb.run_id = rb.run_id AND pb.record_id = r.record_id AND pb.status = 'done'"
            + " WHERE r.run_id = ? AND r.seq > ? AND r.seq <= ?";

    /** How many records both runs answered in the span a page read: the same span, so no more read than it. */
    private static long answeredByBoth(Connection c, long a, long b, long after, long through) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT count(*)" + BOTH_ANSWERED)) {
            bind(st, List.of(b, a, after, through));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Right (1) or wrong (0) by the scoring {@code by}: null when it is null (parameters as {@link #byArgs}). */
    private static String scoreOf(String p, String r, ScoredBy by) {
        if (by == null) {
            return "CAST(NULL AS INTEGER)";
        }
        return "(SELECT s.correct FROM scores s WHERE s.run_id = " + r + ".run_id AND s.record_id = " + r
                + ".record_id AND s.record_hash = " + r + ".content_hash AND s.answered_at = " + p
                + ".finished_at AND s.metric = ? AND s.label_field = ?)";
    }

    private static void bind(PreparedStatement st, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object v = args.get(i);
            if (v instanceof String s) {
                st.setString(i + 1, s);
            } else {
                st.setLong(i + 1, ((Number) v).longValue());
            }
        }
    }

    private static Object nullable(ResultSet rs, int column, Object value) throws SQLException {
        return rs.getObject(column) == null ? null : value;
    }

    private static String preview(String text) {
        if (text == null || text.length() <= PREVIEW) {
            return text;
        }
        // Not between the two halves of a character outside the BMP (an emoji): half of one shows as a broken glyph.
        int end = Character.isHighSurrogate(text.charAt(PREVIEW - 1)) ? PREVIEW - 1 : PREVIEW;
        return text.substring(0, end) + "…";
    }

    @Override
    public Clock clock() {
        return vendor.clock();
    }

    @Override
    public Long answersOnlyInWal(Instant now) {
        return vendor.answersOnlyInWal(now);
    }

    @Override
    public void close() {
        vendor.close();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SqlBoard[%s]", vendor);
    }
}
