package dev.stride.cli;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of one run, as {@code stride run} takes them from its options and a program from
 * {@link CheckpointManager}. A null model, base URL, template or generation parameter means "the stored one" when a
 * run is resumed, and the default when one starts.
 *
 * @param run         the run's name; null for the model's name
 * @param apiKey      the key itself (never stored); null for none
 * @param backoffBase the first retry waits up to this long, each next one up to twice as long
 * @param stopAfter   stop as Ctrl+C would once this many outcomes are stored in this session; null for no limit
 */
public record RunOptions(
        String model,
        String baseUrl,
        String run,
        String template,
        String idField,
        int saveInterval,
        int concurrency,
        Integer maxTokens,
        Double temperature,
        String apiKey,
        int retries,
        Duration timeout,
        boolean retryFailed,
        Duration grace,
        Duration backoffBase,
        Long stopAfter) {

    public static final String DEFAULT_TEMPLATE = "{{prompt}}";

    public RunOptions {
        Objects.requireNonNull(idField, "idField");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(backoffBase, "backoffBase");
    }

    /** The defaults of {@code stride run}, for the given model and server. */
    public static RunOptions of(String model, String baseUrl) {
        return new RunOptions(model, baseUrl, null, null, "id", 10, 8, null, null, null, 5, Duration.ofMinutes(10),
                false, Duration.ofSeconds(3), Duration.ofMillis(500), null);
    }

    /** The name the run is stored under: the run's, else the model's. */
    public String runName() {
        return run != null ? run : model;
    }

    public RunOptions withRun(String name) {
        return new RunOptions(model, baseUrl, name, template, idField, saveInterval, concurrency, maxTokens,
                temperature, apiKey, retries, timeout, retryFailed, grace, backoffBase, stopAfter);
    }

    public RunOptions withTemplate(String text) {
        return new RunOptions(model, baseUrl, run, text, idField, saveInterval, concurrency, maxTokens, temperature,
                apiKey, retries, timeout, retryFailed, grace, backoffBase, stopAfter);
    }

    public RunOptions withIdField(String field) {
        return new RunOptions(model, baseUrl, run, template, field, saveInterval, concurrency, maxTokens,
                temperature, apiKey, retries, timeout, retryFailed, grace, backoffBase, stopAfter);
    }

    public RunOptions withSaveInterval(int n) {
        return new RunOptions(model, baseUrl, run, template, idField, n, concurrency, maxTokens, temperature, apiKey,
                retries, timeout, retryFailed, grace, backoffBase, stopAfter);
    }

    public RunOptions withConcurrency(int n) {
        return new RunOptions(model, baseUrl, run, template, idField, saveInterval, n, maxTokens, temperature,
                apiKey, retries, timeout, retryFailed, grace, backoffBase, stopAfter);
    }

    public RunOptions withGeneration(Integer maxTokensOrNull, Double temperatureOrNull) {
        return new RunOptions(model, baseUrl, run, template, idField, saveInterval, concurrency, maxTokensOrNull,
                temperatureOrNull, apiKey, retries, timeout, retryFailed, grace, backoffBase, stopAfter);
    }

    public RunOptions withApiKey(String key) {
        return new RunOptions(model, baseUrl, run, template, idField, saveInterval, concurrency, maxTokens,
                temperature, key, retries, timeout, retryFailed, grace, backoffBase, stopAfter);
    }

    public RunOptions withRetries(int n, Duration firstBackoff) {
        return new RunOptions(model, baseUrl, run, template, idField, saveInterval, concurrency, maxTokens,
                temperature, apiKey, n, timeout, retryFailed, grace, firstBackoff, stopAfter);
    }

    public RunOptions withTimeout(Duration perRequest) {
        return new RunOptions(model, baseUrl, run, template, idField, saveInterval, concurrency, maxTokens,
                temperature, apiKey, retries, perRequest, retryFailed, grace, backoffBase, stopAfter);
    }

    public RunOptions withRetryFailed(boolean redo) {
        return new RunOptions(model, baseUrl, run, template, idField, saveInterval, concurrency, maxTokens,
                temperature, apiKey, retries, timeout, redo, grace, backoffBase, stopAfter);
    }

    public RunOptions withGrace(Duration d) {
        return new RunOptions(model, baseUrl, run, template, idField, saveInterval, concurrency, maxTokens,
                temperature, apiKey, retries, timeout, retryFailed, d, backoffBase, stopAfter);
    }

    public RunOptions withStopAfter(Long outcomes) {
        return new RunOptions(model, baseUrl, run, template, idField, saveInterval, concurrency, maxTokens,
                temperature, apiKey, retries, timeout, retryFailed, grace, backoffBase, outcomes);
    }

    /** @throws UserError naming the first setting out of range */
    void check() {
        if (concurrency < 1 || concurrency > 4096) {
            throw UserError.usage("--concurrency must be between 1 and 4096, got " + concurrency);
        }
        if (saveInterval < 1) {
            throw UserError.usage("--save-interval must be at least 1, got " + saveInterval);
        }
        if (retries < 0) {
            throw UserError.usage("--retries must not be negative, got " + retries);
        }
        if (maxTokens != null && maxTokens < 1) {
            throw UserError.usage("--max-tokens must be at least 1, got " + maxTokens);
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw UserError.usage("--timeout must be longer than 0");
        }
        if (stopAfter != null && stopAfter < 1) {
            throw UserError.usage("--stop-after must be at least 1, got " + stopAfter);
        }
    }

    /** The key never shows: options end up in logs and error reports. */
    @Override
    public String toString() {
        return "RunOptions[model=" + model + ", baseUrl=" + baseUrl + ", run=" + run + ", template=" + template
                + ", saveInterval=" + saveInterval + ", concurrency=" + concurrency + ", maxTokens=" + maxTokens
                + ", temperature=" + temperature + ", apiKey=" + (apiKey == null ? "none" : "***") + ", retries="
                + retries + ", timeout=" + timeout + ", retryFailed=" + retryFailed + "]";
    }
}
