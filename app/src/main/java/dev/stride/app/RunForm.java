package dev.stride.app;

import dev.stride.client.RateLimits;
import dev.stride.client.Sampling;
import dev.stride.core.Endpoint;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputFormat;
import dev.stride.core.InputReaders;
import dev.stride.core.InvalidInputException;
import dev.stride.core.Phrase;
import dev.stride.core.RunnerSettings;
import dev.stride.core.Shard;
import dev.stride.core.Utf8Reader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A run request as a person writes it (the options of {@code stride run}, the keys of its config file): text, files
 * and names, checked all at once by {@link #request()} into a {@link RunRequest}. Each setter takes what belongs
 * together; an option left out stays null (the stored value on a resume, the default on a new run).
 */
public final class RunForm {
    /** What --api takes: the wire protocol a server speaks. */
    public static final List<String> APIS = List.of("openai", "ollama");
    /** What --endpoint takes: which of OpenAI's paths. */
    public static final List<String> ENDPOINTS = List.of("chat", "completions");

    private static final String DEFAULT_KEY_ENV = "OPENAI_API_KEY";

    private Path input;
    private String format;
    private boolean dryRun;
    private boolean dropAnswers;
    private String model;
    private List<String> baseUrls = List.of();
    private String run;
    private String template;
    private Path templateFile;
    private String idField = InputReaders.DEFAULT_ID_FIELD;
    private int saveInterval = 10;
    private int concurrency = 8;
    private boolean autoConcurrency;
    private String api;
    private String endpoint;
    private String system;
    private Path systemFile;
    private Integer maxTokens;
    private Double temperature;
    private Double topP;
    private Long seed;
    private List<String> stop = List.of();
    private List<String> params = List.of();
    private Map<String, String> env = Map.of();
    private String apiKeyEnv;
    private List<String> headers = List.of();
    private int retries = 5;
    private Duration backoffBase = Duration.ofMillis(500);
    private Duration timeout = Duration.ofMinutes(10);
    private boolean retryFailed;
    private Duration grace = Duration.ofSeconds(3);
    private Duration serverWait = RunnerSettings.DEFAULT_SERVER_WAIT;
    private Shard shard;
    private Duration lease = RunnerSettings.DEFAULT_LEASE;
    private boolean stream;
    private boolean keepRaw;
    private String extract;
    private boolean jsonOutput;
    private Integer jsonRetries;
    private Long rpm;
    private Long tpm;
    private String labelField;
    private String metric;

    /** The records ({@code -} for standard input; null to resume what the database holds) and their format name. */
    public RunForm input(Path file, String formatName) {
        this.input = file;
        this.format = formatName;
        return this;
    }

    public RunForm dryRun(boolean on) {
        this.dryRun = on;
        return this;
    }

    /** The sync may drop answers that need consent ({@code --drop-answers}; see {@link RunRequest}). */
    public RunForm dropAnswers(boolean on) {
        this.dropAnswers = on;
        return this;
    }

    /** The model, its servers, and the run's name (null: the model's). */
    public RunForm model(String name, List<String> servers, String runName) {
        this.model = name;
        this.baseUrls = List.copyOf(servers);
        this.run = runName;
        return this;
    }

    /** The template as text or as a file: one of the two at most. */
    public RunForm template(String text, Path file) {
        this.template = text;
        this.templateFile = file;
        return this;
    }

    public RunForm idField(String field) {
        this.idField = field;
        return this;
    }

    public RunForm pace(int saveEvery, int inFlight) {
        this.saveInterval = saveEvery;
        this.concurrency = inFlight;
        return this;
    }

    /** {@code --concurrency auto}: requests in flight follow what each server takes, up to {@code max}. */
    public RunForm autoConcurrency(boolean auto, int max) {
        this.autoConcurrency = auto;
        if (auto) {
            this.concurrency = max;
        }
        return this;
    }

    /** {@code openai} or {@code ollama}, and {@code chat} or {@code completions}; null for the default. */
    public RunForm api(String apiName, String endpointName) {
        this.api = apiName;
        this.endpoint = endpointName;
        return this;
    }

    /** The system message as text or as a file: one of the two at most. */
    public RunForm system(String text, Path file) {
        this.system = text;
        this.systemFile = file;
        return this;
    }

    public RunForm sampling(Integer maxTokensEach, Double temperatureEach, Double topPEach, Long seedEach) {
        this.maxTokens = maxTokensEach;
        this.temperature = temperatureEach;
        this.topP = topPEach;
        this.seed = seedEach;
        return this;
    }

    public RunForm stop(List<String> sequences) {
        this.stop = List.copyOf(sequences);
        return this;
    }

    /** Further request fields, each written {@code KEY=JSON}. */
    public RunForm params(List<String> keyEqualsJson) {
        this.params = List.copyOf(keyEqualsJson);
        return this;
    }

    /**
     * Where the API key is read: the variable {@code variable} of {@code environment}, or when that is null,
     * OPENAI_API_KEY if it is set.
     */
    public RunForm apiKey(Map<String, String> environment, String variable) {
        this.env = environment;
        this.apiKeyEnv = variable;
        return this;
    }

    /**
     * Headers sent on every request, each written {@code NAME: VALUE}; {@code ${VAR}} in a value is read from the
     * environment given to {@link #apiKey}.
     */
    public RunForm headers(List<String> nameColonValue) {
        this.headers = List.copyOf(nameColonValue);
        return this;
    }

    public RunForm retries(int n, Duration firstBackoff, boolean redoFailed) {
        this.retries = n;
        this.backoffBase = firstBackoff;
        this.retryFailed = redoFailed;
        return this;
    }

    public RunForm timing(Duration perRequest, Duration graceOnStop) {
        this.timeout = perRequest;
        this.grace = graceOnStop;
        return this;
    }

    /** How long to wait for a server that went away mid-run before stopping ({@code --wait-for-server}). */
    public RunForm serverWait(Duration wait) {
        this.serverWait = wait;
        return this;
    }

    /**
     * The shard of the input a new run takes ({@code --shard I/N}, shards counted from 0); null for all of it.
     *
     * @throws dev.stride.core.InvalidSettingException when it is not I/N with I from 0 to N-1
     */
    public RunForm shard(String iOfN) {
        this.shard = iOfN == null ? null : Shard.parse(iOfN);
        return this;
    }

    /** How long this worker's claims outlive its last renewal ({@code --lease}). */
    public RunForm lease(Duration length) {
        this.lease = length;
        return this;
    }

    public RunForm transfer(boolean streamed, boolean keepRawBodies) {
        this.stream = streamed;
        this.keepRaw = keepRawBodies;
        return this;
    }

    /**
     * What is taken from every answer: a regular expression's match, and whether it must be JSON; each left out (null,
     * false) is the run's own on a resume.
     */
    public RunForm output(String extractRegex, boolean json, Integer retriesForJson) {
        this.extract = extractRegex;
        this.jsonOutput = json;
        this.jsonRetries = retriesForJson;
        return this;
    }

    /** Each answer scored as it arrives against the record's label ({@code --label-field}, {@code --metric}). */
    public RunForm scoring(String labelFieldName, String metricName) {
        this.labelField = labelFieldName;
        this.metric = metricName;
        return this;
    }

    /** Requests and tokens per minute to each server ({@code --rpm}, {@code --tpm}); null for no limit. */
    public RunForm rateLimits(Long requestsPerMinute, Long tokensPerMinute) {
        this.rpm = requestsPerMinute;
        this.tpm = tokensPerMinute;
        return this;
    }

    /**
     * The request, every setting checked in the order a person reads them.
     *
     * @throws dev.stride.core.InvalidSettingException naming the first setting that cannot be used
     * @throws InvalidInputException                 when the input file is missing or cannot be read
     */
    public RunRequest request() {
        RunOptions options = new RunOptions(model, baseUrls, run, templateText(), idField, saveInterval, concurrency,
                generation(), apiKey(), retries, timeout, retryFailed, grace, backoffBase, stream, keepRaw,
                outputRules(), serverWait, headerValues(), shard, lease, autoConcurrency, rateLimitValues(), labelField,
                metric);
        options.check();
        InputFormat chosen = input == null ? null : inputFormat();
        checkReadable(input);
        return new RunRequest(input, chosen, options, dryRun, dropAnswers);
    }

    /**
     * The input file is there and can be read: found out before the database is opened, so that a mistyped name
     * leaves no new database behind. Standard input and pipes are not touched here; they are read once, by the run.
     */
    private static void checkReadable(Path file) {
        if (file == null || file.toString().equals("-")) {
            return;
        }
        if (!Files.exists(file)) {
            // A '~' quoted in a script or a config file reaches stride as it is: the shell that expands it never did.
            throw new InvalidInputException(Phrase.of(Phrase.CORE,
                    file.toString().startsWith("~") ? "input.noSuchFileTilde" : "input.noSuchFile", file));
        }
        // The reasons as the operating system words them, as the readers quote them.
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(Phrase.of(Phrase.CORE, "input.cannotRead", file, "Is a directory"));
        }
        if (!Files.isReadable(file)) {
            throw new InvalidInputException(Phrase.of(Phrase.CORE, "input.cannotRead", file, "Permission denied"));
        }
    }

    private InputFormat inputFormat() {
        try {
            return format == null ? null : InputFormat.named(format);
        } catch (IllegalArgumentException e) {
            throw AppPhrase.invalid("run.format", e);
        }
    }

    private String templateText() {
        if (template != null && templateFile != null) {
            throw AppPhrase.invalid("run.templateTwice");
        }
        return templateFile != null ? readText(templateFile, "--template-file") : template;
    }

    private String systemText() {
        if (system != null && systemFile != null) {
            throw AppPhrase.invalid("run.systemTwice");
        }
        return systemFile != null ? readText(systemFile, "--system-file") : system;
    }

    /** A text file's content, less one final newline (an editor's, not part of the prompt). */
    private static String readText(Path file, String option) {
        try (Reader in = new Utf8Reader(Files.newInputStream(file))) {
            StringWriter whole = new StringWriter();
            in.transferTo(whole);
            String text = whole.toString();
            if (text.endsWith("\r\n")) {
                return text.substring(0, text.length() - 2);
            }
            return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        } catch (NoSuchFileException e) {
            throw AppPhrase.invalid("run.noSuchFile", option, file);
        } catch (Utf8Reader.NotUtf8 e) {
            throw AppPhrase.invalid("run.notUtf8At", option, file, e.line(), e.column());
        } catch (AccessDeniedException e) {
            // Its message is the file's name alone: the reason is said as the operating system words it.
            throw AppPhrase.invalid("run.fileUnreadable", option, file, "Permission denied");
        } catch (IOException e) {
            throw AppPhrase.invalid("run.fileUnreadable", option, file, e.getMessage());
        }
    }

    private RateLimits rateLimitValues() {
        if (rpm != null && rpm < 1) {
            throw AppPhrase.invalid("run.rpm", rpm);
        }
        if (tpm != null && tpm < 1) {
            throw AppPhrase.invalid("run.tpm", tpm);
        }
        return new RateLimits(rpm == null ? 0 : rpm, tpm == null ? 0 : tpm);
    }

    /** What is extracted from or required of every answer. */
    private OutputRules outputRules() {
        if (jsonRetries != null && jsonRetries < 0) {
            throw AppPhrase.invalid("run.jsonRetriesNegative", jsonRetries);
        }
        // Re-asks without --json-output are refused once the run's own rules are known (OutputRules.over): a resume
        // of a run made with --json-output may give more re-asks alone.
        Pattern pattern = null;
        if (extract != null) {
            try {
                pattern = Pattern.compile(extract, Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                throw AppPhrase.invalid("run.extractNotRegex", extract, e.getDescription());
            }
        }
        return new OutputRules(pattern, jsonOutput, jsonRetries);
    }

    /** The request settings given; what is not given stays unset (a resume keeps the stored). */
    private GenerationParams generation() {
        Endpoint chosen = null;
        if (api != null && !APIS.contains(api)) {
            throw AppPhrase.invalid("run.api", api);
        }
        if (endpoint != null && !ENDPOINTS.contains(endpoint)) {
            throw AppPhrase.invalid("run.endpoint", endpoint);
        }
        if ("ollama".equals(api)) {
            if ("completions".equals(endpoint)) {
                throw AppPhrase.invalid("run.ollamaChatOnly");
            }
            chosen = Endpoint.OLLAMA;
        } else if (endpoint != null) {
            chosen = Endpoint.fromLabel(endpoint);
        } else if (api != null) {
            // --api openai given: the OpenAI chat endpoint, said, so that a resume of a run started with --api
            // ollama is refused as a changed setting instead of going on with Ollama's API as if it were left out.
            chosen = Endpoint.CHAT;
        }
        Map<String, String> extra = new LinkedHashMap<>();
        for (String param : params) {
            int eq = param.indexOf('=');
            if (eq <= 0) {
                throw AppPhrase.invalid("run.paramForm", param);
            }
            // Checked here, not only by the client: a run is stored before its first request, and a name the client
            // refuses would be stored with it and refused on every resume.
            String key = param.substring(0, eq).trim();
            if (key.isEmpty()) {
                throw AppPhrase.invalid("run.paramNoName", param);
            }
            if (Sampling.CLIENT_CHOSEN.contains(key)) {
                throw AppPhrase.invalid("run.paramStream", key);
            }
            if (PROMPT_FIELDS.contains(key)) {
                throw AppPhrase.invalid("run.paramPrompt", key);
            }
            if (OWN_OPTIONS.containsKey(key)) {
                throw AppPhrase.invalid("run.paramOwnOption", key, OWN_OPTIONS.get(key));
            }
            String value = param.substring(eq + 1);
            if (ONE_ANSWER.contains(key) && !value.strip().equals("1")) {
                throw AppPhrase.invalid("run.paramOneAnswer", key, value.strip());
            }
            extra.put(key, value);
        }
        // Read before the try: a missing system file is not a parameter that is not JSON.
        String systemMessage = systemText();
        try {
            return new GenerationParams(chosen, systemMessage, maxTokens, temperature, topP, seed, stop, extra);
        } catch (IllegalArgumentException e) {
            throw AppPhrase.invalid("run.paramJson", e);
        }
    }

    /**
     * Body fields each record's prompt fills. A parameter is merged into the body last and wins, so --param
     * messages=[...] sent one and the same prompt for every record, each stored as the answer to its own.
     */
    private static final Set<String> PROMPT_FIELDS = Set.of("messages", "prompt");
    /**
     * Body fields stride writes from an option of its own, and the option: a parameter of that name won over it
     * without a word, so the server was sent another model or limit than the run stores and status shows.
     */
    private static final Map<String, String> OWN_OPTIONS = Map.of("model", "--model", "max_tokens", "--max-tokens",
            "temperature", "--temperature", "top_p", "--top-p", "seed", "--seed", "stop", "--stop");

    /**
     * Body fields that ask for several answers (or candidates) to one prompt: stride stores one answer per record, the
     * first choice, while the usage counts the tokens of them all, so its tokens per second and cost came out as many
     * times too high, and the other answers were lost without a word.
     */
    private static final Set<String> ONE_ANSWER = Set.of("n", "best_of");

    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    /** The headers by name, {@code ${VAR}} replaced; an error names the header, never its value. */
    private Map<String, String> headerValues() {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String header : headers) {
            int colon = header.indexOf(':');
            String name = colon < 0 ? "" : header.substring(0, colon).strip();
            if (colon < 0 || !HEADER_NAME.matcher(name).matches()) {
                // Only the name's leading characters: what follows may well be the secret, misspelt.
                Matcher lead = HEADER_NAME.matcher(header.strip());
                throw AppPhrase.invalid("run.headerForm", lead.lookingAt() ? lead.group() : "");
            }
            Matcher m = VARIABLE.matcher(header.substring(colon + 1).strip());
            StringBuilder value = new StringBuilder();
            while (m.find()) {
                String v = env.get(m.group(1));
                if (v == null) {
                    throw AppPhrase.invalid("run.headerEnvNotSet", name, m.group(1));
                }
                m.appendReplacement(value, Matcher.quoteReplacement(v));
            }
            m.appendTail(value);
            if (value.toString().isBlank() || value.indexOf("\n") >= 0 || value.indexOf("\r") >= 0) {
                throw AppPhrase.invalid("run.headerEmpty", name);
            }
            byName.put(name, value.toString());
        }
        return byName;
    }

    private String apiKey() {
        if (apiKeyEnv != null) {
            String key = env.get(apiKeyEnv);
            if (key == null) {
                throw AppPhrase.invalid("run.apiKeyEnvNotSet", apiKeyEnv);
            }
            if (key.isBlank()) {
                throw AppPhrase.invalid("run.apiKeyEnvEmpty", apiKeyEnv);
            }
            return key;
        }
        String key = env.get(DEFAULT_KEY_ENV);
        return key == null || key.isBlank() ? null : key;
    }
}
