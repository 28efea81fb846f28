package dev.stride.core;

import java.time.Duration;
import java.util.List;

/** What the runner tells whoever watches it. Called from worker and writer threads; keep implementations quick. */
public interface RunListener {

    /** The session joined its run as a worker; {@code othersLive} &gt; 0 when it shares the run with others. */
    default void joined(Joined joined) {
    }

    default void recordDone(InputRecord record, Prediction prediction) {
    }

    default void recordFailed(InputRecord record, FailedPrediction failure) {
    }

    /**
     * The record's outcome was not stored: another worker stored an answer to it first (it took the record over
     * while this one's lease had lapsed, say). Its {@code attempts} requests were paid for and are redundant, and the
     * record is not asked again.
     */
    default void answeredByAnother(InputRecord record, int attempts) {
    }

    /**
     * The record is tried again after {@code delay}: told before the wait; {@link #retrySent} follows once the retry
     * reached a server, {@link #retryNotSent} when it never will.
     *
     * @param attempt the record's requests so far, as its stored {@link Timing#attempts()} counts them (re-asks by
     *                the predictor included)
     */
    default void retrying(InputRecord record, int attempt, PredictionException cause, Duration delay) {
    }

    /**
     * As {@link #retrying}, for a request a server refused as one too many at once (429, 503) under a learnt limit
     * ({@code --concurrency auto}) that backed off for it, or with a 429 while other requests were answered (a
     * budget the run shares): it is sent again without spending one of the record's retries. It still counts in the
     * record's attempts.
     */
    default void sentAgainAsBusy(InputRecord record, int attempt, PredictionException cause, Duration delay) {
        retrying(record, attempt, cause, delay);
    }

    /**
     * As {@link #retrying}, for a request that got no answer while no server answered any (a server gone or hung): the
     * record is sent again once the wait for the server allows, without spending one of its retries, and that request
     * is also how the run learns whether the server is back. It still counts in the record's attempts.
     */
    default void sentAgainWhileServerAway(InputRecord record, int attempt, PredictionException cause,
                                          Duration delay) {
        retrying(record, attempt, cause, delay);
    }

    /**
     * A request of {@code record} reached a server and got no answer within the timeout, and the record is not sent
     * again in this session (the run stops): it stays pending, and its request was neither answered nor in flight at
     * the stop. Not told for a timeout followed by a retry, nor for one the record is stored with.
     */
    default void noAnswerInTime(InputRecord record, PredictionException cause) {
    }

    /**
     * A request of {@code record} that reached a server came back with a failure (an error status, a dropped
     * connection) as the run stopped, and the record is not tried again in this session: it had no answer to save,
     * so it is not taken for one whose answer the stop threw away.
     */
    default void failedAtStop(InputRecord record, PredictionException cause) {
    }

    /**
     * The retry last told by {@link #retrying} (or {@link #sentAgainAsBusy}) for this record was never sent: the run stopped while it waited. The
     * record is left pending (not stored), for the next session.
     */
    default void retryNotSent(InputRecord record) {
    }

    /**
     * The retry last told by {@link #retrying} (or {@link #sentAgainAsBusy}) for this record reached a server: a
     * request more that the server received. Not told for a try that found no server (a refused connection).
     */
    default void retrySent(InputRecord record) {
    }

    default void cursorSaved(Cursor cursor) {
    }

    /**
     * A server that answered earlier in this session could not be reached again: told at each request that finds none,
     * while the run waits (up to {@link ServerOutage#waitLimit()}) for one to answer. No record is charged for it.
     */
    default void serverUnreachable(ServerOutage outage) {
    }

    /** A server answered again after an outage; {@code outage} says how long it lasted. */
    default void serverBack(ServerOutage outage) {
    }

    /**
     * The database server could not be reached: told at each try to reach it again (a second or two apart), while the
     * store waits for it (up to {@link DatabaseOutage#waitLimit()}). Outcomes are not stored meanwhile, so the counts
     * stand still. Told from the thread that waits, which holds the store's session: keep it quick. Also told of a
     * SQLite file whose write lock another connection holds ({@link DatabaseOutage#locked()}), each second or so
     * while the store waits for it, for as long as it is held, and of a lock on a PostgreSQL server's table that
     * another session holds ({@link DatabaseOutage#onServer()}), every few seconds.
     */
    default void databaseUnreachable(DatabaseOutage outage) {
    }

    /**
     * The database server answered again after an outage (or the locked file was let go); {@code outage} says how long
     * it lasted.
     */
    default void databaseBack(DatabaseOutage outage) {
    }

    /**
     * A write to the database just returned after {@code waited}, past {@link #HELD_UP}: it waited for the database
     * (another connection's lock on a SQLite file, a PostgreSQL server away), and no outcome was stored meanwhile.
     * Told from the writer's thread, before the outcomes that write stored. That time is no measure of the run's
     * pace.
     */
    default void databaseHeldUp(Duration waited) {
    }

    /**
     * This process did not run for {@code lasted}, which ended now: it was stopped (SIGSTOP, Ctrl+Z, a laptop's lid
     * closed) or starved of the processor. Nothing was sent or stored meanwhile, so a pace should leave that time out.
     * Told from the writer's thread.
     */
    default void processPaused(Duration lasted) {
    }

    /** How late a wait of the writer's must end before the process is taken to have been paused. */
    Duration PAUSED = Duration.ofSeconds(2);

    /**
     * The SQLite file's write-ahead log {@code wal} has grown to {@code bytes} because a checkpoint could not fold it
     * into the database: another connection keeps a read transaction open on an old snapshot (a sqlite3 shell left
     * after {@code BEGIN; SELECT ...}). Nothing is lost, but the log grows with every answer until that transaction
     * ends. Told once past a size, and again each time it has doubled since. Told from the writer's thread.
     */
    default void databaseLogPinned(String wal, long bytes) {
    }

    /**
     * The time from which a write is taken to have waited for the database: a commit takes milliseconds, a sync on a
     * slow disk a few hundred.
     */
    Duration HELD_UP = Duration.ofSeconds(1);

    /**
     * The runner's bound on requests in flight: told once at the start and, with {@code --concurrency auto}, each
     * time it or a server's own limit changes.
     *
     * @param servers with a learnt limit and several servers, each one's ({@link Predictor#serverLimits()}); else
     *                empty
     */
    default void inFlightLimit(int limit, boolean auto, List<ServerLimit> servers) {
    }

    /**
     * Requests out now: records the request threads hold, less those held back for a rate limit and those sleeping
     * before they are sent again (so never more than the bound, nor than the records left). Told when it changes, as
     * the runner's claiming thread wakes; the bound itself is {@link #inFlightLimit}.
     */
    default void requestsOut(int requests) {
    }

    /**
     * Requests held back before they are sent, to keep within a server's rate limit ({@code --rpm}, {@code --tpm},
     * its headers or a 429): told when the number changes, as the runner waits for a free slot; 0 once none is.
     */
    default void waitingForRateLimit(int requests) {
    }

    /**
     * While requests wait for a rate limit, how long a server's word still holds them (a budget it said was spent,
     * until its reset; zero when only the pace does): told as the runner's claiming thread wakes.
     */
    default void rateLimitHold(Duration left) {
    }

    /**
     * Records sleeping out a backoff before they are sent again (a retry, or a refusal as busy waiting its turn): told
     * when the number changes, as the runner's claiming thread wakes; 0 once none is.
     */
    default void waitingToSendAgain(int records) {
    }

    RunListener NONE = new RunListener() {
    };
}
