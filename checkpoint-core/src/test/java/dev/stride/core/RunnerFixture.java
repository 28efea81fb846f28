package dev.stride.core;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A runner wired to fakes of everything around it: a {@link ManualTime}, an {@link InMemoryLedger}, a
 * {@link ScriptedPredictor} and a listener that remembers what it was told. Each test takes a fresh one.
 */
final class RunnerFixture {
    static final Duration GRACE = Duration.ofSeconds(3);
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    static final Duration BACKOFF_MAX = Duration.ofSeconds(3);
    static final int MAX_RETRIES = 3;

    final ManualTime time = new ManualTime();
    final InMemoryLedger ledger;
    final ScriptedPredictor predictor = new ScriptedPredictor();
    final Events events = new Events();

    /** The ledger stamps its cursors with the fixture's time. */
    private RunnerFixture(Function<Clock, InMemoryLedger> ledger) {
        this.ledger = ledger.apply(time.clock());
    }

    /** {@code count} records {@code {"prompt":"q<seq>"}} with ids {@code r0, r1, ...}. */
    static RunnerFixture withRecords(int count) {
        return new RunnerFixture(clock -> InMemoryLedger.withRecords(clock, count));
    }

    /** Records given as JSON objects, with ids {@code r0, r1, ...}. */
    static RunnerFixture withRecordJson(String... json) {
        return new RunnerFixture(clock -> new InMemoryLedger(clock, List.of(json)));
    }

    static RunnerSettings settings(int concurrency, int saveInterval) {
        return new RunnerSettings(concurrency, saveInterval, MAX_RETRIES, BACKOFF_BASE, BACKOFF_MAX, GRACE, false,
                HEARTBEAT);
    }

    /** As {@link #settings}, with {@code maxRetries} further attempts after a passing failure. */
    static RunnerSettings withRetries(int concurrency, int maxRetries) {
        return new RunnerSettings(concurrency, 10, maxRetries, BACKOFF_BASE, BACKOFF_MAX, GRACE, false, HEARTBEAT);
    }

    /** With {@code maxRetries} further attempts, waiting {@code serverWait} for a server that went away. */
    static RunnerSettings waitingForServer(int concurrency, int maxRetries, Duration serverWait) {
        return new RunnerSettings(concurrency, 10, maxRetries, BACKOFF_BASE, BACKOFF_MAX, GRACE, false, HEARTBEAT,
                serverWait);
    }

    /** As {@link #settings}, waiting {@code serverWait} for a server that went away. */
    static RunnerSettings waitingForServer(int concurrency, Duration serverWait) {
        return new RunnerSettings(concurrency, 10, MAX_RETRIES, BACKOFF_BASE, BACKOFF_MAX, GRACE, false, HEARTBEAT,
                serverWait);
    }

    static RunnerSettings retryingFailed(int concurrency) {
        return new RunnerSettings(concurrency, 10, MAX_RETRIES, BACKOFF_BASE, BACKOFF_MAX, GRACE, true, HEARTBEAT);
    }

    BatchRunner runner(RunnerSettings settings) {
        return runner(settings, predictor);
    }

    BatchRunner runner(RunnerSettings settings, Predictor with) {
        return new BatchRunner(ledger, with, PromptTemplate.parse("{{prompt}}"), settings, events, time);
    }

