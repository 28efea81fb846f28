package dev.stride.cli;

import dev.stride.app.LiveScoring;
import dev.stride.app.RunScorer;
import dev.stride.core.Metric;
import dev.stride.core.Scorer;
import dev.stride.db.PostgresLocation;
import dev.stride.db.ScoreBook;
import java.nio.file.Path;
import java.time.Duration;

/** {@code stride run --label-field FIELD [--metric M]}: the scorer those options ask for, and its live scoring. */
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

    static LiveScoring open(RunScorer scorer, Path db, PostgresLocation postgres) {
        return new LiveScoring(scorer, postgres != null ? ScoreBook.open(postgres) : ScoreBook.open(db), STORE_EVERY);
    }
}
