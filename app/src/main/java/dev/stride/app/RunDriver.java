package dev.stride.app;

import dev.stride.client.BaseUrl;
import dev.stride.core.BatchRunner;
import dev.stride.core.GenerationParams;
import dev.stride.core.Predictor;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RunInfo;
import dev.stride.core.RunLedger;
import dev.stride.core.RunListener;
import dev.stride.core.RunOutcome;
import dev.stride.core.RunnerSettings;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Drives one stored run to its end (or a stop) through a predictor made for it. */
final class RunDriver {
    private static final Duration BACKOFF_MAX = Duration.ofSeconds(30);
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);

    private final RunLedger ledger;
    private final PredictorFactory predictors;
    private final Consumer<String> httpLog;

    /** @param httpLog where a line per request and response goes ({@code -v}); null for none */
    RunDriver(RunLedger ledger, PredictorFactory predictors, Consumer<String> httpLog) {
        this.ledger = ledger;
        this.predictors = predictors;
        this.httpLog = httpLog;
    }

    /**
     * The URLs requests go to: the given ones, secrets and all (the store holds them masked, as {@code run} does);
     * else the stored ones, unless a secret was masked out of them, which only the user can give again.
     */
    static List<String> servers(RunInfo run, RunOptions o) {
        if (!o.baseUrls().isEmpty()) {
            return o.baseUrls();
        }
        for (String url : run.baseUrls()) {
            if (url.contains(BaseUrl.MASK)) {
                throw AppPhrase.invalid("run.baseUrlMasked", run.name(), url);
            }
        }
        return run.baseUrls();
    }

    /** A session of {@code run}: its records sent until none is left or a stop; how it ended, and each server. */
    Session drive(RunInfo run, RunOptions o, RunListener listener, StopSwitch stop) {
        RunnerSettings settings = new RunnerSettings(o.concurrency(), o.saveInterval(), o.retries(), o.backoffBase(),
                BACKOFF_MAX, o.grace(), o.retryFailed(), HEARTBEAT, o.serverWait(), o.lease());
        GenerationParams params = GenerationParams.fromJson(run.paramsJson());
        // The session's rules over the run's: a resume that gives none goes on taking answers as the run did.
        OutputRules rules = o.output().over(OutputRules.keptBy(run));
        PredictorFactory.ServerCall call = new PredictorFactory.ServerCall(run.model(), servers(run, o), o.apiKey(),
                params, o.timeout(), o.concurrency(), o.stream(), o.keepRaw(), httpLog, o.headers(),
                o.autoConcurrency(), o.rateLimits());
        Predictor served = predictors.create(call);
        OutputChecks checks = rules.any() ? new OutputChecks(served, rules) : null;
        try (Predictor predictor = checks != null ? checks : served) {
            // The store's clock, not this machine's: on PostgreSQL a failure's time is compared with a rerun's start
            // the server's clock gave (workers.retry_since), and a skew between the two re-asked or skipped failures.
            BatchRunner runner = new BatchRunner(ledger, predictor, PromptTemplate.parse(run.template()), settings,
                    listener, ledger.clock());
            stop.attach(runner);
            try {
                RunOutcome outcome = runner.run(run);
                HttpPredictor http = served instanceof HttpPredictor h ? h : null;
                return new Session(run, outcome, http == null ? List.of() : http.tallies(),
                        checks == null ? 0 : checks.reasked(), http == null ? 0 : http.stoppedTheRun(), false);
            } finally {
                stop.detach();
            }
        }
    }
}
