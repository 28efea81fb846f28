package dev.stride.cli;

import dev.stride.core.BatchRunner;
import dev.stride.core.CheckpointStore;
import dev.stride.core.Cursor;
import dev.stride.core.FailedPrediction;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputRecord;
import dev.stride.core.Prediction;
import dev.stride.core.PredictionException;
import dev.stride.core.Predictor;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RunInfo;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunnerSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicLong;

/** Drives one stored run to its end (or a stop) through a predictor made for it. */
final class RunDriver {
    private static final Duration BACKOFF_MAX = Duration.ofSeconds(30);
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);

    private final CheckpointStore store;
    private final PredictorFactory predictors;
    private final Consumer<String> httpLog;

    RunDriver(CheckpointStore store, PredictorFactory predictors) {
        this(store, predictors, null);
    }

    /** @param httpLog where a line per request and response goes ({@code -v}); null for none */
    RunDriver(CheckpointStore store, PredictorFactory predictors, Consumer<String> httpLog) {
        this.store = store;
        this.predictors = predictors;
        this.httpLog = httpLog;
    }

    /** How a session went: the runner's outcome, and how each server fared. */
    record Driven(RunOutcome outcome, List<ServerTally> servers) {
    }

    Driven drive(RunInfo run, RunOptions o, RunListener listener, StopSwitch stop) {
        RunnerSettings settings = new RunnerSettings(o.concurrency(), o.saveInterval(), o.retries(), o.backoffBase(),
                BACKOFF_MAX, o.grace(), o.retryFailed(), HEARTBEAT);
        GenerationParams params = GenerationParams.fromJson(run.paramsJson());
        PredictorFactory.ServerCall call = new PredictorFactory.ServerCall(run.model(), run.baseUrls(), o.apiKey(),
                params, o.timeout(), o.concurrency(), o.stream(), o.keepRaw(), httpLog);
        Predictor served = predictors.create(call);
        try (Predictor predictor = o.output().any() ? new OutputChecks(served, o.output()) : served) {
            RunListener watching = o.stopAfter() == null ? listener
                    : new StopAfter(listener, o.stopAfter(), stop::requestStop);
            BatchRunner runner = new BatchRunner(store, predictor, PromptTemplate.parse(run.template()), settings,
                    watching, Clock.systemUTC());
            stop.attach(runner);
            try {
                RunOutcome outcome = runner.run(run);
                List<ServerTally> tallies = served instanceof HttpPredictor http ? http.tallies() : List.of();
                return new Driven(outcome, tallies);
            } finally {
                stop.detach();
            }
        }
    }

    /** Passes everything on, and asks for a graceful stop once {@code limit} outcomes were stored. */
    private static final class StopAfter implements RunListener {
        private final RunListener next;
        private final long limit;
        private final Runnable stop;
        private final AtomicLong outcomes = new AtomicLong();

        StopAfter(RunListener next, long limit, Runnable stop) {
            this.next = next;
            this.limit = limit;
            this.stop = stop;
        }

        @Override
        public void recordDone(InputRecord record, Prediction prediction) {
            next.recordDone(record, prediction);
            counted();
        }

        @Override
        public void recordFailed(InputRecord record, FailedPrediction failure) {
            next.recordFailed(record, failure);
            counted();
        }

        @Override
        public void retrying(InputRecord record, int attempt, PredictionException cause, Duration delay) {
            next.retrying(record, attempt, cause, delay);
        }

        @Override
        public void cursorSaved(Cursor cursor) {
            next.cursorSaved(cursor);
        }

        private void counted() {
            if (outcomes.incrementAndGet() == limit) {
                stop.run();
            }
        }
    }
}