    /** Starts the runner on the run as the ledger holds it now, on a thread of its own. */
    Session start(BatchRunner runner) {
        CompletableFuture<RunOutcome> result = new CompletableFuture<>();
        RunInfo run = ledger.run();
        Thread thread = new Thread(() -> {
            try {
                result.complete(runner.run(run));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "test-run");
        thread.setDaemon(true);
        thread.start();
        return new Session(runner, result);
    }

    Session start(RunnerSettings settings) {
        return start(runner(settings));
    }

    RunOutcome run(RunnerSettings settings) throws Exception {
        return start(settings).outcome();
    }

    /** A runner at work on a thread of its own. */
    record Session(BatchRunner runner, CompletableFuture<RunOutcome> result) {
        RunOutcome outcome() throws Exception {
            return result.get(Guard.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** What the runner told its listener. */
    static final class Events implements RunListener {
        private final List<Duration> retryDelays = new ArrayList<>();
        private final List<Integer> retryAttempts = new ArrayList<>();
        /** The attempts sent again without spending a retry ({@link RunListener#sentAgainAsBusy}). */
        private final List<Integer> busyAttempts = new ArrayList<>();
        /** The attempts sent again while no server answered ({@link RunListener#sentAgainWhileServerAway}). */
        private final List<Integer> awayAttempts = new ArrayList<>();
        /** Records whose request timed out with no try after it ({@link RunListener#noAnswerInTime}). */
        private final List<String> noAnswerInTime = new ArrayList<>();
        private int retriesSent;
        private int retriesNotSent;
        private final List<Cursor> cursors = new ArrayList<>();
        private final List<ServerOutage> unreachable = new ArrayList<>();
        private final List<ServerOutage> back = new ArrayList<>();
        private final List<Integer> inFlightLimits = new ArrayList<>();
        private final List<List<ServerLimit>> serverLimits = new ArrayList<>();

        @Override
        public synchronized void inFlightLimit(int limit, boolean auto, List<ServerLimit> servers) {
            inFlightLimits.add(limit);
            serverLimits.add(servers);
            notifyAll();
        }

        /** Each limit on requests in flight the runner told, in order. */
        synchronized List<Integer> inFlightLimits() {
            return List.copyOf(inFlightLimits);
        }

        /** The servers' own limits told with each of {@link #inFlightLimits()}, in order. */
        synchronized List<List<ServerLimit>> serverLimits() {
            return List.copyOf(serverLimits);
        }

        private final List<Integer> requestsOut = new ArrayList<>();

        @Override
        public synchronized void requestsOut(int requests) {
            requestsOut.add(requests);
            notifyAll();
        }

        /** Each number of requests out the runner told, in order. */
        synchronized List<Integer> requestsOut() {
            return List.copyOf(requestsOut);
        }

        private int waitingToSendAgain;
        private Duration rateLimitHold;

        @Override
        public synchronized void rateLimitHold(Duration left) {
            rateLimitHold = left;
            notifyAll();
        }

        /** Waits until the runner told that requests waiting for a rate limit are held {@code left}. */
        synchronized void awaitRateLimitHold(Duration left) throws InterruptedException {
            Guard.await(this, () -> left.equals(rateLimitHold), "a rate-limit hold of " + left + " told");
        }

        @Override
        public synchronized void waitingToSendAgain(int records) {
            waitingToSendAgain = records;
            notifyAll();
        }

        /** Waits until the last number of records waiting to be sent again the runner told is {@code n}. */
        synchronized void awaitWaitingToSendAgain(int n) throws InterruptedException {
            Guard.await(this, () -> waitingToSendAgain == n, n + " waiting to be sent again told");
        }

        /** Waits until the last number of requests out the runner told is {@code n}. */
        synchronized void awaitRequestsOut(int n) throws InterruptedException {
            Guard.await(this, () -> !requestsOut.isEmpty() && requestsOut.get(requestsOut.size() - 1) == n,
                    n + " requests out told");
        }

        /** Waits until the runner told {@code n} limits in all. */
        synchronized void awaitLimitsTold(int n) throws InterruptedException {
            Guard.await(this, () -> inFlightLimits.size() >= n, n + " limits told");
        }

        @Override
        public synchronized void retrying(InputRecord record, int attempt, PredictionException cause,
                                          Duration delay) {
            retryAttempts.add(attempt);
            retryDelays.add(delay);
        }

        @Override
        public synchronized void sentAgainAsBusy(InputRecord record, int attempt, PredictionException cause,
                                                 Duration delay) {
            busyAttempts.add(attempt);
            retryDelays.add(delay);
        }

        @Override
        public synchronized void sentAgainWhileServerAway(InputRecord record, int attempt, PredictionException cause,
                                                          Duration delay) {
            awayAttempts.add(attempt);
            retryDelays.add(delay);
        }

        @Override
        public synchronized void noAnswerInTime(InputRecord record, PredictionException cause) {
            noAnswerInTime.add(record.id());
        }

        synchronized List<Integer> awayAttempts() {
            return List.copyOf(awayAttempts);
        }

        synchronized List<String> noAnswerInTime() {
            return List.copyOf(noAnswerInTime);
        }

        @Override
        public synchronized void retrySent(InputRecord record) {
            retriesSent++;
        }

        @Override
        public synchronized void retryNotSent(InputRecord record) {
            retriesNotSent++;
        }

        /** Retries told as never sent: the run stopped first. */
        synchronized int retriesNotSent() {
            return retriesNotSent;
        }

        /** Retries told as having reached a server. */
        synchronized int retriesSent() {
            return retriesSent;
        }

        @Override
        public synchronized void cursorSaved(Cursor cursor) {
            cursors.add(cursor);
        }

        @Override
        public synchronized void serverUnreachable(ServerOutage outage) {
            unreachable.add(outage);
        }

        @Override
        public synchronized void serverBack(ServerOutage outage) {
            back.add(outage);
        }

        /** Each time a request found no server during an outage. */
        synchronized List<ServerOutage> unreachable() {
            return List.copyOf(unreachable);
        }

        /** Each outage that ended with an answer. */
        synchronized List<ServerOutage> back() {
            return List.copyOf(back);
        }

        synchronized List<Duration> retryDelays() {
            return List.copyOf(retryDelays);
        }

        synchronized List<Integer> retryAttempts() {
            return List.copyOf(retryAttempts);
        }

        synchronized List<Integer> busyAttempts() {
            return List.copyOf(busyAttempts);
        }

        synchronized List<Cursor> cursors() {
            return List.copyOf(cursors);
        }
    }
}
