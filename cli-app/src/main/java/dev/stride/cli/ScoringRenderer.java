package dev.stride.cli;

import dev.stride.app.ScoreReport;
import dev.stride.app.Session;
import dev.stride.app.SessionListener;
import dev.stride.core.Accuracy;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import java.io.PrintWriter;
import java.util.function.Supplier;

/**
 * The run's renderer, with what the app's live scoring says of a scored run ({@code --label-field}, or the way a
 * resumed run keeps): the progress line and bar end with "accuracy 71.2% (n=532)"; after the summary, a line gives the
 * whole run's accuracy from the stored scores. A scoring error never stops the run: it is said in one line and the
 * answers are kept.
 */
final class ScoringRenderer implements SessionListener {
    private final SessionListener renderer;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Messages m;
    private RunListener shown;

    ScoringRenderer(SessionListener renderer, PrintWriter out, PrintWriter err, Messages m) {
        this.renderer = renderer;
        this.out = out;
        this.err = err;
        this.m = m;
    }

    @Override
    public void runGone(RunInfo planned) {
        renderer.runGone(planned);
    }

    @Override
    public RunListener sessionStarted(RunInfo run) {
        shown = renderer.sessionStarted(run);
        return shown;
    }

    @Override
    public void scoringStarted(RunInfo run, Supplier<Accuracy> soFar) {
        if (shown instanceof ProgressReporter progress) {
            progress.showAlso(() -> {
                Accuracy a = soFar.get();
                return a.scored() == 0 ? "" : m.get("msg.progress.score", ScoreLines.live(m, a.correct(), a.scored()));
            });
        }
    }

    @Override
    public void scoringFailed(RunInfo run, RuntimeException e) {
        err.println(m.get("msg.score.failedInRun", ErrorHandler.oneLine(e, m)));
        err.flush();
    }

    @Override
    public void sessionEnded(Session session) {
        renderer.sessionEnded(session);
        ScoreReport report = session.score();
        // A run with nothing to send may yet have had answers without scores: said only when some were scored now.
        if (report != null && (!session.nothingLeft() || report.newlyScored() > 0)) {
            print(report);
        }
    }

    /** The run's accuracy line, and the records without a label when there are any. */
    private void print(ScoreReport report) {
        Accuracy a = report.accuracy();
        out.println(a.scored() == 0 ? m.get("msg.score.runNothing", report.metric(), report.labelField())
                : m.get("msg.score.runSummary", ScoreLines.live(m, a.correct(), a.scored()),
                ScoreLines.percent(a.low()), ScoreLines.percent(a.high()), report.unparsed(), report.metric(),
                report.labelField()));
        if (report.missingLabel() > 0) {
            out.println(m.get("msg.score.missingLabel", report.missingLabel(), report.labelField(),
                    String.join(", ", report.missingLabelIds())));
        }
        out.flush();
    }
}
