package dev.stride.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stride.core.RunInfo;
import dev.stride.db.Board;
import dev.stride.db.FileAlone;
import dev.stride.db.RunTotals;

/**
 * The fields of a run that {@code status --json} and {@code status --run NAME --json} both give, named alike. As the
 * dashboard's JSON, every key is there whatever the run's state or database, null where nothing is known or there is
 * none: a script reading one key of a fresh run met a missing key where a finished one had it.
 */
final class RunJson {
    private RunJson() {
    }

    /** Counts, time, state, tokens, and the pace of a run going now (null rate and ETA otherwise). */
    static void progress(ObjectNode o, RunInfo r, String state, RunTotals totals, LiveRate live) {
        o.put("total", r.total());
        o.put("done", r.done());
        o.put("failed", r.failed());
        o.put("pending", r.pending());
        o.put("truncated", r.truncated());
        o.put("percent", r.total() == 0 ? 0.0 : Math.round(r.done() * 1000.0 / r.total()) / 10.0);
        o.put("elapsed_s", r.elapsedMs() / 1000.0);
        o.put("saved_at", r.savedAt() == null ? null : r.savedAt().toString());
        o.put("state", state);
        // Why its last session stopped it, in English as its stop line said it; null unless it is stored stopped.
        o.put("stop_reason", r.stopReason() == null ? null : r.stopReason().english());
        o.put("tokens_in", totals.tokensIn());
        o.put("tokens_out", totals.tokensOut());
        if (live == null) {
            o.putNull("rate_per_s");
            o.putNull("eta_s");
            o.put("eta_at_most", false);
        } else {
            o.put("rate_per_s", Math.round(live.perSecond() * 10) / 10.0);
            o.put("eta_s", live.eta() == null ? null : live.eta().toMillis() / 1000.0);
            o.put("eta_at_most", live.atMost());
        }
    }

    /**
     * The run's scoreboard rows ({@code stride score}, or {@code run --label-field} as answers arrive): an empty list
     * for a run never scored; {@code live} marks the row its live scoring keeps up to date. Before them, the
     * accuracy status's table shows ({@link Board.RunScores#headline}) with its metric and label field, null for none.
     */
    static void scores(ObjectNode o, Board.RunScores scores) {
        // The accuracy the table shows, named by its metric: a script need not work out which row that is.
        Board.Score headline = scores == null ? null : scores.headline().orElse(null);
        if (headline == null) {
            o.putNull("accuracy");
            o.putNull("accuracy_metric");
            o.putNull("accuracy_label_field");
        } else {
            o.put("accuracy", headline.accuracy());
            o.put("accuracy_metric", headline.metric());
            o.put("accuracy_label_field", headline.labelField());
        }
        ArrayNode rows = o.putArray("scores");
        if (scores == null) {
            return;
        }
        for (Board.Score s : scores.scores()) {
            rows.addObject().put("metric", s.metric()).put("label_field", s.labelField()).put("scored", s.scored())
                    .put("correct", s.correct()).put("accuracy", s.accuracy()).put("ci_low", s.ciLow())
                    .put("ci_high", s.ciHigh()).put("unparsed", s.unparsed()).put("scored_at", s.scoredAt())
                    .put("live", scores.isLive(s));
        }
    }

    /** The run's cost at {@code prices} (per million tokens), rounded to a millionth of a dollar; null without. */
    static void cost(ObjectNode o, RunSummary.Prices prices, RunTotals totals) {
        if (prices.known()) {
            o.put("cost", Math.round(prices.cost(totals.tokensIn(), totals.tokensOut()) * 1e6) / 1e6);
        } else {
            o.putNull("cost");
        }
    }

    /**
     * Whether the run's database file alone holds everything right now (no commit only in its -wal), the -wal's size,
     * and the answers only in it when a stopped stride left them there (null otherwise). The same in every run of a
     * file: it is the file's. Each null with no file to look at ({@code alone} null: PostgreSQL).
     */
    static void fileAlone(ObjectNode o, FileAlone alone) {
        if (alone == null) {
            o.putNull("file_alone_whole");
            o.putNull("wal_bytes");
            o.putNull("answers_only_in_wal");
            return;
        }
        o.put("file_alone_whole", alone.whole());
        o.put("wal_bytes", alone.walBytes());
        if (alone.state() == FileAlone.State.LEFT_BEHIND && alone.answersOnlyInWal().isPresent()) {
            o.put("answers_only_in_wal", alone.answersOnlyInWal().getAsLong());
        } else {
            o.putNull("answers_only_in_wal");
        }
    }
}
