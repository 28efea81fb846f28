package dev.stride.cli;

import dev.stride.app.ScoreReport;
import dev.stride.core.Accuracy;
import java.io.PrintWriter;
import java.util.Locale;

/** A score report as text: the accuracy line, then what was not scored and why. */
final class ScoreLines {
    private ScoreLines() {
    }

    static void print(PrintWriter out, Messages m, ScoreReport r, ScoreCommand.Source source) {
        Accuracy a = r.accuracy();
        String head = m.get("msg.score.head", r.run(), r.metric(), r.labelField());
        out.println(switch (source) {
            case GIVEN -> head;
            case AS_SCORED -> m.get("msg.score.headAsScored", head);
            case DEFAULT -> m.get("msg.score.headDefault", head);
        });
        if (a.scored() == 0) {
            out.println(m.get("msg.score.nothing"));
        } else {
            out.println(m.get("msg.score.accuracy", percent(a.value()), percent(a.low()), percent(a.high()),
                    a.correct(), a.scored()));
        }
        out.println(m.get("msg.score.counts", a.scored(), r.unparsed(), r.newlyScored()));
        if (r.failed() > 0 || r.pending() > 0) {
            out.println(m.get("msg.score.notScored", r.failed(), r.pending()));
        }
        if (r.missingLabel() > 0) {
            out.println(m.get("msg.score.missingLabel", r.missingLabel(), r.labelField(),
                    String.join(", ", r.missingLabelIds())));
        }
    }

    /** "71.2%": a fraction as a percentage with one decimal, the same in every language. */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    /** "accuracy 71.2% (n=532)", as the progress line and the run's summary show it; empty before any score. */
    static String live(Messages m, long correct, long scored) {
        return scored == 0 ? "" : m.get("msg.score.live", percent((double) correct / scored), scored);
    }
}
