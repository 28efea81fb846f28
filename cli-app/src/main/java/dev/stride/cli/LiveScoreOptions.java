package dev.stride.cli;

import dev.stride.app.LiveScoring;
import dev.stride.app.RunScorer;
import dev.stride.app.SessionScoring;
import dev.stride.core.Metric;
import dev.stride.core.RunInfo;
import dev.stride.core.Scorer;
import dev.stride.db.PostgresLocation;
import dev.stride.db.ScoreBook;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code stride run --label-field FIELD [--metric M]}: the scorer those options ask for, and its live scoring; without
 * them, a resumed run is scored as it was before (said under its resume line).
 */
final class LiveScoreOptions {
    /** How often a run stores the scores of its new answers (the accuracy shown is always up to date). */
    static final Duration STORE_EVERY = Duration.ofSeconds(5);

    private LiveScoreOptions() {
    }

    /**
     * The scorer, or null when the run does not score. The regex metric takes the run's own {@code --extract}
     * expression, the one that also fills the {@code extracted} column.
     */
    static RunScorer scorer(String labelField, String metric, String extract) {
        if (labelField == null) {
            if (metric != null) {
                throw UserError.usageOf("msg.run.metricNeedsLabelField");
            }
            return null;
        }
        Metric m = metric == null ? Metric.DEFAULT : Metric.parse(metric);
        return new RunScorer(Scorer.of(m, m == Metric.REGEX ? extract : null), labelField);
    }

    /**
     * The line said under a run's resume line about how it is scored, or null when there is nothing to say: scored
     * as the options ask and as before, or not scored at all.
     */
    static String said(SessionScoring choice, RunInfo run, Messages m) {
        if (choice instanceof SessionScoring.AsBefore c) {
            return m.get("msg.run.scoringAsBefore", way(c.scorer().key(), m));
        }
        if (choice instanceof SessionScoring.Changed c) {
            return m.get("msg.run.scoringChanged", way(c.scorer().key(), m), ways(c.before(), m));
        }
        if (choice instanceof SessionScoring.Off c) {
            return m.get("msg.run.scoringOff", run.name(), ways(c.before(), m));
        }
        return null;
    }

    /** "metric contains, label field answer"; the regex metric with its expression. */
    static String way(ScoreBook.Key key, Messages m) {
        return key.extract().isEmpty() ? m.get("msg.run.scoringWay", key.metric(), key.labelField())
                : m.get("msg.run.scoringWayRegex", SessionOptions.quoted(key.extract()), key.labelField());
    }

    private static String ways(List<ScoreBook.Key> keys, Messages m) {
        return keys.stream().map(k -> way(k, m)).collect(Collectors.joining("; "));
    }

    static LiveScoring open(RunScorer scorer, Path db, PostgresLocation postgres) {
        return new LiveScoring(scorer, postgres != null ? ScoreBook.open(postgres) : ScoreBook.open(db), STORE_EVERY);
    }
}
