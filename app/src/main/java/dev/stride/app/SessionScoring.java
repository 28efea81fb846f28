package dev.stride.app;

import dev.stride.core.Metric;
import dev.stride.core.Scorer;
import dev.stride.db.ScoreBook;
import java.util.List;

/**
 * How one session of a run scores its answers. The options ({@code --label-field}, {@code --metric}) are per
 * session, so a resume by the short command gives none; the run keeps the way it is scored (from its first scored
 * session on), and a session that is told nothing goes on scoring that way, as it goes on with the run's template.
 * Without that the scoreboard keeps the accuracy of the first session's answers while the run finishes. A run made
 * before runs kept it is scored as its stored scores say.
 */
public sealed interface SessionScoring {

    /** The scorer of the session; null when it scores nothing. */
    RunScorer scorer();

    /** Not told how to score, and never scored before. */
    record NotScored() implements SessionScoring {
        @Override
        public RunScorer scorer() {
            return null;
        }
    }

    /** Scoring as the options ask: a new run, one scored that way before (among others), or one never scored. */
    record AsGiven(RunScorer scorer) implements SessionScoring {
    }

    /** Not told how to score: scoring the way the run keeps, else as its stored scores were made (one way). */
    record AsBefore(RunScorer scorer) implements SessionScoring {
    }

    /**
     * Scoring as the options ask, which is not how the run was scored before: those scoreboard rows are no longer
     * kept up to date. {@code before}: the stored ways.
     */
    record Changed(RunScorer scorer, List<ScoreBook.Key> before) implements SessionScoring {
        public Changed {
            before = List.copyOf(before);
        }
    }

    /**
     * Not told how to score, and the run keeps no way and its stored scores do not say one: scored by more than one
     * (say a live metric and another {@code stride score} tried); or the way is by a metric this build does not know.
     * Nothing is scored.
     */
    record Off(List<ScoreBook.Key> before) implements SessionScoring {
        public Off {
            before = List.copyOf(before);
        }

        @Override
        public RunScorer scorer() {
            return null;
        }
    }

    /** {@link #choose} for run {@code runId}, from the way it keeps and its stored scores as {@code book} has them. */
    static SessionScoring of(RunScorer given, ScoreBook book, long runId) {
        return choose(given, book.keptScoring(runId).orElse(null), book.scorings(runId));
    }

    /**
     * @param given  the scorer the options ask for, or null
     * @param kept   the way kept with the run ({@link ScoreBook#keptScoring}), or null: never scored live, or made
     *               before runs kept it
     * @param stored the ways the run was scored ({@link ScoreBook#scorings})
     */
    static SessionScoring choose(RunScorer given, ScoreBook.Key kept, List<ScoreBook.Key> stored) {
        if (given != null) {
            // Held against the scores, not the kept way: a run stopped before its first score was scored no way yet.
            if (stored.isEmpty() || given.key().equals(kept)) {
                return new AsGiven(given);
            }
            if (kept != null) {
                // The row left behind is the run's own way's: not those stride score put beside it, even the one
                // now given (which the run takes from here on, and says so).
                return stored.contains(kept) ? new Changed(given, List.of(kept)) : new AsGiven(given);
            }
            return stored.contains(given.key()) ? new AsGiven(given) : new Changed(given, stored);
        }
        if (kept != null) {
            // The run's own way, even with no score stored yet, and whatever else stride score tried on it.
            return asBefore(kept, List.of(kept));
        }
        if (stored.isEmpty()) {
            return new NotScored();
        }
        if (stored.size() > 1) {
            return new Off(stored);
        }
        return asBefore(stored.get(0), stored);
    }

    /** Scoring by {@code key}; off when this build does not take its metric or expression. */
    private static SessionScoring asBefore(ScoreBook.Key key, List<ScoreBook.Key> before) {
        Scorer scorer;
        try {
            scorer = Scorer.of(Metric.parse(key.metric()), key.extract().isEmpty() ? null : key.extract());
        } catch (RuntimeException e) {
            return new Off(before); // scored by a metric, or an expression, this build does not take
        }
        return new AsBefore(new RunScorer(scorer, key.labelField()));
    }
}
