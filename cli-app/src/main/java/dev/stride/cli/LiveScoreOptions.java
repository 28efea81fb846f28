package dev.stride.cli;

import dev.stride.app.SessionScoring;
import dev.stride.core.RunInfo;
import dev.stride.db.ScoreBook;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@code stride run} says of how a resumed run is scored ({@code --label-field FIELD [--metric M]}, which the app
 * checks and scores by): without them, a resumed run is scored as it was before, said under its resume line.
 */
final class LiveScoreOptions {
    private LiveScoreOptions() {
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
}
