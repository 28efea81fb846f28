package dev.stride.app;

import dev.stride.client.Sampling;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Cursor;
import dev.stride.core.GenerationParams;
import dev.stride.core.InvalidInputException;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.KnownRuns;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunState;
import dev.stride.core.ShellWords;
import dev.stride.core.UnfoldedLog;
import dev.stride.core.WorkerInfo;
import dev.stride.db.PostgresCheckpointStore;
import dev.stride.db.PostgresLocation;
import dev.stride.db.SchemaUpgrade;
import dev.stride.db.ScoreBook;
import dev.stride.db.SqliteCheckpointStore;
import dev.stride.db.StoreException;
import dev.stride.db.UnusedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * stride for programs: the same runs as {@code stride run}, on the same database, from Java; {@code stride run} itself
 * is a command line over this class. A run started here resumes with {@code stride run} and the other way round.
 *
 * <p>Two steps, as the command line takes them: {@link #plan} reads the request's input into the database and says
 * what it found ({@link RunPlan}: a new run, a resume, a refusal, ...); {@link #execute} sends what is left and
 * returns how each run's session ended. {@link #run} and {@link #resume} take both steps at once.
 *
 * <p>One run at a time: a {@link #plan}, {@link #execute}, {@link #run} or {@link #resume} while another thread's is
 * in progress throws {@link IllegalStateException}, and so does every call that reads or writes the database once the
 * manager is closed. For runs at once, open a manager per thread on the same database.
 *
 * <pre>{@code
 * try (CheckpointManager checkpoints = CheckpointManager.open(Path.of("runs.db"))) {
 *     RunOutcome outcome = checkpoints.run(Path.of("questions.jsonl"),
 *             RunOptions.of("qwen-medical-lora-251106-f16", "http://localhost:8000/v1")
 *                     .withTemplate("Answer briefly: {{question}}"));
 *     System.out.println(outcome.state());
 * }
 * }</pre>
 */
public final class CheckpointManager implements AutoCloseable {
    private final CheckpointStore store;
    private final Object db; // a Path, or a PostgresLocation (whose text never holds the password)
    private final RunPlanner planner;
    private final RunDriver driver;
    /** The file this manager's open created, removed again on close when it stored no run in it; else null. */
    private final Path created;
    /** A plan stored a run in the file: it stays, even once the run is cleared. */
    private volatile boolean storedARun;
    /**
     * The scores of the runs, on a connection of their own (the live scoring stores them from a timer thread while
     * the run writes): opened at the first run that is scored, closed with the store.
     */
    private ScoreBook scores;
    // The switch of the run() or resume() in progress, or else of the next one: a stop that comes while none is in
    // progress (a host's shutdown as the run is being set up) is not lost but stops that next one.
    private final AtomicReference<StopSwitch> stop = new AtomicReference<>(new StopSwitch());

    private final Optional<SchemaUpgrade> schemaUpgrade;
    /**
     * Held by the thread whose plan, execute, run or resume is in progress: the store is one worker at a time, and a
     * second call from another thread would make it a worker of another run under the first one's feet (which then
     * failed half-way, "not a worker of run N"). Reentrant: run and resume take plan and execute themselves.
     */
    private final ReentrantLock inUse = new ReentrantLock();
    private volatile boolean closed;

    private CheckpointManager(Object db, CheckpointStore store, PredictorFactory predictors, Consumer<String> httpLog,
                              Path created) {
        this.store = store;
        this.db = db;
        this.created = created;
        this.schemaUpgrade = store instanceof SqliteCheckpointStore s ? s.schemaUpgrade()
                : store instanceof PostgresCheckpointStore p ? p.schemaUpgrade() : Optional.empty();
        this.planner = new RunPlanner(store, db);
        this.driver = new RunDriver(store, predictors, httpLog);
    }

    /**
     * Opens (creating it if needed) a run database. A file created here in which the manager stores no run (its input
     * was not there, or was refused) is removed again as the manager closes, with its -wal and -shm: a failed first
     * try leaves nothing behind, as with {@code stride run}.
     *
     * @throws StoreException when the file cannot be used as one (not SQLite, read-only, from a newer stride, ...)
     */
    public static CheckpointManager open(Path db) {
        return open(db, null);
    }

    /**
     * As {@link #open(Path)}, writing a line per HTTP request and response to {@code httpLog} (never a header, so
     * never the key); null for none.
     *
     * @throws StoreException when the file cannot be used as a run database
     */
    public static CheckpointManager open(Path db, Consumer<String> httpLog) {
        // Looked at before the open creates it: "created here" is only a guess (two openers of a missing file both
        // make it), so the file goes only if it still holds no run, and no other connection has it, when it is removed.
        Path created = Files.exists(db) ? null : db;
        return new CheckpointManager(db, SqliteCheckpointStore.open(db), HttpPredictor::create, httpLog, created);
    }

    /**
     * As {@link #open(Path, Consumer)}, on a PostgreSQL database (stride's schema is created in it if needed).
     *
     * @throws StoreException when the server cannot be reached or the database is not stride's
     */
    public static CheckpointManager open(PostgresLocation db, Consumer<String> httpLog) {
        PostgresCheckpointStore store = PostgresCheckpointStore.open(db);
        if (httpLog != null) {
            // -v: a transaction the server ended for a deadlock and ran again, a lock wait that a stop ended
            store.traceTo(httpLog);
        }
        return new CheckpointManager(db, store, HttpPredictor::create, httpLog, null);
    }

    /**
     * The upgrade opening made of a database an older stride wrote (it is then this build's, and an older stride no
     * longer opens it): for the caller to tell the user. Empty for a database at this build's schema, a new one, or
     * one another stride upgraded at the same moment.
     */
    public Optional<SchemaUpgrade> schemaUpgrade() {
        return schemaUpgrade;
    }

    /**
     * Once the database closed: the write-ahead log its close could not fold into the file because another connection
     * kept a read transaction open (a sqlite3 shell after {@code BEGIN; SELECT}), for the caller to tell the user that
     * the file alone is not whole. Empty when it is, before the close, and for PostgreSQL
     * ({@link CheckpointStore#unfoldedAtClose}).
     */
    public Optional<UnfoldedLog> unfoldedAtClose() {
        return store.unfoldedAtClose();
    }

    /**
     * Works out what {@code request} means: with an input, creates the run or brings its records up to date with the
     * input, in one transaction (a dry run rolls it back); without one, finds the database's runs with work left.
     * Nothing is sent. A refusal of changed settings, an empty input or a dry run write nothing. A real run's sync
     * makes this process a worker of the run (so that another process's changed input is refused from then on):
     * {@link #execute} or {@link #close} ends that.
     *
     * @param stop a request on it while the input is read gives up the reading
     * @throws InvalidSettingException for a setting out of range, a new run without model or base URL, a
     *                                 database without the run named, or a label field
     *                                 ({@link RunOptions#withScoring}) that no record of the input has
     * @throws InvalidInputException   for a bad input line or a duplicate id, naming them, an input file that is not
     *                                 there, or an input that would drop stored answers and the request is not
     *                                 {@link RunRequest#droppingAnswers()}; nothing is written
     * @throws StoppedBeforeStart      when {@code stop} was requested while the input was read
     * @throws StoreException          when the database cannot be read or written
     * @throws IllegalStateException    when the manager is closed, or another thread's call is in progress
     */
    public RunPlan plan(RunRequest request, StopSwitch stop) {
        return plan(request, stop, null);
    }

    /**
     * Tells {@code waiting} the run's name when a {@link #plan} waits for another command loading the same new run's
     * input (workers started together), before that wait; the plan then joins that run.
     */
    public void tellLoadWaitsTo(Consumer<String> waiting) {
        store.tellLoadWaitsTo(waiting);
    }

    /**
     * {@link #plan(RunRequest, StopSwitch)}, with {@code check} shown every record of the input as the sync reads it:
     * its refusal at the input's end rolls the sync back (a new run is not created, an existing one not changed).
     * {@link InputCheck#ran()} tells afterwards whether the input was read at all.
     *
     * @throws RuntimeException what {@code check} throws to refuse the input ({@link InputCheck#atEnd()}); otherwise
     *                          as {@link #plan(RunRequest, StopSwitch)}
     */
    public RunPlan plan(RunRequest request, StopSwitch stop, InputCheck check) {
        enter();
        try {
            RunOptions options = request.options();
            options.check();
            OpenFileLimit.check(options);
            if (request.input() == null) {
                RunPlan plan = planner.toResume(options, request.dryRun());
                return plan instanceof RunPlan.ResumeStored p ? withOthersAtWork(p) : plan;
            }
            RunScorer given = options.scorer();
            // A mistyped label field scores nothing: refused inside the input's sync, which then stores nothing. A dry
            // run reads the input too, and is where a user checks a command before the real one.
            InputCheck labels = given == null ? null : given.labelsIn(request.input());
            RunPlan plan = planner.fromInput(request.input(), request.format(), options, stop, request.dryRun(),
                    request.dropAnswers(), both(check, labels));
            storedARun |= plan instanceof RunPlan.NewRun || plan instanceof RunPlan.Resume;
            if (labels != null && !labels.ran()) {
                refuseUnlabelled(given, plan);
            }
            return plan;
        } finally {
            leave();
        }
    }

    /**
     * An input the sync did not read again (unchanged since the last session) is checked in its stored records,
     * before a request is sent. Not a shard's: it may have no labelled record and still be part of a labelled dataset.
     */
    private void refuseUnlabelled(RunScorer given, RunPlan plan) {
        try {
            plan.runsToExecute().stream().filter(r -> r.shard() == null)
                    .forEach(run -> given.refuseUnlabelled(scores(), run));
        } catch (RuntimeException e) {
            leaveAll(plan.runsToExecute()); // the sync made this process their worker; no session will end that
            throw e;
        }
    }

    /** Both checks (either may be null) see every record; null when neither is given. */
    private static InputCheck both(InputCheck first, InputCheck second) {
        if (first == null || second == null) {
            return first == null ? second : first;
        }
        return new InputCheck() {
            @Override
            public void see(String recordJson) {
                first.see(recordJson);
                second.see(recordJson);
            }

            @Override
            public void atEnd() {
                first.atEnd();
                second.atEnd();
            }

            @Override
            public boolean ran() {
                return first.ran() || second.ran();
            }
        };
    }

    /**
     * How a session of {@code run} would score its answers under {@code options}: as they ask, the way the run keeps,
     * as its stored scores were made, or not at all ({@link SessionScoring}). Only looked at: {@link #execute} keeps
     * the options' way with the run.
     *
     * @throws InvalidSettingException for an unknown metric, or the regex metric without an expression
     * @throws StoreException          when the database cannot be read
     * @throws IllegalStateException   when the manager is closed, or another thread's call is in progress
     */
    public SessionScoring scoring(RunInfo run, RunOptions options) {
        enter();
        try {
            return SessionScoring.of(options.scorer(), scores(), run.id());
        } finally {
            leave();
        }
    }

    /** The score book, opened at its first use. Called with the manager held ({@link #enter}). */
    private ScoreBook scores() {
        if (scores == null) {
            scores = db instanceof PostgresLocation p ? ScoreBook.open(p) : ScoreBook.open((Path) db);
        }
        return scores;
    }

    /**
     * The stored runs others are live on as this process plans: it joins those at work rather than resuming them
     * stopped. Only looked at: unlike a sync from an input, planning from the stored runs makes no worker.
     */
    private RunPlan.ResumeStored withOthersAtWork(RunPlan.ResumeStored plan) {
        Set<Long> atWork = plan.runs().stream().map(RunInfo::id).filter(id -> !store.liveWorkers(id).isEmpty())
                .collect(Collectors.toSet());
        return new RunPlan.ResumeStored(plan.runs(), plan.options(), atWork, plan.askedBefore(), plan.leftOut());
    }

    /**
     * Drives the plan's runs, one after the other, each to its end or a stop: every outcome is committed as it
     * arrives, the cursor every save interval. A run with nothing left to send gets a session without requests. The
     * next run starts only after one that ended done (with or without failed records), and not after a stop request.
     * A run is scored as its answers arrive when the options ask ({@link RunOptions#withScoring}) or the run keeps a
     * way from an earlier session, whatever started that one; each {@link Session#score()} says the run's accuracy.
     *
     * @param listener hears of each session as it starts and ends, and of every outcome, retry and cursor save
     * @param stop     a request on it stops the session in progress gracefully (requests in flight get their grace)
     * @throws SettingsRefusedException for a {@link RunPlan.Refused} plan
     * @throws InvalidInputException    for a {@link RunPlan.EmptyInput} plan
     * @throws InvalidSettingException  for a stored run with a parameter this client refuses to send (an older
     *                                  stride's {@code stream=false}); nothing is sent
     * @throws IllegalArgumentException for a dry run's plan, which only reports
     * @throws StoreException           when the database cannot be written
     * @throws IllegalStateException    when the manager is closed, or another thread's call is in progress
     */
    public RunResult execute(RunPlan plan, SessionListener listener, StopSwitch stop) {
        enter();
        try {
            return executeHeld(plan, listener, stop);
        } finally {
            leave();
        }
    }

    private RunResult executeHeld(RunPlan plan, SessionListener listener, StopSwitch stop) {
        List<RunInfo> runs;
        RunOptions options;
        if (plan instanceof RunPlan.NewRun p) {
            runs = List.of(p.run());
            options = p.options();
        } else if (plan instanceof RunPlan.Resume p) {
            runs = List.of(p.run());
            options = p.options();
        } else if (plan instanceof RunPlan.ResumeStored p) {
            runs = p.runs();
            options = p.options();
        } else if (plan instanceof RunPlan.NothingToResume) {
            settleFinished(store.listRuns());
            return new RunResult(List.of(), false);
        } else if (plan instanceof RunPlan.Refused p) {
            throw new SettingsRefusedException(p);
        } else if (plan instanceof RunPlan.EmptyInput p) {
            throw new InvalidInputException(AppPhrase.of("run.noRecords", p.input()));
        } else {
            throw new IllegalArgumentException("a dry run's plan only reports what a run would do: " + plan);
        }
        try (LiveScoring scoring = liveScoring(plan, options)) {
            runs.forEach(CheckpointManager::refuseUnsendableParams);
            if (scoring != null) {
                keepScoring(scoring, runs);
            }
            List<Session> sessions = new ArrayList<>();
            for (RunInfo planned : runs) {
                if (stop.requested()) {
                    return new RunResult(sessions, true);
                }
                RunInfo run = asItIsNow(planned);
                if (run == null) {
                    listener.runGone(planned);
                    continue;
                }
                Session session;
                if (run.pending() == 0 && !(options.retryFailed() && run.failed() > 0)) {
                    settleFinished(List.of(run));
                    session = Session.nothingLeft(run);
                    if (scoring != null) {
                        session = catchUp(session, scoring, listener);
                    }
                } else {
                    session = drive(run, options, listener, stop, scoring);
                }
                sessions.add(session);
                listener.sessionEnded(session);
                RunState state = session.outcome().state();
                if (state != RunState.DONE && state != RunState.DONE_WITH_FAILURES) {
                    break;
                }
            }
            return new RunResult(sessions, false);
        } finally {
            leaveAll(runs);
        }
    }

    /**
     * The live scoring of a plan's runs; null when none can be scored: a new run the options do not ask to score. A
     * resumed one may keep a way of its own, whoever started it ({@code stride run --label-field}, or this API).
     */
    private LiveScoring liveScoring(RunPlan plan, RunOptions options) {
        RunScorer given = options.scorer();
        if (given == null && !(plan instanceof RunPlan.Resume || plan instanceof RunPlan.ResumeStored)) {
            return null;
        }
        return new LiveScoring(given, scores(), LiveScoring.STORE_EVERY);
    }

    /**
     * Each run's way of scoring is chosen, and the options' way kept with the run, before anything is sent: a
     * session stopped before it stored a score leaves the run scored that way all the same.
     */
    private static void keepScoring(LiveScoring scoring, List<RunInfo> runs) {
        for (RunInfo run : runs) {
            try {
                scoring.choose(run);
            } catch (RuntimeException e) {
                // Chosen again as the run's session starts, which tells the listener if it fails again.
            }
        }
    }

    /**
     * A session of {@code run}, its answers scored as they arrive when the run is scored. A scoring error never stops
     * the run: the listener hears of it, and the answers are kept unscored.
     */
    private Session drive(RunInfo run, RunOptions options, SessionListener listener, StopSwitch stop,
                          LiveScoring scoring) {
        RunListener shown = listener.sessionStarted(run);
        RunListener scored = null;
        if (scoring != null) {
            try {
                scored = scoring.choose(run).scorer() == null ? null : scoring.start(run);
            } catch (RuntimeException e) {
                listener.scoringFailed(run, e);
            }
        }
        if (scored == null) {
            return driver.drive(run, options, shown, stop);
        }
        listener.scoringStarted(run, scoring::soFar);
        // Scored first, so that what the listener shows of an answer already counts it.
        Session session = driver.drive(run, options, new BothListeners(scored, shown), stop);
        try {
            return session.scored(scoring.finish());
        } catch (RuntimeException e) {
            listener.scoringFailed(run, e);
            return session;
        }
    }

    /**
     * A run with nothing left to send may yet hold answers without their scores (a session killed after its last
     * answers and before their scores were stored, or a way of scoring new to the run): scored now, as a session that
     * sends would before its first request.
     */
    private static Session catchUp(Session session, LiveScoring scoring, SessionListener listener) {
        try {
            ScoreReport report = scoring.catchUp(session.run());
            return report == null ? session : session.scored(report);
        } catch (RuntimeException e) {
            listener.scoringFailed(session.run(), e);
            return session;
        }
    }

    /**
     * A run as the database has it at its turn: the plan read every run at once, and the runs before it may have taken
     * hours, while other workers answered its records (a session started from the plan's counts would say
     * "0/10 done, 10 to go" of a run they finished, and count its time from the plan's elapsed). Null when the run
     * is gone: cleared meanwhile (and perhaps made again under its name, another run then).
     */
    private RunInfo asItIsNow(RunInfo planned) {
        return store.findRun(planned.name()).filter(now -> now.id() == planned.id()).orElse(null);
    }

    /**
     * The sync of a plan from an input made this process a worker of its run ({@link RunPlanner#fromInput}). A
     * session leaves on its own; a run that got none (nothing left, a stop or a refusal before it, an error) leaves
     * here, or status would show a worker that is not there and a changed input or a clear be refused for a lease.
     */
    private void leaveAll(List<RunInfo> runs) {
        for (RunInfo run : runs) {
            try {
                store.leave(run.id());
            } catch (RuntimeException e) {
                // The outcome is decided already; the row goes when its lease runs out, as a killed worker's does.
            }
        }
    }

    /**
     * An older stride stored a run with a parameter the client refuses to send ({@code --param stream=false}); every
     * session of it would fail on its first request. Refused before a session starts, with the way out.
     */
    private static void refuseUnsendableParams(RunInfo run) {
        for (String key : GenerationParams.fromJson(run.paramsJson()).extra().keySet()) {
            if (key.isBlank() || Sampling.CLIENT_CHOSEN.contains(key)) {
                throw AppPhrase.invalid("run.storedParamRefused", run.name(), key, ShellWords.quoted(run.name()));
            }
        }
    }

    /**
     * The checkpoint of a run (by default a run is named after its model), if the database has one.
     *
     * @throws StoreException        when the database cannot be read
     * @throws IllegalStateException when the manager is closed
     */
    public Optional<RunInfo> loadCheckpoint(String run) {
        refuseIfClosed();
        return store.findRun(run);
    }

    /**
     * What the run's last session kept in flight, as its worker that joined last stored it: a resume after a kill -9
     * (which left no stop line to say it) tells the user when it goes on at another limit. Empty when no worker of the
     * run is on record or it did not say.
     *
     * @throws StoreException        when the database cannot be read
     * @throws IllegalStateException when the manager is closed
     */
    public Optional<WorkerInfo> lastSession(RunInfo run) {
        refuseIfClosed();
        return store.lastWorker(run.id()).filter(w -> w.inFlight() != null);
    }

    /**
     * Every run's checkpoint, oldest first.
     *
     * @throws StoreException        when the database cannot be read
     * @throws IllegalStateException when the manager is closed
     */
    public List<RunInfo> checkpoints() {
        refuseIfClosed();
        return store.listRuns();
    }

    /**
     * Forgets a run: its records, outputs and checkpoint.
     *
     * @return false when there was no such run
     * @throws dev.stride.core.LiveWorkersException when workers are live on the run; nothing is deleted
     * @throws StoreException                       when the database cannot be written
     * @throws IllegalStateException                when the manager is closed
     */
    public boolean clearCheckpoint(String run) {
        refuseIfClosed();
        return store.clearRun(run);
    }

    /**
     * Starts the run, or resumes it where it stopped (bringing its records up to date with {@code input}), and drives
     * it to its end or a stop ({@link #requestStop()}): {@link #plan} and {@link #execute} in one call.
     *
     * <p>A stop requested before this call, or while it reads the input, ends it before anything is sent: the input's
     * reading is given up (nothing is written) and the outcome is {@link RunState#INTERRUPTED}, with the checkpoint as
     * it is stored; the same call later goes on from there.
     *
     * @throws InvalidSettingException  for a setting out of range, or a new run without model or base URL
     * @throws SettingsRefusedException when the stored run was started with other settings (e.g. another template)
     * @throws InvalidInputException    for a bad input line, an input without records or not there, or one that
     *                                  would drop stored answers ({@link #plan} with
     *                                  {@link RunRequest#droppingAnswers()} allows it); nothing is written
     * @throws StoppedBeforeStart       when a stop ended the call before the input of a run not yet in the database
     *                                  was read in: there is no checkpoint of it, and nothing was written
     * @throws StoreException           when the database cannot be written
     * @throws NullPointerException     for a null input: {@link #resume} finishes a run without it
     * @throws IllegalStateException    when the manager is closed, or another thread's call is in progress
     */
    public RunOutcome run(Path input, RunOptions options) {
        return run(input, options, RunListener.NONE);
    }

    /**
     * As {@link #run(Path, RunOptions)}, telling {@code listener} of every outcome, retry and cursor save (from the
     * runner's threads: keep it quick), and of a server that cannot be reached and comes back.
     *
     * @throws InvalidSettingException  for a setting out of range, or a new run without model or base URL
     * @throws SettingsRefusedException when the stored run was started with other settings
     * @throws InvalidInputException    for a bad input line, an input without records or not there, or one that
     *                                  would drop stored answers ({@link #plan} with
     *                                  {@link RunRequest#droppingAnswers()} allows it); nothing is written
     * @throws StoppedBeforeStart       when a stop ended the call before the input of a new run was read in
     * @throws StoreException           when the database cannot be written
     * @throws NullPointerException     for a null input: {@link #resume} finishes a run without it
     * @throws IllegalStateException    when the manager is closed, or another thread's call is in progress
     */
    public RunOutcome run(Path input, RunOptions options, RunListener listener) {
        // A request's null input means "the database's stored runs", which may be several and yield no one outcome.
        Objects.requireNonNull(input, "input: to finish a run without its input, call resume(run, options)");
        enter();
        StopSwitch current = stop.get();
        try {
            RunPlan plan;
            try {
                plan = plan(RunRequest.of(input, options), current);
            } catch (StoppedBeforeStart e) {
                // Nothing was written: a run already stored ends as a stop before its session leaves it.
                return stoppedBeforeItsSession(store.findRun(options.runName()).orElseThrow(() -> e));
            }
            return outcomeOf(execute(plan, SessionListener.of(listener), current), plan);
        } finally {
            spent(current);
            leave();
        }
    }

    /**
     * Finishes a run from what the database holds, without its input file (a database copied from elsewhere);
     * {@code options}' base URL, when given, replaces the stored one. A stop requested before this call ends it at
     * once, {@link RunState#INTERRUPTED}, with nothing sent and the checkpoint as stored.
     *
     * @throws InvalidSettingException  for a setting out of range, or when the database has no such run
     * @throws SettingsRefusedException when {@code options} change a setting the run was started with
     * @throws StoreException           when the database cannot be written
     * @throws IllegalStateException    when the manager is closed, or another thread's call is in progress
     */
    public RunOutcome resume(String run, RunOptions options) {
        enter();
        StopSwitch current = stop.get();
        try {
            options.check();
            RunInfo stored = store.findRun(run).orElseThrow(() -> AppPhrase.invalid("run.noSuchRunIn", db, run,
                    KnownRuns.of(store.listRuns().stream().map(RunInfo::name).toList(), run)));
            RunPlan plan = plan(RunRequest.stored(options.withRun(stored.name())), current);
            if (plan instanceof RunPlan.Refused refused) {
                throw new SettingsRefusedException(refused);
            }
            if (!(plan instanceof RunPlan.ResumeStored)) {
                // Nothing left to send: the run's session ends as it is stored.
                plan = new RunPlan.ResumeStored(List.of(stored), options);
            }
            return outcomeOf(execute(plan, SessionListener.of(RunListener.NONE), current), plan);
        } finally {
            spent(current);
            leave();
        }
    }

    /**
     * Stores as done (or done with failures) each run that has every record answered but is stored otherwise: a
     * worker stopped as another ended the run, before stores settled such a stop, a worker killed between its last
     * answer and its last save, or a run whose failed records were removed from its input. A run that a rerun finds
     * with nothing left is then what status and the views say.
     */
    private void settleFinished(List<RunInfo> runs) {
        for (RunInfo run : runs) {
            // Done with failures is not settled once its failed records left the input: the rerun that removed them
            // found nothing left, and the run stayed done_with_failures with none failed, for good.
            RunState finished = run.failed() > 0 ? RunState.DONE_WITH_FAILURES : RunState.DONE;
            if (run.pending() == 0 && run.total() > 0 && run.state() != finished) {
                store.saveCursor(run.id(), run.elapsedMs(), finished);
            }
        }
    }

    /** The one session's outcome; a stop that came before it started leaves the run interrupted as stored. */
    private RunOutcome outcomeOf(RunResult result, RunPlan plan) {
        if (!result.sessions().isEmpty()) {
            return result.sessions().get(0).outcome();
        }
        return stoppedBeforeItsSession(plan instanceof RunPlan.NewRun p ? p.run()
                : plan instanceof RunPlan.Resume p ? p.run() : ((RunPlan.ResumeStored) plan).runs().get(0));
    }

    private static RunOutcome stoppedBeforeItsSession(RunInfo run) {
        return new RunOutcome(RunState.INTERRUPTED, new Cursor(run.lowWatermark(), run.done(), run.failed(),
                run.elapsedMs(), run.savedAt(), run.state()), run.total(), 0, 0, null, null);
    }

    /**
     * Asks the {@link #run} or {@link #resume} in progress to stop as Ctrl+C would: requests in flight get their
     * grace, everything is saved. Safe from any thread. When none is in progress (it is about to start, say), the
     * next one to start is stopped at once, with nothing sent; a stop stops one call, and the call after it runs.
     */
    public void requestStop() {
        stop.get().requestStop();
    }

    /** A call's switch is spent once it returns, whatever its end: the next call gets a fresh one. */
    private void spent(StopSwitch used) {
        stop.compareAndSet(used, new StopSwitch());
    }

    /**
     * Closes the database; its write-ahead log is merged, so the file alone holds everything. A second close does
     * nothing; a call that reads or writes the database after it throws {@link IllegalStateException}. A
     * {@link #run} or {@link #resume} in progress on another thread is stopped as by {@link #requestStop()} (it
     * returns {@link RunState#INTERRUPTED}, everything saved) and the database closes as it returns, after this
     * method has; an {@link #execute} in progress goes on under its own switch and closes the database at its end.
     * This returns at once, without waiting for that call: a shutdown hook that closes the manager must then wait for
     * the run's thread to return, or the JVM ends first and the run is left as {@code kill -9} leaves it. A file that
     * {@link #open(Path)} created and in which no run was stored is removed.
     */
    @Override
    public void close() {
        closed = true;
        // A run or resume of another thread (a listener's, a host's shutdown) is stopped as Ctrl+C would, and closes
        // the database as it returns: closed under it, the run failed half-way with its checkpoint left running.
        // Not waited for here: a runner thread that closes would wait for the run that waits for it.
        stop.get().requestStop();
        // A close from within this thread's own call (its listener, told on the calling thread) waits for it too.
        if (!inUse.isHeldByCurrentThread() && inUse.tryLock()) {
            try {
                closeDatabase();
            } finally {
                inUse.unlock();
            }
        }
    }

    /**
     * Closes the scores' connection and then the store's, the last one, which merges the write-ahead log; then removes
     * the file this manager created if it stored no run in it (and it holds none, nor has another connection open).
     */
    private void closeDatabase() {
        try {
            if (scores != null) {
                scores.close();
            }
        } finally {
            store.close();
        }
        if (created != null && !storedARun) {
            UnusedDatabase.removeIfNoRun(created);
        }
    }

    /** Refuses a call on a closed manager: a program's mistake, not a database that cannot be used. */
    private void refuseIfClosed() {
        if (closed) {
            throw new IllegalStateException("this CheckpointManager is closed: open the database again with"
                    + " CheckpointManager.open(" + db + ")");
        }
    }

    /** Ends this thread's call; the last to end after a {@link #close} that came meanwhile closes the database. */
    private void leave() {
        inUse.unlock();
        if (closed && !inUse.isHeldByCurrentThread() && inUse.tryLock()) {
            try {
                closeDatabase();
            } finally {
                inUse.unlock();
            }
        }
    }

    /** Takes the manager for this thread's call, or refuses a call that overlaps another thread's. */
    private void enter() {
        if (inUse.isHeldByCurrentThread()) {
            // A step of this thread's own run or resume: a close meanwhile stopped it, and it ends as stopped (the
            // database closes as it returns), not with the closed manager's refusal.
            inUse.lock();
            return;
        }
        refuseIfClosed();
        if (!inUse.tryLock()) {
            throw new IllegalStateException("this CheckpointManager is driving a run on another thread: it takes one"
                    + " run at a time; open another CheckpointManager on the same database for runs at once");
        }
        if (closed) {
            // Closed between the look above and the lock: the close may have closed the database already.
            inUse.unlock();
            refuseIfClosed();
        }
    }
}
