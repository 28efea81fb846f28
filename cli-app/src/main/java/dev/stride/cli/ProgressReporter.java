package dev.stride.cli;

import dev.stride.core.Answer;
import dev.stride.core.Cursor;
import dev.stride.core.DatabaseOutage;
import dev.stride.core.FailedPrediction;
import dev.stride.core.InputRecord;
import dev.stride.core.Joined;
import dev.stride.core.Prediction;
import dev.stride.core.PredictionException;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.ServerLimit;
import dev.stride.core.ServerOutage;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Watches one session of a run: on a terminal a live bar (me.tongfei:progressbar), elsewhere a plain line every few
 * seconds, with {@code --quiet} nothing. Either way it keeps the session's tally for the end-of-run summary: outcomes,
 * failures by kind, tokens, latencies, retries. Rates and the ETA come from this session alone, so an earlier
 * session's pace does not skew them; the rate shown counts answers only (failures are counted apart). The ETA is at
 * the pace of the last {@link #ETA_WINDOW} or so (the last half of a younger session), which follows a pace that
 * changed, with the time the run waited for its database left out; the rate shown is the session's.
 *
 * <p>With several workers on the run, the counts shown are the run's: this session's own plus what the others stored
 * since it began, as the run's counters said at the last cursor this worker committed (every few outcomes and every
 * heartbeat; the cursor reads them anyway, so this costs nothing more, alone or not). The ETA is then the run's too:
 * what is left at the pace of every worker together since this session began. The rate shown stays this worker's own,
 * as its tokens per second do (status shows each worker's).
 */
final class ProgressReporter implements RunListener, AutoCloseable {

    /** How progress is shown while the run goes. */
    enum Mode {
        BAR, LINES, QUIET;

        /**
         * A bar on a terminal (a console, and TERM is not "dumb"), lines otherwise; nothing with --quiet. Tests
         * running in-process have no console, so they get lines.
         */
        static Mode choose(boolean quiet, Map<String, String> env) {
            if (quiet) {
                return QUIET;
            }
            return System.console() != null && !"dumb".equals(env.get("TERM")) ? BAR : LINES;
        }
    }

    /** Outcomes before the ETA is shown. */
    private static final int ETA_MIN_OUTCOMES = 10;
    /** Session time before the ETA is shown. */
    private static final Duration ETA_MIN_TIME = Duration.ofSeconds(3);
    /** The recent past whose pace the ETA is at. */
    private static final Duration ETA_WINDOW = Duration.ofSeconds(30);
    /** How often the library redraws the bar, and so how often its words after the numbers need making. */
    private static final Duration BAR_REDRAW = Duration.ofMillis(250);
    /** A server's hold on the requests waiting for its rate limit from which the line says how long it lasts. */
    static final Duration SAID_HOLD = Duration.ofSeconds(5);
    /**
     * Requests out with no answer for this long are said once, as a held file's line is repeated (60 s): a server that
     * takes requests and never answers showed "in flight 8" until --timeout, and nothing at all with --quiet.
     */
    static final Duration NO_ANSWER_SAID_AFTER = Duration.ofSeconds(60);
    /** How often the ticker looks when no progress line is due (--quiet, --log-every 0): for the line above. */
    private static final long LOOK_EVERY = TimeUnit.SECONDS.toNanos(1);

    private final PrintWriter out;
    private final Messages messages;
    private final String run;
    private final long total;
    private final long doneBefore;
    private final long failedBefore;
    /** The run's stored failures when the session began (with --retry-failed, failedBefore leaves them out). */
    private final long failedStored;
    /**
     * What other workers stored since this session began, as of the last cursor: its counters less this session's
     * start and its own outcomes (all of which a cursor counts when it is told). Zero while this worker is alone.
     */
    private volatile long othersDone;
    private volatile long othersFailed;
    private final long everyNanos;
    private final LongSupplier nanoTime;
    private final long started;
    private final AtomicLong firstOutcomeAfter = new AtomicLong(-1);
    private final RecentPace recentPace;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Retries that reached a server: counted as they do, so the count never goes back down at a stop. */
    private final AtomicLong retries = new AtomicLong();
    /**
     * The retries above by the kind of failure each followed, as failures are counted ({@code connection},
     * {@code timeout}, {@code http_500}), and the first failure's words of each kind: a count of retries that no
     * failure, no error and no server log explained told the user nothing.
     */
    private final Map<String, LongAdder> retriesByKind = new ConcurrentHashMap<>();
    private final Map<String, String> retryExamples = new ConcurrentHashMap<>();
    /** Answers of this session that the token limit cut short (finish reason {@code length}). */
    private final LongAdder cutShort = new LongAdder();
    /** Answers of this session that are the model's refusal: stored as done, with no output. */
    private final LongAdder modelRefusals = new LongAdder();
    /** Answers of this session with no text, neither a refusal nor tool calls: stored as done, with an empty output. */
    private final LongAdder emptyAnswers = new LongAdder();
    /** Refusals of one too many at once under --concurrency auto, sent again without spending a retry: 429s, 503s. */
    private final AtomicLong sentAgainRateLimited = new AtomicLong();
    private final AtomicLong sentAgainBusy = new AtomicLong();
    /**
     * Requests that got no answer while no server answered any, sent again without spending a retry: they also look
     * whether the server is back. Not retries: a run at --retries 0 whose server hung said "24 retries".
     */
    private final AtomicLong sentAgainWhileAway = new AtomicLong();
    /** Requests that got no answer in time, their records not tried again before the session ended. */
    private final LongAdder noAnswerInTime = new LongAdder();
    /** Requests that came back with a failure as the run stopped, their records not tried again. */
    private final LongAdder failedAtStop = new LongAdder();
    /** 429s answered to the records' requests and sent again, each with a retry spent or not. */
    private final LongAdder refusedWith429 = new LongAdder();
    /** Requests of records answered 503 (busy) this session, a retry spent or not. */
    private final LongAdder turnedAwayAsBusy = new LongAdder();
    /**
     * Per record not stored yet (by seq): its answered attempts this session, each followed by a retry or a send
     * again, and what the last was. A record stored leaves; those left at the end are a stopped session's records
     * whose answered requests are neither kept attempts nor redundant: the summary names them apart.
     */
    private final Map<Long, Told> toldAgain = new ConcurrentHashMap<>();
    /**
     * Records told to be sent again and not sent yet: when each is due (nanoTime). The last of them bounds the time
     * left from below: two records sleeping out a 1 s Retry-After made "ETA 0.1s" at the end of a run a second long.
     */
    private final Map<Long, Long> dueAgain = new ConcurrentHashMap<>();

    /**
     * @param timedOut   of {@code answered}, those that got no answer in time (told as failed, yet not answered)
     * @param lastSentAs the counter of the send again told last, counted once it reached a server
     * @param lastCause  the failure it followed (null for none told)
     */
    private record Told(long answered, long timedOut, AtomicLong lastSentAs, PredictionException lastCause) {
    }
    /** Words after the numbers from elsewhere (the accuracy so far of a run that scores): none unless told. */
    private volatile Supplier<String> also = () -> "";
    private final LongAdder tokensIn = new LongAdder();
    private final LongAdder tokensOut = new LongAdder();
    private final LongAdder answersWithTokensIn = new LongAdder();
    private final LongAdder answersWithTokensOut = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    /** Requests of records another worker stored an answer to first: redundant, and not asked again. */
    private final LongAdder answeredByAnother = new LongAdder();
    private final Map<String, LongAdder> failedByKind = new ConcurrentHashMap<>();
    /** The first failure's error of each kind: the summary shows it, so the server's words are seen at once. */
    private final Map<String, String> failureExamples = new ConcurrentHashMap<>();
    private final LatencyHistogram latency = new LatencyHistogram();
    private final ProgressBar bar;
    private final boolean lines;
    /**
     * --quiet hides progress, not why nothing moves: a database held or away is still said, once at its start and
     * once at its end (README: "no progress bar or lines"; these are warnings, and minutes of silence are not).
     */
    private final boolean quiet;
    private volatile long lastPrint;
    /** When the bar's words were last made; the writer thread's alone. */
    private long barWordsAt;
    /**
     * The runner's bound on requests in flight, null until it tells; with --concurrency auto it moves. One field, so
     * that a line never shows one tell's total with another's servers.
     */
    private volatile Bound bound;
    /** Requests out now, as the runner last told: what "in flight" counts (the bound is how many may be). */
    private volatile int requestsOut;
    /** Since when (on {@link #nanoTime}) requests have been out without a pause, as told; meaningless while none are. */
    private volatile long outSince;
    /** When a server last answered a request of this session (an answer or a failure it sent, not a timeout). */
    private volatile long lastAnswer;
    /** The start of the wait without an answer already said (its {@link #noAnswerSince}), or -1. */
    private long noAnswerSaid = -1;
    /** How long a request waits for its answer (--timeout); null until told, and then nothing is said of the wait. */
    private volatile Duration requestTimeout;
    /** Requests held back for a server's rate limit, as the runner last told. */
    private volatile int waitingForRateLimit;
    private volatile int waitingToSendAgain;
    /** How long a server's word still holds the requests waiting for its rate limit, in ms, as last told. */
    private volatile long rateLimitHoldMs;
    /** The outage in progress, if the latest requests found no server; null while the server answers. */
    private volatile ServerOutage outage;
    /** The database outage in progress as last told, and when (on {@link #nanoTime}); null while it answers. */
    private final AtomicReference<DbAway> dbAway = new AtomicReference<>();

    private record DbAway(DatabaseOutage outage, long toldAt) {
    }

    /**
     * A file held by another connection is waited for as long as it is held (a shell left open over lunch): its line
     * is said at once and then at most this often, not at every --log-every.
     */
    private static final long LOCKED_LINE_EVERY = TimeUnit.SECONDS.toNanos(60);
    /** Prints the line when nothing finishes for a while (see {@link #tick()}); null until a session starts it. */
    private ScheduledExecutorService ticker;
    private boolean closed;
    /** The plan's first line said this session joins others at work on the run: its join says nothing again. */
    private boolean joinSaid;
    /** Says the session's first line at its join, when the plan could not (see {@link #firstLineAtJoin}). */
    private Consumer<Joined> firstLineAtJoin;

    /**
     * @param barOutput where the bar goes (null: the library's console consumer, on stderr); tests pass their own
     * @param noColor   NO_COLOR is set: a bar without colours
     */
    ProgressReporter(PrintWriter out, String run, long total, long doneBefore, long failedBefore, Duration every,
                     Mode mode, ProgressBarConsumer barOutput, boolean noColor) {
        this(out, run, total, doneBefore, failedBefore, every, mode, barOutput, noColor, Messages.ENGLISH);
    }

    /** @param messages the language of the progress lines and the bar's words */
    ProgressReporter(PrintWriter out, String run, long total, long doneBefore, long failedBefore, Duration every,
                     Mode mode, ProgressBarConsumer barOutput, boolean noColor, Messages messages) {
        this(out, run, total, doneBefore, failedBefore, every, mode, barOutput, noColor, messages, System::nanoTime);
    }

    /** @param nanoTime the monotonic time the rates, the ETA and the line interval are measured with */
    ProgressReporter(PrintWriter out, String run, long total, long doneBefore, long failedBefore, Duration every,
                     Mode mode, ProgressBarConsumer barOutput, boolean noColor, Messages messages,
                     LongSupplier nanoTime) {
        this(out, run, total, doneBefore, failedBefore, failedBefore, every, mode, barOutput, noColor, messages,
                nanoTime);
    }

    /** @param failedStored the run's stored failures as the session begins (more than failedBefore when retried) */
    ProgressReporter(PrintWriter out, String run, long total, long doneBefore, long failedBefore, long failedStored,
                     Duration every, Mode mode, ProgressBarConsumer barOutput, boolean noColor, Messages messages,
                     LongSupplier nanoTime) {
        this.failedStored = failedStored;
        this.nanoTime = nanoTime;
        this.started = nanoTime.getAsLong();
        this.recentPace = new RecentPace(started, ETA_WINDOW);
        this.lastPrint = started;
        this.lastAnswer = started;
        this.barWordsAt = started - BAR_REDRAW.toNanos();
        this.out = out;
        this.messages = messages;
        this.run = run;
        this.total = total;
        this.doneBefore = doneBefore;
        this.failedBefore = failedBefore;
        this.everyNanos = mode == Mode.LINES ? every.toNanos() : 0;
        this.lines = mode == Mode.LINES;
        this.quiet = mode == Mode.QUIET;
        this.bar = mode == Mode.BAR ? bar(barOutput, noColor) : null;
    }

    /**
     * The reporter for a session of {@code run} as RunCommand starts it, in the language of {@code messages};
     * {@code joinSaid}: the plan said already that this session joins others at work on the run; timed by
     * {@code nanoTime} (the system's, or a test's).
     */
    static ProgressReporter forSession(PrintWriter out, RunInfo run, boolean retryFailed, Duration every,
                                       boolean quiet, Map<String, String> env, Messages messages, boolean joinSaid,
                                       LongSupplier nanoTime) {
        ProgressReporter progress = new ProgressReporter(out, run.name(), run.total(), run.done(),
                retryFailed ? 0 : run.failed(), run.failed(), every, Mode.choose(quiet, env), null,
                env.containsKey("NO_COLOR"), messages, nanoTime);
        progress.joinSaid = joinSaid;
        progress.tickWhileNothingFinishes();
        return progress;
    }

    /**
     * A session that becomes a worker only as it joins (a resume of the stored runs, planned while others were at
     * work on it) has its first line said there, by {@code line}, once it knows its number and who is still live;
     * that line takes the place of the one the join would say.
     */
    void firstLineAtJoin(Consumer<Joined> line) {
        firstLineAtJoin = line;
    }

    /** How long each request waits for its answer (--timeout): the line of requests without one names it. */
    void requestsWaitUpTo(Duration timeout) {
        requestTimeout = timeout;
    }

    /**
     * As lines, a line is due every --log-every whether or not a record finished: with slow answers, a rate limit
     * or a busy server, outcomes alone left a log silent for minutes, and a run that waits looked hung. A daemon
     * thread looks four times per interval, so a line is never more than a quarter of it late; at least once a
     * second, also with --quiet, for requests that get no answer ({@link #sayIfNoAnswer}).
     */
    private void tickWhileNothingFinishes() {
        if (bar != null) {
            return;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "stride-progress");
            t.setDaemon(true);
            return t;
        });
        long period = everyNanos <= 0 ? LOOK_EVERY
                : Math.min(LOOK_EVERY, Math.max(everyNanos / 4, TimeUnit.MILLISECONDS.toNanos(50)));
        long[] lastTick = {nanoTime.getAsLong()};
        ticker.scheduleAtFixedRate(() -> {
            // The writer tells a stop of the process too, but this thread may wake first and print the line the stop
            // made due, at the stop's pace ("ETA 7h").
            long now = nanoTime.getAsLong();
            long late = now - lastTick[0] - period;
            lastTick[0] = now;
            if (late >= RunListener.PAUSED.toNanos()) {
                processPaused(Duration.ofNanos(late));
            }
            tick();
        }, period, period, TimeUnit.NANOSECONDS);
    }

    /**
     * The line, if one is due and the last outcome did not print it. Not while the server is unreachable: those
     * lines say so at the same pace ({@link #serverUnreachable}). While the database is, its line instead: the store
     * tells each try to reach it, but a try can take the driver's whole connect timeout, longer than --log-every.
     */
    void tick() {
        try {
            DbAway away = dbAway.get();
            if (lines && away != null) {
                printDbLineIfDue(away, false);
            } else if (lines && outage == null) {
                printLineIfDue();
            }
            sayIfNoAnswer();
        } catch (RuntimeException e) {
            // A line that could not be made (its words from elsewhere, say) is skipped; a tick that threw would end
            // the ticker, and every line after it.
        }
    }

    /**
     * Requests out for {@link #NO_ANSWER_SAID_AFTER} with no answer to any of them: one line says so, naming --timeout,
     * once for each such wait, as lines and with --quiet (why nothing moves). Not while the server is unreachable or
     * the database away: their own lines say why.
     */
    private void sayIfNoAnswer() {
        Duration timeout = requestTimeout;
        int requests = requestsOut;
        if (!(lines || quiet) || timeout == null || requests == 0 || outage != null || dbAway.get() != null) {
            return;
        }
        long since = noAnswerSince();
        long now = nanoTime.getAsLong();
        if (now - since < NO_ANSWER_SAID_AFTER.toNanos()) {
            return;
        }
        synchronized (this) {
            if (closed || noAnswerSaid == since) {
                return;
            }
            noAnswerSaid = since;
            long allDone = doneBefore + done.get() + othersDone;
            out.println(messages.get("msg.progress.noAnswer", run, allDone, total,
                    String.format(Locale.ROOT, "%.1f", total == 0 ? 100.0 : allDone * 100.0 / total),
                    Durations.human((now - since) / 1_000_000), requests, Durations.human(timeout.toMillis())));
            out.flush();
        }
    }

    /** Since when requests have been out and none was answered: the later of the last answer and the first sent. */
    private long noAnswerSince() {
        return Math.max(outSince, lastAnswer);
    }

    /** A server answered a request (not a timeout, which is none): the wait for an answer starts again. */
    private void answered(String failureKind) {
        if (!PredictionException.TIMEOUT.equals(failureKind)) {
            lastAnswer = nanoTime.getAsLong();
        }
    }

    private ProgressBar bar(ProgressBarConsumer output, boolean noColor) {
        ProgressBarStyle style = noColor ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.COLORFUL_UNICODE_BLOCK;
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(run)
                .setInitialMax(total)
                // This session's start: the library's speed and elapsed time then leave earlier sessions out.
                .startsFrom(doneBefore + failedBefore, Duration.ZERO)
                .setStyle(style)
                .setUpdateIntervalMillis((int) BAR_REDRAW.toMillis())
                // Redrawn even when no record finishes, as in an outage, whose words change while the count does not.
                .continuousUpdate()
                .setEtaFunction(state -> eta())
                .setRenderer(new GroupedBarRenderer(style, state -> eta()));
        // The library's own consumer writes in the platform's charset: ASCII when the locale named (a container's
        // LANG=zh_CN.UTF-8 without that locale generated) is not installed, which showed each Chinese character of
        // the bar as '?'. Everything else stride writes is UTF-8 whatever the locale; so is the bar. Redrawn in place
        // with a carriage return, the cursor at the bar's end: the lines said while it runs (a Ctrl+C's "stopping",
        // a wait) begin with a line break and stay. The library's consumer for terminals that move the cursor keeps
        // it a line below and redraws a line up, over each such line.
        builder.setConsumer(output != null ? output : new ConsoleProgressBarConsumer(
                new PrintStream(new FileOutputStream(FileDescriptor.err), false, StandardCharsets.UTF_8)));
        ProgressBar b = builder.build();
        b.setExtraMessage(extra());
        return b;
    }

    @Override
    public void recordDone(InputRecord record, Prediction prediction) {
        Answer answer = prediction.answer();
        tokens(answer.promptTokens(), answer.completionTokens());
        if ("length".equals(answer.finishReason())) {
            cutShort.increment();
        }
        if (answer.refusal() != null) {
            modelRefusals.increment();
        } else if (answer.output() == null || answer.output().isBlank()) {
            emptyAnswers.increment();
        }
        attempts.add(prediction.timing().attempts());
        stored(record);
        answered(null);
        latency.add(prediction.timing().latencyMs());
        done.incrementAndGet();
        outcome();
        progressed();
    }

    @Override
    public void recordFailed(InputRecord record, FailedPrediction failure) {
        String kind = failure.errorKind() == null ? "-" : failure.errorKind();
        failedByKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
        if (failure.error() != null) {
            failureExamples.putIfAbsent(kind, failure.error());
        }
        // Answers the record failed on (not JSON) were charged as a done record's are.
        tokens(failure.promptTokens(), failure.completionTokens());
        attempts.add(failure.timing().attempts());
        stored(record);
        answered(failure.errorKind());
        failed.incrementAndGet();
        outcome();
        progressed();
    }

    private void tokens(Integer in, Integer out) {
        if (in != null) {
            tokensIn.add(in);
            answersWithTokensIn.increment();
        }
        if (out != null) {
            tokensOut.add(out);
            answersWithTokensOut.increment();
        }
    }

    @Override
    public void answeredByAnother(InputRecord record, int attempts) {
        answeredByAnother.add(attempts);
    }

    /**
     * The run's counters as committed with this worker's outcomes so far: what exceeds this session's start and its
     * own outcomes was stored by other workers. Alone, nothing does (a retried failure that succeeds moves from
     * failed to done, which this session counts as its answer), and the counts shown are this session's as ever.
     */
    @Override
    public void cursorSaved(Cursor cursor) {
        othersDone = Math.max(0, cursor.done() - doneBefore - done.get());
        othersFailed = Math.max(0, cursor.failed() - failedStored - failed.get());
        if (outage == null) {
            // A save during an outage (the writer's heartbeat) counts no pace: its time is left out.
            recentPace.record(nanoTime.getAsLong(), outcomes());
        }
    }

    @Override
    public void retrying(InputRecord record, int attempt, PredictionException cause, Duration delay) {
        answered(cause == null ? null : cause.kind());
        countRefusal(cause);
        dueAgain(record, delay);
        sentAgain(record, retries, cause);
    }

    @Override
    public void sentAgainWhileServerAway(InputRecord record, int attempt, PredictionException cause,
                                         Duration delay) {
        dueAgain(record, delay);
        sentAgain(record, sentAgainWhileAway, cause);
    }

    @Override
    public void noAnswerInTime(InputRecord record, PredictionException cause) {
        noAnswerInTime.increment();
    }

    @Override
    public void failedAtStop(InputRecord record, PredictionException cause) {
        failedAtStop.increment();
    }

    @Override
    public void sentAgainAsBusy(InputRecord record, int attempt, PredictionException cause, Duration delay) {
        answered(null);
        countRefusal(cause);
        dueAgain(record, delay);
        sentAgain(record, "http_429".equals(cause.kind()) ? sentAgainRateLimited : sentAgainBusy, cause);
    }

    /** A 429 or a 503 counts as the server's refusal whether it spent a retry or not, as the live line tells them. */
    private void countRefusal(PredictionException cause) {
        if (cause == null) {
            return;
        }
        if ("http_429".equals(cause.kind())) {
            refusedWith429.increment();
        } else if (PredictionException.SERVICE_UNAVAILABLE.equals(cause.kind())) {
            turnedAwayAsBusy.increment();
        }
    }

    /**
     * Requests of the records answered 429 this session and sent again (as a retry or not); the 429s the client's
     * rate gate waited out within a request are the servers' tallies'.
     */
    long refusedWith429() {
        return refusedWith429.sum();
    }

    /** When {@code record} is sent again at the earliest: the time left can be no shorter. */
    private void dueAgain(InputRecord record, Duration delay) {
        if (delay != null) {
            dueAgain.put(record.seq(), nanoTime.getAsLong() + delay.toNanos());
        }
    }

    /** The request before it was answered (with a failure); the send again itself counts once it goes out. */
    private void sentAgain(InputRecord record, AtomicLong counter, PredictionException cause) {
        long timedOut = cause != null && PredictionException.TIMEOUT.equals(cause.kind()) ? 1 : 0;
        toldAgain.merge(record.seq(), new Told(1, timedOut, counter, cause),
                (was, now) -> new Told(was.answered() + 1, was.timedOut() + timedOut, counter, cause));
    }

    @Override
    public void retrySent(InputRecord record) {
        dueAgain.remove(record.seq());
        Told told = toldAgain.get(record.seq());
        if (told != null) {
            told.lastSentAs().incrementAndGet();
            PredictionException cause = told.lastCause();
            if (told.lastSentAs() == retries && cause != null && cause.kind() != null) {
                retriesByKind.computeIfAbsent(cause.kind(), k -> new LongAdder()).increment();
                if (cause.getMessage() != null) {
                    retryExamples.putIfAbsent(cause.kind(), cause.getMessage());
                }
            }
        }
        if (bar != null) {
            bar.setExtraMessage(extra());
        }
    }

    /** A record stored: its answered attempts are among the kept ones now. Most sessions retry nothing: no lookup. */
    private void stored(InputRecord record) {
        if (!toldAgain.isEmpty()) {
            toldAgain.remove(record.seq());
        }
        if (!dueAgain.isEmpty()) {
            dueAgain.remove(record.seq());
        }
    }

    /**
     * The run stopped before the retry last told was sent: it is no request, nor a retry, and was never counted as
     * one. The failed requests before it stay in {@link #toldAgain}, for the summary to name.
     */
    @Override
    public void retryNotSent(InputRecord record) {
        dueAgain.remove(record.seq());
    }

    /** The bound as told: the total, whether it is learnt, each server's own. */
    private record Bound(int limit, boolean auto, List<ServerLimit> servers) {
    }

    @Override
    public void inFlightLimit(int limit, boolean auto, List<ServerLimit> servers) {
        bound = limit == 0 ? null : new Bound(limit, auto, List.copyOf(servers));
        redrawBarWords();
    }

    @Override
    public void requestsOut(int requests) {
        if (requestsOut == 0 && requests > 0) {
            outSince = nanoTime.getAsLong();
        }
        boolean changed = requestsOut != requests;
        requestsOut = requests;
        if (changed) {
            redrawBarWords();
        }
    }

    /**
     * The bar's words anew, for what is out: they were redrawn only with an outcome, so a server slow to its first
     * answer (a laptop's, minutes) showed a clock ticking over "0 failed, 0 retries" and nothing in flight. Not while
     * the server is away: its own words stand then.
     */
    private void redrawBarWords() {
        ProgressBar b = bar;
        if (b != null && outage == null) {
            b.setExtraMessage(extra());
        }
    }

    /**
     * What is in flight against the bound, what waits for a rate limit and what waits to be sent again; empty before
     * the runner told.
     */
    private String inFlight() {
        Bound b = bound;
        if (b == null) {
            return "";
        }
        // Told as the runner's claiming thread wakes (a tenth of a second apart): an answer stored since is no
        // longer out, so never more than the records left.
        long left = Math.max(0, total - doneBefore - failedBefore - outcomes());
        int out = (int) Math.min(requestsOut, left);
        String words = InFlightWords.of(messages, InFlightWords.PROGRESS, out, b.limit(), b.auto(), b.servers());
        int waiting = waitingForRateLimit;
        if (waiting > 0) {
            // A hold long enough to look like a hang (a budget spent until its reset in an hour) is said, with when.
            long held = rateLimitHoldMs;
            words += held >= SAID_HOLD.toMillis()
                    ? messages.get("msg.progress.rateLimitHold", waiting, Durations.human(held))
                    : messages.get("msg.progress.rateLimitWait", waiting);
        }
        int again = waitingToSendAgain;
        return again == 0 ? words : words + messages.get("msg.progress.sendAgainWait", again);
    }

    @Override
    public void waitingForRateLimit(int requests) {
        waitingForRateLimit = requests;
    }

    @Override
    public void rateLimitHold(Duration left) {
        rateLimitHoldMs = left.toMillis();
    }

    @Override
    public void waitingToSendAgain(int records) {
        waitingToSendAgain = records;
    }

    /**
     * Said only when the run is shared: alone, a session is a worker without anyone needing to know. The session that
     * started or resumed the run said so in its first line, and says here that others have come to work beside it; a
     * session that joined others at work said that in its first line, and says nothing more.
     */
    @Override
    public void joined(Joined joined) {
        Consumer<Joined> first = firstLineAtJoin;
        if (first != null) {
            firstLineAtJoin = null;
            joinSaid = true;
            first.accept(joined);
            return;
        }
        if (joined.othersLive() > 0 && !joinSaid) {
            out.println(messages.get("msg.run.shared", run, joined.othersLive(), joined.worker()));
            out.flush();
        }
    }

    /**
     * The server went away: the bar says so; as lines, the first failure of an outage is printed at once, the later
     * ones as often as progress lines are; with --quiet the first only, as a database away is (why nothing moves).
     */
    @Override
    public void serverUnreachable(ServerOutage now) {
        boolean first = outage == null;
        outage = now;
        // Left out of the ETA's pace as it goes, not only at its end: the pace's window moves on meanwhile, and would
        // drop every count from before the outage (the first ETA after a 34 s one said 3.4 s of a run 29 s from its
        // end). Told again and again during one outage: each tell leaves out only what the last one did not.
        long told = nanoTime.getAsLong();
        recentPace.leaveOut(told - now.lasted().toNanos(), told);
        String lasted = Durations.human(now.lasted().toMillis());
        String limit = Durations.human(now.waitLimit().toMillis());
        if (bar != null) {
            bar.setExtraMessage(messages.get("msg.progress.barUnreachable", lasted, limit));
            // Drawn now, not at the library's next tick: its one drawing thread is shared by every bar of the JVM.
            bar.refresh();
            return;
        }
        synchronized (this) { // beside the ticker's lines (printLineIfDue), and none after close()
            long at = nanoTime.getAsLong();
            if (closed || !(lines || quiet && first) || !first && (everyNanos <= 0 || at - lastPrint < everyNanos)) {
                return;
            }
            lastPrint = at;
            long allDone = doneBefore + done.get() + othersDone;
            out.println(messages.get("msg.progress.unreachable", run, allDone, total,
                    String.format(Locale.ROOT, "%.1f", total == 0 ? 100.0 : allDone * 100.0 / total), lasted, limit,
                    now.reason()));
            out.flush();
        }
    }

    @Override
    public void serverBack(ServerOutage ended) {
        // Left out of the ETA's pace, as a database's wait is: the first line after a 31 s outage said "ETA 18h20m34s"
        // of a run a minute from its end.
        long now = nanoTime.getAsLong();
        recentPace.leaveOut(now - ended.lasted().toNanos(), now);
        boolean said = outage != null;
        outage = null;
        if (bar != null) {
            bar.setExtraMessage(extra());
        } else if (lines || quiet && said) {
            synchronized (this) {
                if (!closed) {
                    out.println(messages.get("msg.progress.back", run, Durations.human(ended.lasted().toMillis())));
                    out.flush();
                }
            }
        }
    }

    /**
     * The database server went away: the counts stand still until it is back, and the bar or the lines say why, as
     * for an inference server that went away; as lines, at once and then as often as progress lines are.
     */
    @Override
    public void databaseUnreachable(DatabaseOutage now) {
        DbAway away = new DbAway(now, nanoTime.getAsLong());
        boolean first = dbAway.getAndSet(away) == null; // two sessions finding it gone at once print one line
        if (bar != null) {
            bar.setExtraMessage(extra());
            bar.refresh();
            return;
        }
        printDbLineIfDue(away, first);
    }

    /** The line of a database away, if one is due (or {@code now}); how long so far counts on from when told. */
    private void printDbLineIfDue(DbAway away, boolean now) {
        synchronized (this) { // beside the ticker's lines, and none after close()
            long at = nanoTime.getAsLong();
            if (closed || !(lines || quiet && now) || !now && (everyNanos <= 0 || at - lastPrint < everyNanos)) {
                return;
            }
            DatabaseOutage o = away.outage();
            if (!now && o.locked() && at - lastPrint < LOCKED_LINE_EVERY) {
                return;
            }
            lastPrint = at;
            long allDone = doneBefore + done.get() + othersDone;
            String percent = String.format(Locale.ROOT, "%.1f", total == 0 ? 100.0 : allDone * 100.0 / total);
            String lasted = Durations.human(o.lasted().toMillis() + (at - away.toldAt()) / 1_000_000);
            out.println(o.locked()
                    ? messages.get(lockedKey(o, false), run, allDone, total, percent, o.server(), lasted)
                    : messages.get("msg.progress.dbUnreachable", run, allDone, total, percent, o.server(), lasted,
                            Durations.human(o.waitLimit().toMillis()), o.reason()));
            out.flush();
        }
    }

    /** The message of a database held, as a line or on the {@code bar}: a SQLite file's writer or fold, a server's lock. */
    private static String lockedKey(DatabaseOutage o, boolean bar) {
        if (o.onServer()) {
            return bar ? "msg.progress.barDbServerLocked" : "msg.progress.dbServerLocked";
        }
        if (o.folding()) {
            return bar ? "msg.progress.barDbFolding" : "msg.progress.dbFolding";
        }
        return bar ? "msg.progress.barDbLocked" : "msg.progress.dbLocked";
    }

    /**
     * The SQLite file's WAL grows without bound behind another connection's read transaction: one line, whatever the
     * mode, --quiet too, since nothing else would say it until the disk is full.
     */
    @Override
    public void databaseLogPinned(String wal, long bytes) {
        synchronized (this) {
            if (!closed) {
                String db = wal.endsWith("-wal") ? wal.substring(0, wal.length() - 4) : wal;
                out.println(messages.get("msg.progress.walPinned", run, wal, Numbers.bytes(bytes), db));
                out.flush();
            }
        }
    }

    /** The run waited for its database: the ETA's pace leaves that time out, as it does a whole outage. */
    @Override
    public void databaseHeldUp(Duration waited) {
        long now = nanoTime.getAsLong();
        recentPace.leaveOut(now - waited.toNanos(), now);
    }

    /** The process was stopped (a laptop's sleep): the ETA's pace leaves that time out, as it does a database's wait. */
    @Override
    public void processPaused(Duration lasted) {
        long now = nanoTime.getAsLong();
        recentPace.leaveOut(now - lasted.toNanos(), now);
    }

    @Override
    public void databaseBack(DatabaseOutage ended) {
        long now = nanoTime.getAsLong();
        recentPace.leaveOut(now - ended.lasted().toNanos(), now);
        boolean said = dbAway.getAndSet(null) != null;
        if (bar != null) {
            bar.setExtraMessage(extra());
        } else if (lines || quiet && said) {
            synchronized (this) {
                if (!closed) {
                    out.println(messages.get(!ended.locked() ? "msg.progress.dbBack"
                                    : ended.onServer() ? "msg.progress.dbServerUnlocked" : "msg.progress.dbUnlocked", run,
                            ended.server(), Durations.human(ended.lasted().toMillis())));
                    out.flush();
                }
            }
        }
    }

    long retries() {
        return retries.get();
    }

    /** Answers of this session that the token limit cut short. */
    long cutShort() {
        return cutShort.sum();
    }

    /** Answers of this session that were the model's refusal. */
    long modelRefusals() {
        return modelRefusals.sum();
    }

    /** Answers of this session whose text is empty (or only whitespace), not being a refusal. */
    long emptyAnswers() {
        return emptyAnswers.sum();
    }

    /** Ends the bar's line, so what is printed next starts on its own. */
    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        synchronized (this) {
            if (closed) {
                // Closed once already: the bar's library draws it again on each close(), and by now the session's
                // last words are below it, which a second drawing would overwrite (the cursor moved up a line).
                return;
            }
            closed = true; // a tick under way prints nothing after the session's last words
        }
        if (bar != null) {
            bar.setExtraMessage(extra());
            bar.close();
        }
    }

    /** What this session did, for the summary; {@code requestsSent} is null when the predictor does not count. */
    SessionTally tally(Long requestsSent) {
        return tally(requestsSent, SessionTally.Beyond.NONE);
    }

    /** What this session did, with the requests it sent beyond its records' attempts. */
    SessionTally tally(Long requestsSent, SessionTally.Beyond beyond) {
        Map<String, Long> kinds = new TreeMap<>();
        failedByKind.forEach((k, v) -> kinds.put(k, v.sum()));
        // A server that sends no usage leaves the tokens unknown, which is not zero.
        return new SessionTally(done.get(), failed.get(), kinds, retries.get(),
                answersWithTokensIn.sum() == 0 ? null : tokensIn.sum(),
                answersWithTokensOut.sum() == 0 ? null : tokensOut.sum(),
                latency.count() == 0 ? null
                        : new SessionTally.Latency(latency.percentile(0.5), latency.percentile(0.95), latency.max()),
                (nanoTime.getAsLong() - started) / 1_000_000, requestsSent, attempts.sum(), failureExamples,
                beyond, new SessionTally.SentAgainAtLimit(sentAgainRateLimited.get(), sentAgainBusy.get()),
                toldAgain.values().stream().mapToLong(t -> t.answered() - t.timedOut()).sum() + failedAtStop.sum(),
                answeredByAnother.sum(), learnt(), new SessionTally.Retried(retriesByKind(), retryExamples),
                new SessionTally.Unanswered(sentAgainWhileAway.get(),
                        noAnswerInTime.sum() + toldAgain.values().stream().mapToLong(Told::timedOut).sum()));
    }

    /** The limit --concurrency auto learnt, as last told; null for a fixed --concurrency. */
    private SessionTally.Learnt learnt() {
        Bound b = bound;
        return b == null || !b.auto() ? null : new SessionTally.Learnt(b.limit(), b.servers());
    }

    private void outcome() {
        long now = nanoTime.getAsLong();
        firstOutcomeAfter.compareAndSet(-1, now - started);
        recentPace.record(now, outcomes());
    }

    /** This session's outcomes and, with several workers, the others' since it began (as of the last cursor). */
    private long outcomes() {
        return done.get() + failed.get() + othersDone + othersFailed;
    }

    private void progressed() {
        if (bar != null) {
            bar.stepTo(doneBefore + failedBefore + done.get() + failed.get() + othersDone + othersFailed);
            // The words (rates through the message bundle) are made at most once per redraw, not once per outcome
            // on the writer's thread: thousands a second, for a drawing four times a second. close() makes them
            // once more for the last drawing.
            long now = nanoTime.getAsLong();
            if (now - barWordsAt >= BAR_REDRAW.toNanos()) {
                barWordsAt = now;
                bar.setExtraMessage(extra());
            }
            return;
        }
        printLineIfDue();
    }

    /**
     * The writer's outcomes and the ticker both print: looked at without a lock (thousands of outcomes a second find
     * no line due), then again under it, so a due line is printed once, and none after {@link #close()}.
     */
    private void printLineIfDue() {
        if (everyNanos <= 0 || nanoTime.getAsLong() - lastPrint < everyNanos) {
            return;
        }
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (closed || now - lastPrint < everyNanos) {
                return;
            }
            lastPrint = now;
            printLine();
        }
    }

    private void printLine() {
        long allDone = doneBefore + done.get() + othersDone;
        long allFailed = failedBefore + failed.get() + othersFailed;
        String eta = eta().map(d -> messages.get("msg.progress.eta", Durations.human(d.toMillis()))).orElse("");
        out.println(messages.get("msg.progress.line", run, allDone, total,
                String.format(Locale.ROOT, "%.1f", total == 0 ? 100.0 : allDone * 100.0 / total), allFailed,
                retries.get(), String.format(Locale.ROOT, "%.1f", rate()), Numbers.compact(tokensPerSecond()),
                refusals() + inFlight() + eta, retryKinds()) + also.get());
        out.flush();
    }

    /**
     * The bar's words after its numbers: this session's rates, failures and retries so far; while the database is
     * away, that it is (whatever else redraws the words meanwhile).
     */
    private String extra() {
        DbAway away = dbAway.get();
        if (away != null) {
            DatabaseOutage o = away.outage();
            if (o.locked()) {
                return messages.get(lockedKey(o, true), o.server(), Durations.human(o.lasted().toMillis()));
            }
            return messages.get("msg.progress.barDbUnreachable", Durations.human(o.lasted().toMillis()),
                    Durations.human(o.waitLimit().toMillis()));
        }
        return messages.get("msg.progress.bar", String.format(Locale.ROOT, "%.1f", rate()),
                Numbers.compact(tokensPerSecond()), failedBefore + failed.get() + othersFailed, retries.get(),
                retryKinds()) + refusals() + inFlight() + also.get();
    }

    /** " (connection 76)" after the count of retries: what they followed, commonest first; empty for none. */
    private String retryKinds() {
        return RetryCauses.kinds(messages, retriesByKind());
    }

    /** This session's retries by the kind of failure each followed. */
    private Map<String, Long> retriesByKind() {
        Map<String, Long> kinds = new TreeMap<>();
        retriesByKind.forEach((k, v) -> kinds.put(k, v.sum()));
        return kinds;
    }

    /**
     * The requests the server turned away this session, while they come: a rate far below what the concurrency
     * promises is explained by them at once, not only in the summary at the end. Those the client's rate gate waited
     * out within a request are the servers' tallies', told in the summary.
     */
    private String refusals() {
        long rateLimited = refusedWith429.sum();
        long busy = turnedAwayAsBusy.sum();
        return (rateLimited == 0 ? "" : messages.get("msg.progress.rateLimited", rateLimited))
                + (busy == 0 ? "" : messages.get("msg.progress.busy", busy));
    }

    /** Shows {@code words} (read at each line or redraw) after the line's and the bar's own numbers. */
    void showAlso(Supplier<String> words) {
        this.also = words;
    }

    private double seconds() {
        return (nanoTime.getAsLong() - started) / 1e9;
    }

    /** Answers per second in this session: a failure is no prediction. */
    private double rate() {
        double s = seconds();
        return s > 0 ? done.get() / s : 0;
    }

    private double tokensPerSecond() {
        double s = seconds();
        return s > 0 ? tokensOut.sum() / s : 0;
    }

    /**
     * Time left at the run's recent pace of outcomes (answers and failures: both leave a record settled), over the
     * last {@link #ETA_WINDOW} or so (the last half of a younger session), its own and, with several workers, the
     * others' (as of the last cursor); empty until that pace means something, and while nothing finished in that
     * time. Early on it does not: while the first requests are in flight nothing finishes, so
     * the rate starts low and climbs (a run of seconds showed an ETA of minutes). The pace counts once the session
     * has {@value #ETA_MIN_OUTCOMES} outcomes, has run {@link #ETA_MIN_TIME} and five times as long as its first
     * outcome took (the time to fill the pipeline then skews it by a fifth at most).
     */
    private Optional<Duration> eta() {
        long outcomes = outcomes();
        long now = nanoTime.getAsLong();
        long elapsed = now - started;
        long first = firstOutcomeAfter.get();
        if (outcomes < ETA_MIN_OUTCOMES || elapsed < ETA_MIN_TIME.toNanos() || first < 0 || elapsed < 5 * first) {
            return Optional.empty();
        }
        double pace = recentPace.perSecond(now, outcomes);
        if (pace <= 0) {
            return Optional.empty();
        }
        long left = Math.max(0, total - doneBefore - failedBefore - outcomes);
        long atPace = (long) (left / pace * 1e9);
        long untilDue = dueAgain.values().stream().mapToLong(due -> due - now).max().orElse(0);
        return Optional.of(Duration.ofNanos(Math.max(atPace, untilDue)));
    }
}
