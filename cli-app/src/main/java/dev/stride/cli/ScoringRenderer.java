package dev.stride.cli;

import dev.stride.app.LiveScoring;
import dev.stride.app.ScoreReport;
import dev.stride.app.Session;
import dev.stride.app.SessionListener;
import dev.stride.core.Accuracy;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import java.io.PrintWriter;

/**
 * {@code stride run --label-field}: the run's renderer, with each answer scored as it arrives. The progress line and
 * bar end with "accuracy 71.2% (n=532)"; after the summary, a line gives the whole run's accuracy from the stored
 * scores. A scoring error never stops the run: it is said in one line and the answers are kept.
 */
final class ScoringRenderer implements SessionListener {
    private final SessionListener renderer;
    private final LiveScoring scoring;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Messages m;
    private boolean started;

    ScoringRenderer(SessionListener renderer, LiveScoring scoring, PrintWriter out, PrintWriter err, Messages m) {
        this.renderer = renderer;
        this.scoring = scoring;
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
        RunListener shown = renderer.sessionStarted(run);
        RunListener scored;
        try {
            if (scoring.choose(run).scorer() == null) {
                return shown; // not scored, and the resume line said why when it was before
            }
            scored = scoring.start(run);
            started = true;
        } catch (RuntimeException e) {
            warn(e);
            return shown;
        }
        if (shown instanceof ProgressReporter progress) {
            progress.showAlso(() -> {
                Accuracy a = scoring.soFar();
                return a.scored() == 0 ? "" : m.get("msg.progress.score", ScoreLines.live(m, a.correct(), a.scored()));
            });
        }
        // Scored first, so the line shown for an answer already counts it.
        return new BothListeners(scored, shown);
    }

    @Override
    public void sessionEnded(Session session) {
        renderer.sessionEnded(session);
        if (session.nothingLeft()) {
            // No session ran, yet answers may lack their scores: said only when some were scored now.
            try {
                ScoreReport report = scoring.catchUp(session.run());
                if (report != null && report.newlyScored() > 0) {
                    print(report);
                }
            } catch (RuntimeException e) {
                warn(e);
            }
            return;
        }
        if (!started) {
            return;
        }
        started = false;
        try {
            print(scoring.finish());
        } catch (RuntimeException e) {
            warn(e);
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

    private void warn(RuntimeException e) {
        err.println(m.get("msg.score.failedInRun", ErrorHandler.oneLine(e, m)));
        err.flush();
    }
}
