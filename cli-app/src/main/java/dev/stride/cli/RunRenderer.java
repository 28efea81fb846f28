package dev.stride.cli;

import dev.stride.app.RunPlan;
import dev.stride.app.RunResult;
import dev.stride.app.ServerTally;
import dev.stride.app.Session;
import dev.stride.app.SessionListener;
import dev.stride.app.StopSwitch;
import dev.stride.core.Endpoint;
import dev.stride.core.Joined;
import dev.stride.core.Phrase;
import dev.stride.core.Phrased;
import dev.stride.core.PredictionException;
import dev.stride.core.Prompt;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.core.ServerOutage;
import dev.stride.core.SyncReport;
import dev.stride.db.DatabaseGoneException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What {@code stride run} prints of a run: the plan (a new run, a resume, a dry run's report), each session's progress
 * and the lines after it (servers, how it ended, the summary), and the exit code of it all. The demo prints its run
 * through the same.
 */
final class RunRenderer implements SessionListener, AutoCloseable {
    /**
     * Failures the server gives a request for what it asks, not for its own state: the same request fails the same
     * way (400 bad request, 413 too large, 422 invalid, as TGI refuses a prompt past its context).
     */
    private static final Set<String> REFUSED_AS_ASKED = Set.of("http_400", "http_413", "http_422");

    /**
     * How the lines of a session look: where, how often, in what language, with what prices; {@code timeout} is how
     * long each request waits for its answer (--timeout), which the line of requests without one names.
     */
    record Looks(PrintWriter out, Messages messages, Duration logEvery, boolean quiet, Map<String, String> env,
                 RunSummary.Prices prices, Duration timeout) {
    }

    private final Looks looks;
    private final PrintWriter out;
    private final Messages m;
    private final Object db; // a file, or a PostgreSQL URL without its password
    private final boolean retryFailed;
    private final String resumeOptions;
    private ProgressReporter progress;
    /** The clock each session's progress is shown by: the system's, or a test's ({@link #timedBy}). */
    private LongSupplier nanoTime = System::nanoTime;
    private Function<RunInfo, String> besideResume = run -> null;
    /** The run whose plan said this process joins others at work on it (its session says it no more); or -1. */
    private long joinSaid = -1;
    /** Stored runs others were at work on at planning: their first line waits for the session's join. */
    private Set<Long> joinToSay = Set.of();
    /** What to say when many requests were refused with 429 (see {@link #adviseOnRefusals}); or null for nothing. */
    private RefusalAdvice refusalAdvice;

    /** What sends fewer requests in vain to a server that refuses many with 429, given the session's settings. */
    enum RefusalAdvice {
        /** Neither --rpm nor --tpm, a fixed concurrency: either a budget or auto. */
        BUDGET_OR_AUTO("msg.run.manyRefused.budgetOrAuto"),
        /** Neither --rpm nor --tpm, at --concurrency auto: a budget. */
        BUDGET("msg.run.manyRefused.budget"),
        /** --rpm or --tpm given: a lower one. */
        LOWER_BUDGET("msg.run.manyRefused.lowerBudget");

        private final String messageKey;

        RefusalAdvice(String messageKey) {
            this.messageKey = messageKey;
        }

        static RefusalAdvice forSession(boolean budgetGiven, boolean autoConcurrency) {
            return budgetGiven ? LOWER_BUDGET : autoConcurrency ? BUDGET : BUDGET_OR_AUTO;
        }
    }

    /**
     * @param retryFailed   the run redoes its failed records
     * @param resumeOptions an interrupted session says how to continue, with these options of the session (see
     *                      {@link SessionOptions}); null for no hint (the demo says it its own way)
     */
    RunRenderer(Looks looks, Object db, boolean retryFailed, String resumeOptions) {
        this.looks = looks;
        this.out = looks.out();
        this.m = looks.messages();
        this.db = db;
        this.retryFailed = retryFailed;
        this.resumeOptions = resumeOptions;
    }

    /** Shows each session's progress by {@code clock}'s time (a test's) instead of the system's. */
    void timedBy(LongSupplier clock) {
        this.nanoTime = clock;
    }

    /**
     * After the summary of a session that ended its work (not stopped) with one request in ten or more answered 429,
     * and no record failed of it: says so, with {@code advice}. Unset (the demo), nothing is said.
     */
    void adviseOnRefusals(RefusalAdvice advice) {
        this.refusalAdvice = advice;
    }

    /** Requests answered 429: the records' (each sent again, a retry spent or not) and those the rate gate waited out. */
    private long refused(SessionTally tally) {
        return progress.refusedWith429() + tally.beyond().sentAgainAfterRefusal();
    }

    /**
     * Only a session that ended its work: a stopped one may have 429s whose records were never sent again (the summary
     * names them), and is no measure of what the settings sent in vain.
     */
    private boolean manyRefused(RunState state, SessionTally tally) {
        Long sent = tally.requestsSent();
        return refusalAdvice != null && (state == RunState.DONE || state == RunState.DONE_WITH_FAILURES)
                && sent != null && sent > 0 && refused(tally) * 10 >= sent;
    }

    /**
     * Listens for Ctrl+C, SIGTERM and SIGHUP from now on: the first says it is stopping and stops {@code stop}; a second, in
     * {@link Signals}, ends the process. {@code planned} tells whether the run is past its input's sync.
     */
    static AutoCloseable stopOnInterrupt(Signals signals, PrintWriter err, Messages m, Duration grace,
                                         StopSwitch stop, BooleanSupplier planned) {
        return stopOnInterrupt(signals, err, m, grace, stop, planned, () -> false);
    }

    /**
     * As above; {@code reading} tells whether the input is being read now, when the stop is said by the line that
     * ends the reading ("Interrupted while reading q.jsonl; nothing was changed."), which names it: a line here as
     * well said the same thing twice.
     */
    static AutoCloseable stopOnInterrupt(Signals signals, PrintWriter err, Messages m, Duration grace,
                                         StopSwitch stop, BooleanSupplier planned, BooleanSupplier reading) {
        return signals.onStop(how -> {
            if (!planned.getAsBoolean() && reading.getAsBoolean()) {
                stop.requestStop();
                return;
            }
            err.println();
            // Before the plan (the input still being read) nothing is in flight to wait for, nor anything to save;
            // with --grace 0s nothing is waited for, and "up to 0.0s" would say so only by arithmetic.
            err.println(!planned.getAsBoolean() ? m.get("msg.run.stoppingBeforeStart")
                    : grace.isZero() ? m.get("msg.run.stoppingNow")
                    : m.get("msg.run.stopping", Durations.human(grace.toMillis()), quitAtOnce(how, m)));
            err.flush();
            stop.requestStop();
        });
    }

    /**
     * What quits at once during the stop, said for the signal that asked for it ({@link ProcessSignals}): a second
     * Ctrl+C or SIGTERM halts, either after the other; after a SIGHUP a SIGTERM does, another SIGHUP does not.
     */
    private static String quitAtOnce(Signals.Stop how, Messages m) {
        long pid = ProcessHandle.current().pid();
        return switch (how) {
            case CTRL_C -> m.get("msg.run.quit.ctrlC");
            case SIGTERM -> m.get("msg.run.quit.sigterm", pid);
            case SIGHUP -> m.get("msg.run.quit.sighup", pid);
        };
    }

    /** -v: a line per HTTP request and response on stderr (never a header, so never the key). */
    static Consumer<String> httpLog(PrintWriter err) {
        return line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        };
    }

    /** What is about to happen: a new run, a resume of one or of the stored ones, or nothing to resume. */
    void planned(RunPlan plan) {
        planned(plan, run -> null);
    }

    /** As {@link #planned(RunPlan)}; {@code besideResume} gives a line said under a run's resume line, or null. */
    void planned(RunPlan plan, Function<RunInfo, String> besideResume) {
        this.besideResume = besideResume;
        if (plan instanceof RunPlan.NewRun p) {
            if (p.idNotice() != null) {
                out.println(m.get(p.idNotice()));
            }
            out.println(m.get("msg.run.start", p.run().name(), p.run().total()));
        } else if (plan instanceof RunPlan.Resume p && p.joining() != null) {
            // Others are at work on it: nothing stopped, so no resume, and no input line either (under live workers
            // a sync that would change a record is refused, so the input is the run's).
            printJoining(p.run(), p.joining());
        } else if (plan instanceof RunPlan.Resume p) {
            out.println(m.get("msg.run.inputSettingsUnchanged", inputChanges(p.sync(), m)));
            if (p.byLineNotice() != null) {
                out.println(m.get(p.byLineNotice()));
            }
            printResuming(p.run());
        } else if (plan instanceof RunPlan.ResumeStored p) {
            joinToSay = p.atWork();
            p.runs().stream().filter(run -> !joinToSay.contains(run.id())).forEach(this::printResuming);
            if (p.leftOut() != null) {
                out.println(m.get(p.leftOut()));
            }
        } else if (plan instanceof RunPlan.NothingToResume p) {
            out.println(p.failed() > 0 ? m.get("msg.run.nothingToResumeFailed", db, p.failed())
                    : m.get("msg.run.nothingToResume", db));
        }
        out.flush();
    }

    /** What the sync changed, naming the first few ids of each kind. */
    static String inputChanges(SyncReport report, Messages m) {
        if (!report.changedRecords()) {
            return m.get("msg.run.inputUnchanged", report.total());
        }
        List<String> named = new ArrayList<>();
        addNamed(named, m.get("msg.run.added"), report.added(), report.addedIds());
        addNamed(named, m.get("msg.run.edited"), report.edited(), report.editedIds());
        addNamed(named, m.get("msg.run.removed"), report.removed(), report.removedIds());
        if (report.relabelled() > 0) {
            // Said apart from the edits: these cost nothing, and a rerun after correcting labels must say so.
            addNamed(named, m.get("msg.run.kept"), report.relabelled(), report.relabelledIds());
            return m.get("msg.run.inputChangedKept", report.added(), report.edited(), report.removed(),
                    report.relabelled(), String.join("; ", named));
        }
        return m.get("msg.run.inputChanged", report.added(), report.edited(), report.removed(),
                String.join("; ", named));
    }

    private static void addNamed(List<String> named, String kind, long count, List<String> ids) {
        if (count > 0) {
            named.add(kind + " " + String.join(", ", ids) + (count > ids.size() ? ", …" : ""));
        }
    }

    /** What a run of this input would do; nothing was sent or written. Exit 2 when a real run would be refused. */
    int dryRun(RunPlan.DryRun plan) {
        SyncReport report = plan.sync();
        if (report.created()) {
            if (plan.idNotice() != null) {
                out.println(m.get(plan.idNotice()));
            }
            out.println(m.get("msg.dryRun.new", plan.name(), report.total()));
        } else {
            out.println(m.get("msg.dryRun.of", plan.name(), inputChanges(report, m)));
            if (plan.changes().isEmpty()) {
                out.println(m.get("msg.dryRun.settingsUnchanged"));
            } else {
                for (Phrase change : plan.changes()) {
                    out.println(m.get("msg.dryRun.changed", change));
                }
                out.println(m.get("msg.dryRun.refuses", plan.advice()));
            }
            if (plan.dropRefused() != null) {
                out.println(m.get("msg.dryRun.refusesDrop", plan.dropRefused()));
            } else if (report.needsConsentToDrop()) {
                out.println(m.get("msg.dryRun.dropsAnswers", report.droppedAnswers()));
            }
        }
        long toRedo = retryFailed ? report.failed() : 0;
        boolean refused = !plan.changes().isEmpty() || plan.dropRefused() != null;
        if (refused) {
            // A real run sends nothing of a refused input: "Would send" after "refuses" contradicted it. Only a
            // refusal to drop answers has an option that lifts it, and then the count is what that run would send.
            out.println(m.get("msg.dryRun.wouldSendNothing", plan.changes().isEmpty()
                    ? m.get("msg.dryRun.withDropAnswers", report.pending() + toRedo) : ""));
        } else {
            String failedPart = toRedo > 0 ? m.get("msg.dryRun.failedAgain", toRedo)
                    : report.failed() > 0 ? m.get("msg.dryRun.failedKept", report.failed()) : "";
            out.println(m.get("msg.dryRun.wouldSend", report.pending() + toRedo, report.pending(), failedPart,
                    report.done()));
            if (plan.first() != null) {
                out.println(m.get("msg.dryRun.first", plan.first().id(), describe(plan.first().prompt(), m)));
            }
        }
        out.println(m.get("msg.dryRun.nothingSent"));
        out.flush();
        return refused ? ExitCodes.USAGE : ExitCodes.OK;
    }

    int dryRunOfStored(RunPlan.DryRunOfStored plan) {
        if (plan.runs().isEmpty()) {
            out.println(m.get("msg.dryRun.nothingToResume", db));
        }
        for (RunInfo run : plan.runs()) {
            long toGo = run.pending() + (retryFailed ? run.failed() : 0);
            out.println(m.get("msg.dryRun.wouldResume", run.name(), run.done(), run.total(), toGo));
        }
        if (plan.leftOut() != null) {
            out.println(m.get(plan.leftOut()));
        }
        out.println(m.get("msg.dryRun.nothingSent"));
        out.flush();
        return ExitCodes.OK;
    }

    /** One prompt as the user would recognise it, cut to a line. */
    private static String describe(Prompt prompt, Messages m) {
        if (prompt.bodyJson() != null) {
            return m.get("msg.dryRun.first.body", prompt.endpoint() == Endpoint.COMPLETIONS
                    ? "completions" : "chat/completions", cut(prompt.bodyJson()));
        }
        if (prompt.messagesJson() != null) {
            return m.get("msg.dryRun.first.messages", cut(prompt.messagesJson()));
        }
        return m.get("msg.dryRun.first.user", cut(prompt.userMessage()));
    }

    private static String cut(String text) {
        String oneLine = text.replace("\n", "\\n");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }

    private void printResuming(RunInfo run) {
        long toGo = run.pending() + (retryFailed ? run.failed() : 0);
        // Nothing to resume: the session's one line says the run is finished, and how to ask again; "Resuming 'm'
        // from checkpoint: 5,000/5,000 done, 0 to go" above it said the opposite. What the run keeps that the options
        // did not give is said all the same (a shard's file: its records only are finished).
        if (toGo > 0) {
            out.println(m.get("msg.run.resuming", run.name(), run.done(), run.total(), toGo, failedKept(run)));
        }
        printBeside(run);
    }

    private void printJoining(RunInfo run, Joined joining) {
        long toGo = run.pending() + (retryFailed ? run.failed() : 0);
        out.println(m.get("msg.run.joined", run.name(), joining.worker(), joining.othersLive(), run.done(),
                run.total(), toGo, failedKept(run)));
        joinSaid = run.id();
        printBeside(run);
    }

    private String failedKept(RunInfo run) {
        return run.failed() > 0 && !retryFailed ? m.get("msg.run.resumingFailed", run.failed()) : "";
    }

    private void printBeside(RunInfo run) {
        String beside = besideResume.apply(run);
        if (beside != null) {
            out.println(beside);
        }
    }

    @Override
    public void runGone(RunInfo planned) {
        out.println(m.get("msg.run.goneAtItsTurn", planned.name(), db));
        out.flush();
    }

    @Override
    public RunListener sessionStarted(RunInfo run) {
        progress = ProgressReporter.forSession(out, run, retryFailed, looks.logEvery(), looks.quiet(), looks.env(), m,
                run.id() == joinSaid, nanoTime);
        progress.requestsWaitUpTo(looks.timeout());
        if (joinToSay.contains(run.id())) {
            // The others may have left since the plan: then this session resumes a stopped run, and says so.
            progress.firstLineAtJoin(joined -> {
                if (joined.othersLive() > 0) {
                    printJoining(run, joined);
                } else {
                    printResuming(run);
                }
                out.flush();
            });
        }
        return progress;
    }

    @Override
    public void sessionEnded(Session session) {
        if (session.nothingLeft()) {
            summarizeFinished(session.run());
            return;
        }
        ClassArchive.keep(); // this start loaded a run's classes: the archive it records is worth keeping
        close();
        printServers(session.servers());
        RunOutcome outcome = session.outcome();
        RunInfo run = session.run();
        var c = outcome.cursor();
        long done = c == null ? run.done() : c.done();
        long failed = c == null ? run.failed() : c.failed();
        String sessionPart = m.get("msg.run.session", outcome.completed(), outcome.failed(), progress.retries());
        switch (outcome.state()) {
            case DONE -> out.println(m.get("msg.run.done", run.name(), done, run.total(),
                    Durations.human(c == null ? 0 : c.elapsedMs()), sessionPart));
            case DONE_WITH_FAILURES -> out.println(m.get("msg.run.finishedWithFailures", run.name(), done,
                    run.total(), failed, sessionPart));
            case INTERRUPTED -> {
                if (c != null && (c.state() == RunState.DONE || c.state() == RunState.DONE_WITH_FAILURES)) {
                    // Stopped as the last records were answered (by another worker, or just before it): nothing
                    // is left to continue.
                    out.println(m.get("msg.run.interruptedRunDone", run.name(), done, run.total(), sessionPart));
                } else if (resumeOptions != null) {
                    out.println(m.get("msg.run.interrupted", run.name(), done, run.total(), sessionPart,
                            "stride run --db " + SessionOptions.quoted(db.toString()) + " --run "
                                    + SessionOptions.quoted(run.name())
                                    + (resumeOptions.isEmpty() ? "" : " " + resumeOptions)));
                }
            }
            default -> {
                // Said on stderr, as the command's error, once the summary is out: see exitCode.
            }
        }
        out.flush();
        SessionTally.Beyond beyond = new SessionTally.Beyond(
                session.servers().stream().mapToLong(ServerTally::sentAgainAfterRefusal).sum(),
                session.reaskedForJson(), session.stoppedTheRun());
        SessionTally tally = progress.tally(SessionTally.requestsSent(session.servers()), beyond);
        new RunSummary(tally, looks.prices(), m).print(out);
        // Records that gave up on 429s: the server's budget was overrun, which the run can be told how to keep to.
        long tooMany = tally.failedByKind().getOrDefault("http_429", 0L);
        if (tooMany > 0) {
            out.println(m.get("msg.run.tooManyRequests", tooMany));
            out.flush();
        } else if (manyRefused(outcome.state(), tally)) {
            // None failed, yet the server was asked in vain often enough to matter: for its load, and on a hosted
            // API for the key's standing. Said once, with what sends fewer in vain.
            out.println(m.get(refusalAdvice.messageKey, refused(tally), tally.requestsSent()));
            out.flush();
        }
        // Records the server refused as they were asked (a prompt past its context, a parameter it does not take):
        // --retry-failed, which the finished line offers, would ask each the same again and fail it the same way.
        long refusedAsAsked = tally.failedByKind().entrySet().stream()
                .filter(k -> REFUSED_AS_ASKED.contains(k.getKey())).mapToLong(Map.Entry::getValue).sum();
        if (refusedAsAsked > 0 && refusedAsAsked == tally.failed()) {
            out.println(m.get("msg.run.refusedAsAsked", refusedAsAsked, String.join(", ",
                    tally.failedByKind().keySet())));
            out.flush();
        }
        // Stored as done, so nothing above says it: a cut answer reads as whole unless told.
        if (progress.cutShort() > 0) {
            out.println(m.get("msg.run.cutShort", progress.cutShort()));
            out.flush();
        }
        // Stored as done too, with no output: a run of refusals read as a run of answers.
        if (progress.modelRefusals() > 0) {
            out.println(m.get("msg.run.refused", progress.modelRefusals()));
            out.flush();
        }
        // Stored as done with an empty output: a run of answers that say nothing looked like a good run.
        if (progress.emptyAnswers() > 0) {
            out.println(m.get("msg.run.empty", progress.emptyAnswers()));
            out.flush();
        }
    }

    /** Ends a session's progress bar, if one is showing (also when a session broke off with an exception). */
    @Override
    public void close() {
        if (progress != null) {
            progress.close();
        }
    }

    /** With several servers, how each fared: requests, answers, refusals as busy, other failures. */
    private void printServers(List<ServerTally> servers) {
        if (servers.size() < 2) {
            return;
        }
        for (ServerTally t : servers) {
            // Counts of requests the server was sent, as the summary's: a connection that failed sent nothing.
            String notConnected = t.notConnected() == 0 ? ""
                    : m.get("msg.run.serverNotConnected", t.notConnected());
            out.println(t.sent() == 0 && t.notConnected() > 0
                    ? m.get("msg.run.serverNothingSent", t.baseUrl(), t.notConnected())
                    : m.get("msg.run.server", t.baseUrl(), t.sent(), t.succeeded(), t.turnedAway(),
                            t.failedOtherwise()) + notConnected);
        }
        out.flush();
    }

    private void summarizeFinished(RunInfo run) {
        if (run.failed() > 0) {
            out.println(m.get("msg.run.nothingLeftFailed", run.name(), run.done(), run.total(), run.failed()));
        } else {
            out.println(m.get("msg.run.nothingLeft", run.name(), run.done(), run.total()));
        }
        out.flush();
    }

    /**
     * The exit code of the sessions: the worst of them (interrupted, then failed records); a stop that kept a run
     * from starting is an interrupt.
     *
     * @param keys         where the run's key came from, for the hint to a 401 or 403
     * @param serversGiven the command named its servers (--base-url); false when each run went to the ones stored
     *                     with it, which on another machine than the one that stored them may not be there
     * @throws UserError for a run the server stopped or that failed, naming why; for a stop after which the database
     *                   could not save everything (its server away), exit code 130 with what was not saved
     */
    static int exitCode(RunResult result, KeyHint keys, boolean serversGiven) {
        return exitCode(result, keys, serversGiven, null);
    }

    /**
     * As {@link #exitCode(RunResult, KeyHint, boolean)}; {@code file}, the SQLite file of the runs (null: none to
     * name), lets the hint to a run stopped before any answer by a model the server does not serve say how to forget
     * that run.
     */
    static int exitCode(RunResult result, KeyHint keys, boolean serversGiven, Path file) {
        int code = ExitCodes.OK;
        for (Session session : result.sessions()) {
            code = worse(code, exitCode(session, keys, serversGiven, file));
        }
        return result.stoppedBetweenRuns() ? ExitCodes.INTERRUPTED : code;
    }

    private static int exitCode(Session session, KeyHint keys, boolean serversGiven, Path file) {
        RunInfo run = session.run();
        RunOutcome outcome = session.outcome();
        var c = outcome.cursor();
        long done = c == null ? run.done() : c.done();
        long failed = c == null ? run.failed() : c.failed();
        if (outcome.error() instanceof DatabaseGoneException gone) {
            // Its own line says it all (where what the file held is now, and how to go on), whatever the stop.
            throw gone;
        }
        return switch (outcome.state()) {
            case DONE -> ExitCodes.OK;
            case DONE_WITH_FAILURES -> ExitCodes.FAILED_RECORDS;
            case INTERRUPTED -> {
                if (outcome.error() == null) {
                    yield ExitCodes.INTERRUPTED;
                }
                // A stop that the database could not follow to the end (a server away, waited for no longer): still
                // a stop, with what was not saved said on its line.
                RuntimeException error = UserError.of(ExitCodes.INTERRUPTED, "msg.run.interruptedNotSaved",
                        run.name(), reason(outcome), unsaved(outcome), done, run.total());
                error.initCause(outcome.error());
                throw error;
            }
            case STOPPED -> {
                // A 429 or 503 that stopped the run (a spent quota, a wait asked beyond stride's) says "not now", not
                // that every request would fail alike; unless every request was refused so, and no request answered.
                if (outcome.error() instanceof PredictionException refusal && refusal.notNow()
                        && !NotFoundHint.gaveUpUnanswered(outcome)) {
                    throw UserError.of(ExitCodes.ERROR, "msg.run.stoppedUntilLater", run.name(), outcome.stopReason(),
                            done, run.total());
                }
                // A refusal of the run's settings (a 404 at the URL, a 401 for the key, an unknown model) comes back
                // the same on every rerun: a script that reruns on 1 looped forever. Exit 2 says "fix the command";
                // a server failing every request (5xx, dropped connections, unreadable answers) may mend: still 1.
                int code = refusesSettings(outcome) ? ExitCodes.USAGE : ExitCodes.ERROR;
                // Forgetting the run is advice only for one that holds nothing: what the session saved counts too.
                throw NotFoundHint.of(outcome, run, done == 0 && failed == 0 ? file : null).or(() -> keys.of(outcome))
                        .map(hint -> UserError.of(code, "msg.run.stoppedByServerWithHint", run.name(),
                                outcome.stopReason(), done, run.total(), hint))
                        .orElseGet(() -> UserError.of(code, "msg.run.stoppedByServer", run.name(),
                                outcome.stopReason(), done, run.total()));
            }
            case UNREACHABLE -> throw unreachable(run, outcome.outage(), done, failed, serversGiven);
            default -> {
                RuntimeException error = UserError.of(ExitCodes.ERROR, "msg.run.failed", run.name(), said(outcome),
                        done, run.total(), unsaved(outcome));
                if (outcome.error() != null) {
                    error.initCause(outcome.error());
                }
                throw error;
            }
        };
    }

    /**
     * Whether a stopped run was stopped by a refusal that every request would get alike whenever it is sent (an HTTP
     * 401, 403, 404, 405, 501, a redirect stride does not follow): the URL, the key or the model given is wrong. Not a
     * "not now" (a spent quota, a wait asked beyond stride's), nor records that gave up on a failing server. A 5xx
     * stops a run only when the wait it asks is beyond stride's (a 502 with Retry-After: 3600, an upstream's
     * maintenance): the server's to pass, so exit 1, which a script runs again later.
     */
    private static boolean refusesSettings(RunOutcome outcome) {
        if (!(outcome.error() instanceof PredictionException refusal)
                || refusal.disposition() != PredictionException.Disposition.STOP_RUN || refusal.notNow()) {
            return false;
        }
        String kind = refusal.kind();
        boolean serverTrouble = kind.startsWith("http_5") && !kind.equals("http_501") && !kind.equals("http_505");
        return !serverTrouble;
    }

    /** What the database's failure cost, as words after the reason; none when every answer received was saved. */
    private static Object unsaved(RunOutcome outcome) {
        return outcome.unsaved() == 0 ? "" : Messages.text("msg.run.unsaved", outcome.unsaved());
    }

    /** Why a run failed, in the reader's language as far as stride worded it (a driver's own words stay as they are). */
    private static Object said(RunOutcome outcome) {
        return outcome.stopPhrase() != null ? outcome.stopPhrase() : reason(outcome);
    }

    /** Why a stop could not save everything: the store's own words in the reader's language, when it has them. */
    private static Object reason(RunOutcome outcome) {
        return outcome.error() instanceof Phrased p && p.phrase() != null ? p.phrase() : outcome.stopReason();
    }

    /**
     * One line for a run that stopped because no server answered: the URL(s) and why, what to check, and that waiting
     * marked nothing failed, so the same command goes on. Records that had failed for reasons of their own are counted
     * rather than denied. A URL the command did not give came from the database, maybe written on another machine:
     * "check --base-url" would send the reader looking for an option they never typed.
     */
    private static UserError unreachable(RunInfo run, ServerOutage outage, long done, long failed,
                                         boolean serversGiven) {
        Phrase what = outage.answeredBefore()
                ? Messages.text("msg.run.unreachable.gone", Durations.human(outage.lasted().toMillis()),
                        Durations.human(outage.waitLimit().toMillis()))
                : Messages.text("msg.run.unreachable.never");
        // A server that answered this session was at that URL: "check that --base-url is right" sent a user whose
        // server had crashed looking at a URL that worked.
        Phrase check = Messages.text(outage.timedOut()
                ? serversGiven ? "msg.run.unreachable.checkTimeout" : "msg.run.unreachable.checkTimeoutStored"
                : outage.answeredBefore() ? "msg.run.unreachable.checkGone"
                : serversGiven ? "msg.run.unreachable.check" : "msg.run.unreachable.checkStored");
        if (failed == 0) {
            return UserError.of(ExitCodes.ERROR, "msg.run.unreachable", run.name(), what, outage.reason(), check, done,
                    run.total());
        }
        // Records that gave up on requests with no answer after the server's last one failed in this outage, not
        // earlier: "7 failed earlier" of a run whose server hung with 8 in flight.
        long inOutage = Math.min(failed, outage.failedSinceLastAnswer());
        if (inOutage == 0) {
            return UserError.of(ExitCodes.ERROR, "msg.run.unreachableAfterFailures", run.name(), what,
                    outage.reason(), check, done, run.total(), failed);
        }
        Object earlier = failed == inOutage ? "" : Messages.text("msg.run.unreachable.alsoEarlier", failed - inOutage);
        return UserError.of(ExitCodes.ERROR, "msg.run.unreachableFailedAsItStopped", run.name(), what,
                outage.reason(), check, done, run.total(), inOutage, earlier);
    }

    private static int worse(int a, int b) {
        return rank(b) > rank(a) ? b : a;
    }

    private static int rank(int code) {
        return switch (code) {
            case ExitCodes.INTERRUPTED -> 4;
            case ExitCodes.ERROR -> 3;
            case ExitCodes.FAILED_RECORDS -> 2;
            case ExitCodes.USAGE -> 1;
            default -> 0;
        };
    }
}
