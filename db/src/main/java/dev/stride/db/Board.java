package dev.stride.db;

import dev.stride.core.RunInfo;
import dev.stride.core.WorkerInfo;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the dashboard and the report read from a stride database, on SQLite and PostgreSQL alike, as values. Every
 * call reads through a read-only connection of its own (nothing is ever written), and each answer is bounded: a
 * page of records, a timeline of at most {@link #MAX_POINTS} points, whatever the size of the run.
 */
public interface Board extends AutoCloseable {
    /** The most points a timeline has: charts stay light on a run of any length. */
    int MAX_POINTS = 300;

    /**
     * A run as the runs list shows it, with its live workers and its pace.
     *
     * @param perSecond outcomes per second over the last minute while the run goes ({@code running}); null otherwise,
     *                  as status's rate: a run done, stopped or waiting for its server makes no pace now
     * @param secondsLeft at that pace, or null when there is no pace to go by
     */
    record RunRow(RunInfo info, String shownState, List<WorkerInfo> workers, Double perSecond, Long secondsLeft) {
    }

    /**
     * One bucket of a run's timeline: outcomes stored in [startMs, startMs + widthMs), how many failed, and the
     * latency percentiles (ms) of the done ones (0 when none).
     */
    record Bucket(long startMs, long widthMs, long outcomes, long failed, long p50, long p90, long p99) {
    }

    record Count(String key, long count) {
    }

    record ErrorGroup(String kind, long count, String example) {
    }

    /** One row of the {@code scoreboard} view; {@code scoredAt} is when its latest record was scored. */
    record Score(String metric, String labelField, long scored, long correct, double accuracy, double ciLow,
                 double ciHigh, long unparsed, String scoredAt) {
        public ScoredBy by() {
            return new ScoredBy(metric, labelField);
        }
    }

    /**
     * One scoring of a run (metric and label field), to read right and wrong by: a run scored more than one way has
     * a score per record for each, and a list that took each record's latest would judge some records by one
     * metric and the rest by another.
     */
    record ScoredBy(String metric, String labelField) {
    }

    /**
     * The way a run scores its answers as they arrive, kept with the run ({@code stride run --label-field}): unlike
     * a scoreboard row, it names the regex metric's expression, so two regex scorings read apart.
     *
     * @param extract the regex metric's expression; '' for the other metrics
     */
    record LiveScoring(String metric, String labelField, String extract) {
    }

    /**
     * A run's scoreboard rows and the way it scores its answers as they arrive.
     *
     * @param live null for a run not scored live
     */
    record RunScores(List<Score> scores, LiveScoring live) {
        public RunScores {
            scores = List.copyOf(scores);
        }

        /** Whether {@code score} is the row its live scoring keeps up to date. */
        public boolean isLive(Score score) {
            return live != null && live.metric().equals(score.metric()) && live.labelField().equals(score.labelField());
        }

        /**
         * The row a one-line view shows, the run's own scoring: the live scoring's where it has scored something (it
         * is what the run's progress line showed; another metric tried with stride score does not take its place),
         * else the row scored last. {@code stride score} without a metric scores by the same ({@link
         * ScoreBook#ownScoring}).
         */
        public Optional<Score> headline() {
            return scores.stream().filter(this::isLive).findFirst()
                    .or(() -> scores.stream().max(Comparator.comparing(Score::scoredAt)));
        }
    }

    /**
     * The whole picture of one run.
     *
     * @param sampledEvery the timeline is drawn from every n-th outcome (1: from all), its counts scaled back up
     * @param scoring      the way the run scores as answers arrive; null for a run never scored live
     */
    record RunDetail(RunRow run, List<Bucket> timeline, long sampledEvery, long tokensIn, long tokensOut,
                     boolean usageReported, List<Count> finishReasons, List<ErrorGroup> errors, List<Score> scores,
                     LiveScoring scoring) {
    }

    /**
     * A line of the results browser: the answer and the error, each cut to a preview, apart as a record's detail has
     * them (a failed record has an error and, unless the model answered at all, no answer).
     */
    record RecordRow(long seq, String id, String status, String answer, String error, String errorKind,
                     Long latencyMs, Integer score) {
    }

    /**
     * @param next           the {@code after} of the next page, or null on the last page
     * @param searchedThrough a search reads at most {@link #SEARCH_SPAN} positions per page: the last position it read
     *                       (null when it was no search); {@code next} goes on from there even when {@code rows} is
     *                       empty, so that a search of a million records answers page by page, never all at once
     * @param lastSeq        the run's last input position (-1 when it has no records), to say "searched N of M"
     */
    record RecordPage(List<RecordRow> rows, Long next, Long searchedThrough, long lastSeq) {
    }

    /** The most input positions a search or a comparison reads for one page. */
    int SEARCH_SPAN = 100_000;

    /** Everything stored about one record of a run. */
    record RecordDetail(String run, String template, long seq, long line, String id, String input, String status,
                        String answer, String reasoning, String refusal, String finishReason, String errorKind,
                        String error, Long latencyMs, Integer attempts, Integer promptTokens,
                        Integer completionTokens, String finishedAt, String server, String label, Integer score) {
    }

    /** A record both runs answered, with different answers. {@code correct*} is null where it is not scored. */
    record Difference(long seq, String id, String answerA, String answerB, Integer correctA, Integer correctB) {
    }

    /**
     * As {@link RecordPage}: at most {@link #SEARCH_SPAN} positions of run A read per page.
     *
     * @param answeredByBoth the records both runs answered among the positions this page read (after the page's
     *                       {@code after}, up to {@code searchedThrough}): none while nothing listed means the runs
     *                       have nothing there to compare, not that they answered alike
     */
    record ComparePage(List<Difference> rows, Long next, long searchedThrough, long lastSeq, long answeredByBoth) {
    }

    /** Which records of two runs to list. "Right" and "wrong" are by one scoring of both (unscored: none match). */
    enum Differing {
        /** The answers differ (scored or not). */
        ANSWERS("differ"),
        A_RIGHT_B_WRONG("a_right"),
        A_WRONG_B_RIGHT("b_right"),
        BOTH_WRONG("both_wrong");

        private final String param;

        Differing(String param) {
            this.param = param;
        }

        /** The name in {@code /api/compare?only=}. */
        public String param() {
            return param;
        }

        public static Optional<Differing> ofParam(String param) {
            return java.util.Arrays.stream(values()).filter(d -> d.param.equals(param)).findFirst();
        }
    }

    /**
     * Which records to list: {@code status} done/failed/pending, wrong (done and scored wrong) or null,
     * {@code query} a text to find or null; {@code by} the scoring that right and wrong are read from (null: each
     * record's latest).
     */
    record RecordQuery(String status, String query, long after, int limit, ScoredBy by) {
        /** Right and wrong by each record's latest score. */
        public RecordQuery(String status, String query, long after, int limit) {
            this(status, query, after, limit, null);
        }
    }

    List<RunRow> runs(Instant now);

    Optional<RunDetail> run(String name, Instant now);

    /** The run's line of the runs list alone (cheap, unlike {@link #run}). */
    Optional<RunRow> find(String name, Instant now);

    /** The run's scoreboard: empty until it is scored. */
    List<Score> scores(String run);

    /** Every scored run's scoreboard, by run name, in one read: a run never scored has no entry. */
    Map<String, RunScores> scoreboards();

    /** One run's scoreboard, as {@link #scoreboards} has it: empty for a run never scored, or no such run. */
    Optional<RunScores> scoreboard(String run);

    /**
     * Whether any answer of the run was ever scored: one look at the scores' index, where {@link #scores} is a pass
     * over every score of the run (a page that polls asks it often).
     */
    boolean scored(String run);

    Optional<RecordPage> records(String run, RecordQuery query);

    /** The record with the label and score of its latest scoring. */
    default Optional<RecordDetail> record(String run, String id) {
        return record(run, id, null);
    }

    /** The record with the label and score of the scoring {@code by} (null: its latest). */
    Optional<RecordDetail> record(String run, String id, ScoredBy by);

    /**
     * The records of {@code ids} that the run has, in that order, as {@link #record(String, String, ScoredBy)} gives
     * each, handed to {@code each} as they are read: one read for them all, where that is one read each. Handed
     * over one at a time, not as a list: a record may hold megabytes of input, and a report lists hundreds.
     */
    default void recordDetails(String run, List<String> ids, ScoredBy by, Consumer<RecordDetail> each) {
        ids.forEach(id -> record(run, id, by).ifPresent(each));
    }

    /**
     * Records both runs answered that {@code only} picks, in run A's input order after position {@code after};
     * right and wrong by the scoring {@code by} of each run (null: none, so that only {@link Differing#ANSWERS}
     * lists anything).
     */
    Optional<ComparePage> differences(String a, String b, ScoredBy by, Differing only, long after, int limit);

    /**
     * The answers only in the database file's WAL, left there by a stride stopped before it could fold them in
     * (kill -9, a crash): what {@code status --json} gives as {@code answers_only_in_wal}, and judged as it judges it
     * ({@link FileAlone}). Null while a run writes the file, when the file alone holds everything, when they could
     * not be counted, and on PostgreSQL (no file, no WAL).
     */
    Long answersOnlyInWal(Instant now);

    /**
     * The clock to judge what this board reads by (live workers, their figures' age, the pace): the workers stamp
     * PostgreSQL rows with the server's clock, which a dashboard's machine may be seconds or minutes away from.
     */
    Clock clock();

    @Override
    void close();

    static Board sqlite(Path file) {
        return SqlBoard.sqlite(file);
    }

    static Board postgres(PostgresLocation location) {
        return SqlBoard.postgres(location);
    }
}
