package dev.stride.app;

import dev.stride.client.BaseUrl;
import dev.stride.client.RateLimits;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputReaders;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.Metric;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RunnerSettings;
import dev.stride.core.Scorer;
import dev.stride.core.Shard;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * The settings of one run, as {@code stride run} takes them from its options and a program gives them to
 * {@link CheckpointManager}. A null model, template or generation field, or no base URL, means "the stored one" when a
 * run is resumed, and the default when one starts.
 *
 * @param baseUrls    the servers' OpenAI-compatible bases (Ollama's root for its native API); empty for the stored
 * @param run         the run's name; null for the model's name
 * @param generation  endpoint, system message and generation parameters; unset fields keep the stored ones
 * @param apiKey      the key itself (never stored); null for none
 * @param backoffBase the first retry waits up to this long, each next one up to twice as long
 * @param stream      ask for streamed answers, accumulated into the same stored result
 * @param keepRaw     also store each response body as received
 * @param output      what is extracted from or required of every answer ({@code --extract}, {@code --json-output})
 * @param serverWait  how long to wait for a server that answered earlier in the session and then cannot be reached,
 *                    before the run stops with its records pending ({@code --wait-for-server}); zero stops at once
 * @param headers     sent on every request, by name ({@code --header}); like the key, their values are never stored
 * @param shard       the shard of the input a new run takes ({@code --shard I/N}); null for all of it, or, on a
 *                    resume, for the stored one
 * @param lease       how long this worker's claims outlive its last renewal ({@code --lease}): a worker that dies
 *                    loses them to the others after this
 * @param autoConcurrency requests in flight follow what each server takes, learnt from its answers
 *                    ({@code --concurrency auto}); {@code concurrency} is then the most they reach
 * @param rateLimits  requests and tokens per minute to each server ({@code --rpm}, {@code --tpm}); a session
 *                    setting, never stored; {@link RateLimits#NONE} follows the server's headers alone
 * @param labelField  the field of each record holding its label, against which every answer is scored as it arrives
 *                    ({@code --label-field}); null for none: a run is then scored the way it keeps, if any
 * @param metric      how an answer is scored against its label ({@code --metric}, e.g. {@code choice}); null for
 *                    {@link Metric#DEFAULT}; the regex metric takes the {@code output}'s expression
 */
public record RunOptions(
        String model,
        List<String> baseUrls,
        String run,
        String template,
        String idField,
        int saveInterval,
        int concurrency,
        GenerationParams generation,
        String apiKey,
        int retries,
        Duration timeout,
        boolean retryFailed,
        Duration grace,
        Duration backoffBase,
        boolean stream,
        boolean keepRaw,
        OutputRules output,
        Duration serverWait,
        Map<String, String> headers,
        Shard shard,
        Duration lease,
        boolean autoConcurrency,
        RateLimits rateLimits,
        String labelField,
        String metric) {

    public static final String DEFAULT_TEMPLATE = "{{prompt}}";
    /** The most requests in flight a run takes, fixed or learnt ({@code --concurrency}, {@code --max-concurrency}). */
    public static final int MAX_CONCURRENCY = 4096;
    /** The shortest {@code --lease}: see {@link #check()}. */
    public static final Duration MIN_LEASE = Duration.ofSeconds(1);
    /**
     * The longest of a run's durations ({@code --timeout}, {@code --grace}, {@code --wait-for-server},
     * {@code --lease}). A request's deadline must fit OkHttp's call timeout (an int of milliseconds, under 25 days),
     * and a lease is added to the clock: a day is past any answer, stop or outage worth waiting for, and well inside
     * both.
     */
    public static final Duration MAX_DURATION = Duration.ofHours(24);

    public RunOptions {
        baseUrls = baseUrls == null ? List.of() : List.copyOf(baseUrls);
        generation = generation == null ? GenerationParams.none() : generation;
        output = output == null ? OutputRules.NONE : output;
        serverWait = serverWait == null ? RunnerSettings.DEFAULT_SERVER_WAIT : serverWait;
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        lease = lease == null ? RunnerSettings.DEFAULT_LEASE : lease;
        rateLimits = rateLimits == null ? RateLimits.NONE : rateLimits;
        Objects.requireNonNull(idField, "idField");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(backoffBase, "backoffBase");
    }

    /** Options that score no answer as it arrives, unless the run keeps a way to ({@link #withScoring}). */
    public RunOptions(String model, List<String> baseUrls, String run, String template, String idField,
                      int saveInterval, int concurrency, GenerationParams generation, String apiKey, int retries,
                      Duration timeout, boolean retryFailed, Duration grace, Duration backoffBase, boolean stream,
                      boolean keepRaw, OutputRules output, Duration serverWait, Map<String, String> headers,
                      Shard shard, Duration lease, boolean autoConcurrency, RateLimits rateLimits) {
        this(model, baseUrls, run, template, idField, saveInterval, concurrency, generation, apiKey, retries, timeout,
                retryFailed, grace, backoffBase, stream, keepRaw, output, serverWait, headers, shard, lease,
                autoConcurrency, rateLimits, null, null);
    }

    /** Options at a fixed concurrency, without a rate limit of the user's ({@link RateLimits#NONE}). */
    public RunOptions(String model, List<String> baseUrls, String run, String template, String idField,
                      int saveInterval, int concurrency, GenerationParams generation, String apiKey, int retries,
                      Duration timeout, boolean retryFailed, Duration grace, Duration backoffBase, boolean stream,
                      boolean keepRaw, OutputRules output, Duration serverWait, Map<String, String> headers,
                      Shard shard, Duration lease) {
        this(model, baseUrls, run, template, idField, saveInterval, concurrency, generation, apiKey, retries, timeout,
                retryFailed, grace, backoffBase, stream, keepRaw, output, serverWait, headers, shard, lease, false,
                RateLimits.NONE);
    }

    /** Options over the whole input (or, on a resume, the stored shard) with the {@link RunnerSettings#DEFAULT_LEASE}. */
    public RunOptions(String model, List<String> baseUrls, String run, String template, String idField,
                      int saveInterval, int concurrency, GenerationParams generation, String apiKey, int retries,
                      Duration timeout, boolean retryFailed, Duration grace, Duration backoffBase, boolean stream,
                      boolean keepRaw, OutputRules output, Duration serverWait, Map<String, String> headers) {
        this(model, baseUrls, run, template, idField, saveInterval, concurrency, generation, apiKey, retries, timeout,
                retryFailed, grace, backoffBase, stream, keepRaw, output, serverWait, headers, null, null);
    }

    /** Options that send no extra header. */
    public RunOptions(String model, List<String> baseUrls, String run, String template, String idField,
                      int saveInterval, int concurrency, GenerationParams generation, String apiKey, int retries,
                      Duration timeout, boolean retryFailed, Duration grace, Duration backoffBase, boolean stream,
                      boolean keepRaw, OutputRules output, Duration serverWait) {
        this(model, baseUrls, run, template, idField, saveInterval, concurrency, generation, apiKey, retries, timeout,
                retryFailed, grace, backoffBase, stream, keepRaw, output, serverWait, Map.of());
    }

    /** Options that wait {@link RunnerSettings#DEFAULT_SERVER_WAIT} for a server that went away. */
    public RunOptions(String model, List<String> baseUrls, String run, String template, String idField,
                      int saveInterval, int concurrency, GenerationParams generation, String apiKey, int retries,
                      Duration timeout, boolean retryFailed, Duration grace, Duration backoffBase, boolean stream,
                      boolean keepRaw, OutputRules output) {
        this(model, baseUrls, run, template, idField, saveInterval, concurrency, generation, apiKey, retries, timeout,
                retryFailed, grace, backoffBase, stream, keepRaw, output, RunnerSettings.DEFAULT_SERVER_WAIT);
    }

    /** The defaults of {@code stride run}, for the given model and server (either may be null on a resume). */
    public static RunOptions of(String model, String baseUrl) {
        return new RunOptions(model, baseUrl == null ? List.of() : List.of(baseUrl), null, null, InputReaders.DEFAULT_ID_FIELD, 10, 8,
                GenerationParams.none(), null, 5, Duration.ofMinutes(10), false, Duration.ofSeconds(3),
                Duration.ofMillis(500), false, false, OutputRules.NONE, RunnerSettings.DEFAULT_SERVER_WAIT);
    }

    /** The name the run is stored under: the run's, else the model's. */
    public String runName() {
        return run != null ? run : model;
    }

    /** Several servers for one model: each request goes to the one with the fewest in flight. */
    public RunOptions withBaseUrls(List<String> urls) {
        return with(b -> b.baseUrls = List.copyOf(urls));
    }

    /** Stores the run under this name instead of the model's. */
    public RunOptions withRun(String name) {
        return with(b -> b.run = name);
    }

    /** The user message, with {@code {{field}}} placeholders. */
    public RunOptions withTemplate(String text) {
        return with(b -> b.template = text);
    }

    /** The field that identifies a record. */
    public RunOptions withIdField(String field) {
        return with(b -> b.idField = field);
    }

    /** Completions between two durable cursor commits. */
    public RunOptions withSaveInterval(int n) {
        return with(b -> b.saveInterval = n);
    }

    /** Requests in flight at most. */
    public RunOptions withConcurrency(int n) {
        return with(b -> {
            b.concurrency = n;
            b.autoConcurrency = false;
        });
    }

    /** Requests in flight follow what each server takes, up to {@code max} ({@code --concurrency auto}). */
    public RunOptions withAutoConcurrency(int max) {
        return with(b -> {
            b.concurrency = max;
            b.autoConcurrency = true;
        });
    }

    /** Endpoint, system message and generation parameters; unset fields keep a resumed run's stored ones. */
    public RunOptions withGeneration(GenerationParams params) {
        return with(b -> b.generation = params);
    }

    /** The API key itself; it is never stored. */
    public RunOptions withApiKey(String key) {
        return with(b -> b.apiKey = key);
    }

    /** Headers sent on every request, by name; their values are secrets, never stored or shown. */
    public RunOptions withHeaders(Map<String, String> byName) {
        return with(b -> b.headers = byName);
    }

    /** The base URLs as they may be stored and shown: their secrets masked ({@link BaseUrl#shown()}). */
    public List<String> shownBaseUrls() {
        return baseUrls.stream().map(u -> BaseUrl.problem(u).isPresent() ? BaseUrl.redact(u)
                : BaseUrl.parse(u).shown()).toList();
    }

    /** Further attempts after a passing failure, the first after up to {@code firstBackoff}. */
    public RunOptions withRetries(int n, Duration firstBackoff) {
        return with(b -> {
            b.retries = n;
            b.backoffBase = firstBackoff;
        });
    }

    /** Longest time one request may take, body included. */
    public RunOptions withTimeout(Duration perRequest) {
        return with(b -> b.timeout = perRequest);
    }

    /** Also redo the records stored as failed. */
    public RunOptions withRetryFailed(boolean redo) {
        return with(b -> b.retryFailed = redo);
    }

    /** On a stop, how long requests in flight may still finish. */
    public RunOptions withGrace(Duration d) {
        return with(b -> b.grace = d);
    }

    /** Ask for streamed answers (SSE, or NDJSON for Ollama), stored as one. */
    public RunOptions withStream(boolean on) {
        return with(b -> b.stream = on);
    }

    /** Also keep each response body as received. */
    public RunOptions withKeepRaw(boolean on) {
        return with(b -> b.keepRaw = on);
    }

    /** What is extracted from or required of every answer. */
    public RunOptions withOutput(OutputRules rules) {
        return with(b -> b.output = rules);
    }

    /**
     * How long to wait for a server that answered earlier and then cannot be reached, before the run stops with its
     * records pending; zero stops at once. A run whose server never answered stops at once whatever this says.
     */
    public RunOptions withServerWait(Duration wait) {
        return with(b -> b.serverWait = wait);
    }

    /** Takes only the records of this shard of the input; null for all of them. */
    public RunOptions withShard(Shard part) {
        return with(b -> b.shard = part);
    }

    /** How long this worker's claims outlive its last renewal; a dead worker's are taken by others after this. */
    public RunOptions withLease(Duration lease) {
        return with(b -> b.lease = lease);
    }

    /** At most these requests and tokens per minute to each server ({@code --rpm}, {@code --tpm}). */
    public RunOptions withRateLimits(RateLimits limits) {
        return with(b -> b.rateLimits = limits);
    }

    /**
     * Scores every answer as it arrives against the record's {@code labelField}, by {@code metric} (null for
     * {@link Metric#DEFAULT}), as {@code stride run --label-field FIELD --metric M} does: the scoreboard follows the
     * run, and the run keeps the way, so a later session told nothing goes on scoring it so.
     */
    public RunOptions withScoring(String labelField, String metric) {
        return with(b -> {
            b.labelField = labelField;
            b.metric = metric;
        });
    }

    /**
     * The scorer these options ask for; null when they ask for none. The regex metric takes the output's
     * {@code --extract} expression, the one that also fills the {@code extracted} column.
     *
     * @throws InvalidSettingException for an unknown metric, or the regex metric without an expression
     */
    RunScorer scorer() {
        if (labelField == null) {
            return null;
        }
        Metric m = metric == null ? Metric.DEFAULT : Metric.parse(metric);
        String extract = m == Metric.REGEX && output.extract() != null ? output.extract().pattern() : null;
        return new RunScorer(Scorer.of(m, extract), labelField);
    }

    /** These options with some fields changed: every wither goes through here, so a new field is added once. */
    private RunOptions with(Consumer<Copy> change) {
        Copy b = new Copy(this);
        change.accept(b);
        return b.build();
    }

    /** A mutable copy of the fields, for {@link #with}. */
    private static final class Copy {
        String model;
        List<String> baseUrls;
        String run;
        String template;
        String idField;
        int saveInterval;
        int concurrency;
        GenerationParams generation;
        String apiKey;
        int retries;
        Duration timeout;
        boolean retryFailed;
        Duration grace;
        Duration backoffBase;
        boolean stream;
        boolean keepRaw;
        OutputRules output;
        Duration serverWait;
        Map<String, String> headers;
        Shard shard;
        Duration lease;
        boolean autoConcurrency;
        RateLimits rateLimits;
        String labelField;
        String metric;

        Copy(RunOptions o) {
            model = o.model;
            baseUrls = o.baseUrls;
            run = o.run;
            template = o.template;
            idField = o.idField;
            saveInterval = o.saveInterval;
            concurrency = o.concurrency;
            generation = o.generation;
            apiKey = o.apiKey;
            retries = o.retries;
            timeout = o.timeout;
            retryFailed = o.retryFailed;
            grace = o.grace;
            backoffBase = o.backoffBase;
            stream = o.stream;
            keepRaw = o.keepRaw;
            output = o.output;
            serverWait = o.serverWait;
            headers = o.headers;
            shard = o.shard;
            lease = o.lease;
            autoConcurrency = o.autoConcurrency;
            rateLimits = o.rateLimits;
            labelField = o.labelField;
            metric = o.metric;
        }

        RunOptions build() {
            return new RunOptions(model, baseUrls, run, template, idField, saveInterval, concurrency, generation,
                    apiKey, retries, timeout, retryFailed, grace, backoffBase, stream, keepRaw, output, serverWait,
                    headers, shard, lease, autoConcurrency, rateLimits, labelField, metric);
        }
    }

    /**
     * Checks every setting is in range; {@link CheckpointManager} does before it plans, a command line may earlier.
     *
     * @throws InvalidSettingException naming the first setting out of range
     */
    public void check() {
        // A blank name would be sent to the server as is and stored as a run nobody can name again.
        if (model != null && model.isBlank()) {
            throw AppPhrase.invalid("run.modelBlank");
        }
        if (run != null && run.isBlank()) {
            throw AppPhrase.invalid("run.runBlank");
        }
        if (template != null) {
            // Each of these was sent to every record as it stood: a whole run of one and the same prompt.
            if (template.isBlank()) {
                throw AppPhrase.invalid("run.templateEmpty");
            }
            OptionalInt stray = PromptTemplate.strayOpening(template);
            if (stray.isPresent()) {
                throw AppPhrase.invalid("run.templateStrayBraces", template, stray.getAsInt() + 1);
            }
            Optional<String> single = PromptTemplate.singleBraceField(template);
            if (single.isPresent()) {
                throw AppPhrase.invalid("run.templateSingleBraces", template, single.get());
            }
        }
        if ((concurrency < 1 || concurrency > MAX_CONCURRENCY) && autoConcurrency) {
            throw AppPhrase.invalid("run.maxConcurrency", concurrency);
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw AppPhrase.invalid("run.concurrency", concurrency);
        }
        if (saveInterval < 1) {
            throw AppPhrase.invalid("run.saveInterval", saveInterval);
        }
        if (retries < 0) {
            throw AppPhrase.invalid("run.retries", retries);
        }
        if (generation.maxTokens() != null && generation.maxTokens() < 1) {
            throw AppPhrase.invalid("run.maxTokens", generation.maxTokens());
        }
        if (generation.topP() != null && (generation.topP() <= 0 || generation.topP() > 1)) {
            throw AppPhrase.invalid("run.topP", generation.topP());
        }
        if (generation.temperature() != null && generation.temperature() < 0) {
            throw AppPhrase.invalid("run.temperature", generation.temperature());
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw AppPhrase.invalid("run.timeout");
        }
        if (grace.isNegative()) {
            throw AppPhrase.invalid("run.grace");
        }
        if (serverWait.isNegative()) {
            throw AppPhrase.invalid("run.serverWait");
        }
        // Refused before anything is stored: a deadline OkHttp cannot take failed only as the first request was built,
        // after the run was made.
        Map<String, Duration> durations = new LinkedHashMap<>();
        durations.put("--timeout", timeout);
        durations.put("--grace", grace);
        durations.put("--wait-for-server", serverWait);
        durations.put("--lease", lease);
        for (Map.Entry<String, Duration> d : durations.entrySet()) {
            if (d.getValue().compareTo(MAX_DURATION) > 0) {
                throw AppPhrase.invalid("run.durationTooLong", d.getKey(), MAX_DURATION.toHours());
            }
        }
        // Renewed every third of it: a shorter lease lapses under an ordinary pause (a GC, a busy disk), and two live
        // workers then take each other's claims and pay twice for them (50ms: 2,424 requests for 1,000 records).
        if (lease.compareTo(MIN_LEASE) < 0) {
            throw AppPhrase.invalid("run.lease");
        }
        // Before anything is stored: a URL that cannot be used must leave no run behind.
        for (String url : baseUrls) {
            BaseUrl.Problem problem = BaseUrl.problem(url).orElse(null);
            if (problem != null) {
                String shown = BaseUrl.redact(url);
                throw switch (problem) {
                    case FRAGMENT -> AppPhrase.invalid("run.baseUrlFragment", shown);
                    case NO_HOST -> AppPhrase.invalid("run.baseUrlNoHost", shown);
                    case BAD_PORT -> AppPhrase.invalid("run.baseUrlPort", shown);
                    case BAD_HOST -> AppPhrase.invalid("run.baseUrlHost", shown);
                    case IPV6_ZONE -> AppPhrase.invalid("run.baseUrlZone", shown);
                    case NOT_A_URL, NOT_HTTP -> AppPhrase.invalid("run.baseUrlScheme", shown);
                };
            }
        }
        if (labelField == null && metric != null) {
            throw AppPhrase.invalid("run.metricNeedsLabelField");
        }
        scorer(); // an unknown metric, or the regex metric without its expression: refused before the run is stored
    }

    /** The key never shows: options end up in logs and error reports. */
    @Override
    public String toString() {
        return "RunOptions[model=" + model + ", baseUrls=" + shownBaseUrls() + ", run=" + run + ", template=" + template
                + ", saveInterval=" + saveInterval + ", concurrency=" + concurrency + (autoConcurrency ? " auto" : "")
                + ", generation="
                + generation.canonicalJson() + ", apiKey=" + (apiKey == null ? "none" : "***") + ", retries="
                + retries + ", timeout=" + timeout + ", serverWait=" + serverWait + ", retryFailed=" + retryFailed
                + ", stream=" + stream
                + ", keepRaw=" + keepRaw + ", headers=" + headers.keySet() + ", shard=" + shard
                + ", rateLimits=" + rateLimits + (labelField == null ? "" : ", labelField=" + labelField
                + ", metric=" + (metric == null ? Metric.DEFAULT.id() : metric)) + "]";
    }
}
