package dev.stride.app;

import dev.stride.core.Accuracy;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.db.ScoreBook;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Scores a run's answers as they arrive, in {@link CheckpointManager#execute}: whatever starts the session ({@code
 * stride run --label-field}, a program's {@link RunOptions#withScoring}, or a resume of a run that keeps a way). The
 * accuracy so far is kept in memory: the stored scores of the answers before this session, plus each answer of the
 * session scored as it is written (every record is answered once, so nothing counts twice). The scores are stored by
 * a timer thread that calls {@link RunScorer#score} every {@code storeEvery} on its own connection, and once more when
 * the session ends, so the {@code scoreboard} view follows the run while it writes. Each run is scored as
 * {@link #choose} decides: as the options ask, or as the run was scored before when they ask nothing. The book is the
 * caller's: closing this stops the timer and leaves the book open.
 */
final class LiveScoring implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LiveScoring.class.getName());
    /** How often a run stores the scores of its new answers (the accuracy shown is always up to date). */
    static final Duration STORE_EVERY = Duration.ofSeconds(5);

    /** The scorer the options ask for; null when they ask for none. */
    private final RunScorer given;
    private final Map<Long, SessionScoring> chosen = new ConcurrentHashMap<>();
    private final ScoreBook book;
    private final Duration storeEvery;
    private final AtomicLong scored = new AtomicLong();
    private final AtomicLong correct = new AtomicLong();
    private ScheduledExecutorService timer;
    private volatile RunScorer scorer;
    private volatile RunInfo run;

    /**
     * @param given the scorer the session's options ask for, or null: each run is then scored as it was before, if it
     *              was
     */
    LiveScoring(RunScorer given, ScoreBook book, Duration storeEvery) {
        this.given = given;
        this.book = book;
        this.storeEvery = storeEvery;
    }

    /**
     * How a session of {@code run} scores: as the options ask, else the way the run keeps, else as the run's stored
     * scores were made (read once per run, the first time it is asked). The options' way is kept with the run here,
     * before anything is sent: a session stopped before it stored a score leaves the run scored that way all the same.
     */
    SessionScoring choose(RunInfo run) {
        return chosen.computeIfAbsent(run.id(), id -> {
            SessionScoring choice = SessionScoring.of(given, book, id);
            if (given != null && !given.key().equals(book.keptScoring(id).orElse(null))) {
                book.keepScoring(id, given.key());
            }
            return choice;
        });
    }

    /**
     * A session of {@code run} starts: scores (and stores) what the run answered before it, those stored while it
     * was not scored included, and starts storing.
     *
     * @return the listener that scores each answer of the session as it is written
     * @throws IllegalStateException when {@link #choose} scores nothing for the run
     */
    RunListener start(RunInfo run) {
        RunScorer scorer = choose(run).scorer();
        if (scorer == null) {
            throw new IllegalStateException("run " + run.name() + " is not scored");
        }
        stopTimer();
        this.scorer = scorer;
        this.run = run;
        ScoreReport before = scorer.score(book, run);
        scored.set(before.accuracy().scored());
        correct.set(before.accuracy().correct());
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stride-scoring");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::store, storeEvery.toMillis(), storeEvery.toMillis(),
                TimeUnit.MILLISECONDS);
        return new RunListener() {
            @Override
            public void recordDone(InputRecord record, Prediction prediction) {
                scorer.verdict(record.json(), prediction.answer().output()).ifPresent(v -> {
                    if (v.correct()) {
                        correct.incrementAndGet();
                    }
                    scored.incrementAndGet();
                });
            }
        };
    }

    /**
     * A session of {@code run} with nothing left to send: stores the scores of the answers it holds without one (a
     * session killed after its last answers and before their scores were stored, or a way of scoring new to the run),
     * as a session that sends would before its first request.
     *
     * @return the run's report, {@link ScoreReport#newlyScored()} saying what this call stored; null when the run is
     * not scored
     */
    ScoreReport catchUp(RunInfo run) {
        RunScorer chosenScorer = choose(run).scorer();
        return chosenScorer == null ? null : chosenScorer.score(book, run);
    }

    /** The accuracy of the run's answers so far, this session's included; read from any thread. */
    Accuracy soFar() {
        long c = correct.get();
        return Accuracy.wilson(c, Math.max(c, scored.get()));
    }

    /** The session ended: stores what is left and reports on the whole run from the stored scores. */
    ScoreReport finish() {
        stopTimer();
        ScoreReport report = scorer.score(book, run);
        scored.set(report.accuracy().scored());
        correct.set(report.accuracy().correct());
        return report;
    }

    private void store() {
        try {
            scorer.score(book, run);
        } catch (RuntimeException e) {
            // The run goes on; the session's end scores whatever this pass did not store.
            LOG.log(Level.FINE, "scoring pass failed", e);
        }
    }

    private void stopTimer() {
        if (timer != null) {
            timer.shutdown();
            try {
                timer.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            timer = null;
        }
    }

    @Override
    public void close() {
        stopTimer();
    }
}
