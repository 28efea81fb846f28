package dev.stride.cli;

import dev.stride.app.CheckpointManager;
import dev.stride.app.OutputRules;
import dev.stride.app.RunForm;
import dev.stride.app.RunPlan;
import dev.stride.app.RunRequest;
import dev.stride.app.StopSwitch;
import dev.stride.app.StoppedBeforeStart;
import dev.stride.core.InputReaders;
import dev.stride.core.InvalidInputException;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.RunInfo;
import dev.stride.core.Shard;
import dev.stride.core.WorkerInfo;
import dev.stride.db.OrphanWorkers;
import dev.stride.db.PostgresLocation;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {
    private static final String DEFAULT_KEY_ENV = "OPENAI_API_KEY";

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Parameters(index = "0", arity = "0..1", paramLabel = "INPUT", descriptionKey = "INPUT")
    Path input;

    @Option(names = "--format", paramLabel = "FORMAT")
    String format;

    @Option(names = "--dry-run")
    boolean dryRun;

    @Option(names = "--drop-answers")
    boolean dropAnswers;

    Path db; // --db naming a SQLite file
    PostgresLocation postgres; // --db naming a PostgreSQL database

    @Option(names = "--db", paramLabel = "FILE")
    void db(String text) {
        postgres = DbArgument.postgres(spec.commandLine(), text);
        db = postgres == null ? Path.of(text) : null;
    }

    @Option(names = "--config", paramLabel = "FILE")
    Path config;

    @Option(names = "--model", paramLabel = "NAME")
    String model;

    @Option(names = "--base-url", paramLabel = "URL")
    List<String> baseUrls = new ArrayList<>();

    @Option(names = "--run", paramLabel = "NAME")
    String runName;

    @Option(names = "--template", paramLabel = "TEXT")
    String template;

    @Option(names = "--template-file", paramLabel = "FILE")
    Path templateFile;

    @Option(names = "--id-field", paramLabel = "F", defaultValue = InputReaders.DEFAULT_ID_FIELD)
    String idField;

    @Option(names = "--save-interval", paramLabel = "N", defaultValue = "10", converter = WholeNumbers.AtLeastOne.class)
    int saveInterval;

    @Option(names = "--concurrency", paramLabel = "N|auto", defaultValue = "8",
            converter = ConcurrencyChoice.Converter.class)
    String concurrency;

    @Option(names = "--max-concurrency", paramLabel = "N", defaultValue = "256",
            converter = ConcurrencyChoice.Maximum.class)
    int maxConcurrency;

    @Option(names = "--endpoint", paramLabel = "KIND", completionCandidates = ValueCandidates.Endpoints.class)
    String endpoint;

    @Option(names = "--api", paramLabel = "API", completionCandidates = ValueCandidates.Apis.class)
    String api;

    @Option(names = "--system", paramLabel = "TEXT")
    String system;

    @Option(names = "--system-file", paramLabel = "FILE")
    Path systemFile;

    @Option(names = "--max-tokens", paramLabel = "N", converter = WholeNumbers.AtLeastOne.class)
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P")
    Double topP;

    @Option(names = "--seed", paramLabel = "N")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT")
    List<String> stop = new ArrayList<>();

    @Option(names = "--param", paramLabel = "KEY=JSON")
    List<String> params = new ArrayList<>();

    @Option(names = "--stream")
    boolean stream;

    @Option(names = "--keep-raw")
    boolean keepRaw;

    @Option(names = "--api-key-env", paramLabel = "VAR")
    String apiKeyEnv;

    @Option(names = "--header", paramLabel = "'NAME: VALUE'")
    List<String> headers = new ArrayList<>();

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5", converter = WholeNumbers.NotNegative.class)
    int retries;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
            converter = Durations.Timeout.class)
    Duration timeout;

    @Option(names = "--retry-failed")
    boolean retryFailed;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "3s", converter = Durations.UpToADay.class)
    Duration grace;

    @Option(names = "--wait-for-server", paramLabel = "DURATION", defaultValue = "10m",
            converter = Durations.UpToADay.class)
    Duration waitForServer;

    @Option(names = "--lease", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.Lease.class)
    Duration lease;

    @Option(names = "--log-every", paramLabel = "DURATION", defaultValue = "10s",
            converter = Durations.UpToADay.class)
    Duration logEvery;

    @Option(names = "--extract", paramLabel = "REGEX")
    String extract;

    @Option(names = "--json-output")
    boolean jsonOutput;

    @Option(names = "--json-retries", paramLabel = "N", converter = WholeNumbers.NotNegative.class)
    Integer jsonRetries; // null: the run's own on a resume, 0 on a new run

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Option(names = "--price-in", paramLabel = "USD")
    Double priceIn;

    @Option(names = "--price-out", paramLabel = "USD")
    Double priceOut;

    @Option(names = "--label-field", paramLabel = "FIELD")
    String labelField;

    @Option(names = "--metric", paramLabel = "METRIC", completionCandidates = ValueCandidates.Metrics.class)
    String metric;

    @Option(names = "--shard", paramLabel = "I/N")
    String shard;

    @Option(names = "--rpm", paramLabel = "N", converter = PerMinute.Requests.class)
    Long rpm;

    @Option(names = "--tpm", paramLabel = "N", converter = PerMinute.Tokens.class)
    Long tpm;

    private final CliContext context;
    /** Whether someone watches the input being read in: as a test says, or (null) whether there is a terminal. */
    Boolean inputWatched;
    /** The clock the reading's progress is shown by: a test's, or the system's. */
    LongSupplier nanoTime = System::nanoTime;
    /** The clock the session's progress is shown by: a test's, or the system's. */
    LongSupplier sessionClock = System::nanoTime;
    /** The --config file once read, which knows the line of each of its settings; null without one. */
    private ConfigFile configFile;
    private boolean inputFromConfig; // INPUT was the config file's, not the command line's

    RunCommand(CliContext context) {
        this.context = context;
    }

    /** The keys a {@code --config} file of run may set: its long options without their dashes, input and headers. */
    static Set<String> settings() {
        Set<String> keys = new HashSet<>(Set.of("input", "headers"));
        for (OptionSpec option : CommandSpec.forAnnotatedObject(new RunCommand(null)).options()) {
            for (String name : option.names()) {
                if (name.startsWith("--")) {
                    keys.add(name.substring(2));
                }
            }
        }
        return keys;
    }

    @Override
    public Integer call() throws Exception {
        configFile = config == null ? null : new ConfigFile(config);
        Map<String, String> fromConfig = configFile == null ? Map.of() : configFile.applyTo(spec, this::setInput);
        if (db == null && postgres == null) {
            // With nothing at all, "name the database" left a first-time user to find out about INPUT next.
            throw UserError.usageOf(input == null ? "msg.run.nameInputAndDb" : "msg.run.nameTheDb");
        }
        RunRequest request;
        try {
            request = request(fromConfig);
        } catch (InvalidSettingException e) {
            throw inConfig(e, fromConfig);
        } catch (InvalidInputException e) {
            throw InputGoneHint.of(input, db, model, runName).map(RuntimeException.class::cast)
                    .or(this::configInputMissing).orElse(e);
        }
        if (input == null && db != null) {
            // Without the input only stored runs go on: a file that is not there is a mistyped name, said as every
            // other command says it, not opened (made) to be found holding no run.
            DbFile.requireExists(db);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Messages m = Messages.of(spec);
        RunRenderer.Looks looks = new RunRenderer.Looks(out, m, logEvery, quiet, context.env(),
                RunSummary.Prices.of(priceIn, priceOut), request.options().timeout());
        StopSwitch stop = new StopSwitch();
        AtomicBoolean planned = new AtomicBoolean();
        AtomicBoolean reading = new AtomicBoolean(); // the input is being read: its line says a stop
        FreshDatabase fresh = FreshDatabase.at(db);
        // Listening before the database is first touched, so a signal during the file's checks or the input's sync
        // ends the process through the same path (nothing written, exit 130) instead of the JVM's default action,
        // which left the checks' connection unclosed and its -wal beside the file.
        // The line of a WAL left beside a reader's transaction comes once the file is closed (and a new one that kept
        // no run removed): declared before both.
        try (AutoCloseable listening = RunRenderer.stopOnInterrupt(context.signals(), err, m, grace, stop,
                     planned::get, reading::get);
             UnfoldedLine unfolded = new UnfoldedLine(out, m);
             fresh;
             CheckpointManager runs = unfolded.of(openChecked(verbose.verbose ? RunRenderer.httpLog(err) : null));
             RunRenderer renderer = new RunRenderer(looks, postgres != null ? postgres : db, retryFailed,
                     SessionOptions.of(spec.commandLine().getParseResult()))) {
            DbFile.sayUpgraded(runs.schemaUpgrade(), spec);
            renderer.timedBy(sessionClock);
            renderer.adviseOnRefusals(RunRenderer.RefusalAdvice.forSession(request.options().rateLimits().any(),
                    request.options().autoConcurrency()));
            // A label field no record has is refused here, inside the input's sync (the app's, as for a program's run).
            // Workers started together on a new run: the others wait for the one loading the input, then join it.
            Object where = postgres != null ? postgres : db;
            runs.tellLoadWaitsTo(run -> {
                out.println(m.get("msg.run.waitingForLoad", run, where));
                out.flush();
            });
            RunPlan plan = null;
            InputProgress readingShown = input == null ? null : InputProgress.on(!quiet
                    && (inputWatched != null ? inputWatched : ExportProgress.watched(context.env())), err, m, input,
                    nanoTime);
            // A stop heard before the reading began was said then ("Stopping before the first request was sent").
            boolean stopSaid = stop.requested();
            reading.set(input != null);
            try {
                plan = runs.plan(request, stop, readingShown);
            } catch (StoppedBeforeStart e) {
                // said below, once the line of the reading is erased
            } finally {
                if (readingShown != null) {
                    readingShown.done();
                }
            }
            if (plan == null) {
                if (input != null && !stopSaid) {
                    out.println(m.get("msg.run.interruptedWhileReading", input));
                    out.flush();
                }
                return ExitCodes.INTERRUPTED;
            }
            planned.set(true);
            fresh.keepIf(!runs.checkpoints().isEmpty());
            if (plan instanceof RunPlan.DryRun dry) {
                return renderer.dryRun(dry);
            }
            if (plan instanceof RunPlan.DryRunOfStored dry) {
                return renderer.dryRunOfStored(dry);
            }
            if (plan instanceof RunPlan.NothingToResume nothing) {
                // As the same command with the input says of a run that ended with failed records: exit 3.
                renderer.planned(plan);
                if (labelField != null) {
                    // A resume scores as it goes; runs with nothing to send have no session to score in.
                    out.println(m.get("msg.run.scoreDoneRuns", scoreCommand()));
                }
                // Sends nothing; stores as done a run answered in full but stored as stopped (CheckpointManager).
                runs.execute(plan, renderer, stop);
                return nothing.failed() > 0 ? ExitCodes.FAILED_RECORDS : ExitCodes.OK;
            }
            // Said before the session keeps the options' way with the run, which a "changed" line is about.
            Map<Long, String> scoringSaid = scoringSaid(plan, runs, request, m);
            OutputRules given = request.options().output();
            Shard shardGiven = request.options().shard();
            RunPlan chosen = plan;
            renderer.planned(plan, run -> lines(serverSaid(baseUrls, run, m), serverChangedSaid(chosen, run, m),
                    concurrencySaid(fromConfig, runs.lastSession(run), m), shardSaid(shardGiven, run, m),
                    outputSaid(given, run, m), scoringSaid.get(run.id())));
            // The app scores each answer as it arrives (as the options ask, or the way a resumed run keeps): the
            // renderer shows the accuracy so far and the run's at the end.
            return RunRenderer.exitCode(runs.execute(plan, new ScoringRenderer(renderer, out, err, m), stop), keys(),
                    !baseUrls.isEmpty(), db);
        } catch (RuntimeException e) {
            throw fresh.said(e); // closed by now: a new file the disk could not hold is gone
        }
    }

    /**
     * Under each resume line: how the run is scored when it is not as the options ask (as before, changed, or off),
     * else nothing. A new run has no resume line, nor a way of its own.
     */
    private static Map<Long, String> scoringSaid(RunPlan plan, CheckpointManager runs, RunRequest request,
                                                 Messages m) {
        if (!(plan instanceof RunPlan.Resume || plan instanceof RunPlan.ResumeStored)) {
            return Map.of();
        }
        Map<Long, String> said = new HashMap<>();
        for (RunInfo run : plan.runsToExecute()) {
            String line = LiveScoreOptions.said(runs.scoring(run, request.options()), run, m);
            if (line != null) {
                said.put(run.id(), line);
            }
        }
        return said;
    }

    /** The score command for what this one was told to score: the same database, run, field, metric, expression. */
    private String scoreCommand() {
        StringBuilder c = new StringBuilder("stride score --db ")
                .append(SessionOptions.quoted(postgres != null ? postgres.shown() : db.toString()));
        String run = runName != null ? runName : model;
        if (run != null) {
            c.append(" --run ").append(SessionOptions.quoted(run));
        }
        c.append(" --label-field ").append(SessionOptions.quoted(labelField));
        if (metric != null) {
            c.append(" --metric ").append(SessionOptions.quoted(metric));
        }
        if (extract != null) {
            c.append(" --extract ").append(SessionOptions.quoted(extract));
        }
        return c.toString();
    }

    /**
     * Under a resume line: the servers the run goes on asking when the options named none. On another machine (a file
     * copied there) they are the first machine's, which may be another server that answers to the same address.
     */
    private static String serverSaid(List<String> given, RunInfo run, Messages m) {
        return !given.isEmpty() || run.baseUrls().isEmpty() ? null
                : m.get("msg.run.serverAsBefore", String.join(", ", run.baseUrls()));
    }

    /**
     * Under a resume line: the servers given now, when the run's last session asked others. The base URL is no
     * setting a resume refuses (a server moved, a tunnel's port), but a resume that took another one said nothing,
     * and a slip in it sent the run's remaining records to another server unseen.
     */
    private static String serverChangedSaid(RunPlan plan, RunInfo run, Messages m) {
        List<String> before = plan.askedBefore(run);
        return before.isEmpty() ? null : m.get("msg.run.serverChanged", String.join(", ", run.baseUrls()),
                String.join(", ", before));
    }

    /**
     * Under a resume line: the default limit this session runs at, when neither the options nor the file gave one and
     * the run's last session ran at another (auto, or a fixed N). A stop's last line says it, but a kill -9 leaves no
     * such line, and the resume went on at 8 where it had run at 16 without a word. Else null.
     */
    private String concurrencySaid(Map<String, String> fromConfig, Optional<WorkerInfo> last, Messages m) {
        if (spec.commandLine().getParseResult().hasMatchedOption("--concurrency")
                || fromConfig.containsKey("concurrency") || last.isEmpty()) {
            return null;
        }
        WorkerInfo before = last.get();
        int now = ConcurrencyChoice.parse(concurrency).fixed();
        if (before.inFlightAuto()) {
            return m.get("msg.run.concurrencyAsBefore.auto", now);
        }
        return before.inFlight() == now ? null : m.get("msg.run.concurrencyAsBefore", now, before.inFlight());
    }

    /**
     * Under a resume line: the shard of its input that the run holds, when the options gave none (the same command
     * without --shard goes on with the stored one, and counts its records only), else null.
     */
    private static String shardSaid(Shard given, RunInfo run, Messages m) {
        return given != null || run.shard() == null ? null
                : m.get("msg.run.shardAsBefore", run.name(), run.shard().toString());
    }

    /** Under a resume line: the rules the run keeps when the options left some out, else null. */
    private static String outputSaid(OutputRules given, RunInfo run, Messages m) {
        OutputRules kept = given.asBefore(run);
        return kept == null ? null : m.get("msg.run.outputAsBefore", kept.options());
    }

    /** The lines that are not null, one under the other; null when none is. */
    private static String lines(String... said) {
        String joined = Arrays.stream(said).filter(Objects::nonNull).collect(Collectors.joining("\n"));
        return joined.isEmpty() ? null : joined;
    }

    /**
     * Opens the store; a file is first looked at for what an earlier session left: its WAL folded in, and (unless a
     * dry run) the workers of a file copied while its run was going, still leased though none of them works on this
     * copy, ended, so their records are taken at once instead of after their leases.
     */
    private CheckpointManager openChecked(Consumer<String> httpLog) {
        if (postgres != null) {
            return CheckpointManager.open(postgres, httpLog);
        }
        DbFile.foldIfLeftBehind(db, spec);
        if (!dryRun) {
            OrphanWorkers.endIfFileAlone(db);
        }
        return CheckpointManager.open(db, httpLog);
    }

    /** The options as the app layer takes them, every one checked; {@code fromConfig}: the settings the file gave. */
    private RunRequest request(Map<String, String> fromConfig) {
        ConcurrencyChoice inFlight = ConcurrencyChoice.parse(concurrency);
        // A bound on a limit that is not learnt bounds nothing: said, rather than taken without effect, wherever the
        // bound was given.
        if (!inFlight.auto() && spec.commandLine().getParseResult().hasMatchedOption("--max-concurrency")) {
            throw UserError.usageOf("msg.run.maxConcurrencyWithoutAuto", concurrency);
        }
        // Unless the command line's --concurrency N overrode the file's auto, which its bound went with.
        if (!inFlight.auto() && fromConfig.containsKey("max-concurrency")
                && !spec.commandLine().getParseResult().hasMatchedOption("--concurrency")) {
            throw UserError.usageOf("msg.config.maxConcurrencyWithoutAuto",
                    configFile.at(fromConfig.get("max-concurrency")), concurrency);
        }
        // Without the input, the stored runs go on with the records stored: an option about reading the input would
        // be dropped without a word.
        for (String option : List.of("--id-field", "--format")) {
            if (input == null && spec.commandLine().getParseResult().hasMatchedOption(option)) {
                throw UserError.usageOf("msg.run.inputOptionWithoutInput", option);
            }
        }
        return new RunForm()
                .input(input, format)
                .dryRun(dryRun)
                .dropAnswers(dropAnswers)
                .model(model, baseUrls, runName)
                .template(template, templateFile)
                .idField(idField)
                .pace(saveInterval, inFlight.fixed())
                .autoConcurrency(inFlight.auto(), maxConcurrency)
                .api(api, endpoint)
                .system(system, systemFile)
                .sampling(maxTokens, temperature, topP, seed)
                .stop(stop)
                .params(params)
                .apiKey(context.env(), apiKeyEnv)
                .headers(headers)
                .retries(retries, context.backoffBase(), retryFailed)
                .timing(timeout, grace)
                .serverWait(waitForServer)
                .lease(lease)
                .transfer(stream, keepRaw)
                .output(extract, jsonOutput, jsonRetries)
                .shard(shard)
                .rateLimits(rpm, tpm)
                .scoring(labelField, metric)
                .request();
    }

    private static final Pattern LEADING_OPTION = Pattern.compile("--([a-z][a-z0-9-]*)(?![\\w-])");

    /**
     * A refused setting the file gave is said as the file's, as a value it cannot convert is: the option's words
     * alone would send the user looking for a flag they never typed.
     */
    private RuntimeException inConfig(InvalidSettingException e, Map<String, String> fromConfig) {
        // A metric or an expression the file gave that the scorer cannot use: their words name no option first.
        String key = e.phrase() == null ? "" : e.phrase().key();
        if (key.equals("metric.unknown")) {
            return asTheFiles(e, fromConfig, "metric");
        }
        if (key.startsWith("metric.regex")) {
            return asTheFiles(e, fromConfig, "extract");
        }
        // The option a refusal is about leads its message ("--endpoint foo: choose ..."); one named later is advice.
        String english = e.phrase() == null ? String.valueOf(e.getMessage()) : e.phrase().english();
        Matcher about = LEADING_OPTION.matcher(english);
        return asTheFiles(e, fromConfig, about.lookingAt() ? about.group(1) : null);
    }

    /** {@code e} as the file's setting {@code option} when the file gave it, else as it is. */
    private RuntimeException asTheFiles(InvalidSettingException e, Map<String, String> fromConfig, String option) {
        if (option != null && fromConfig.containsKey(option)) {
            return UserError.usageOf("msg.config.badSetting", configFile.at(fromConfig.get(option)),
                    fromConfig.get(option), e);
        }
        return e;
    }

    /** Where the key of the run came from, for the hint to a 401 or 403. */
    private KeyHint keys() {
        return KeyHint.of(context.env(), apiKeyEnv, headers);
    }

    private void setInput(String path) {
        if (input == null) {
            input = Path.of(path);
            inputFromConfig = true;
        }
    }

    /**
     * An input the config file named that is not there: said with the file's line and the folder its path is read
     * from, which is stride's, not the file's (a config beside its data, run from elsewhere, named a path that looked
     * right in the file: "../med.jsonl: no such file").
     */
    private Optional<RuntimeException> configInputMissing() {
        if (!inputFromConfig || input.toString().equals("-") || Files.exists(input)) {
            return Optional.empty();
        }
        return Optional.of(input.isAbsolute()
                ? UserError.usageOf("msg.config.inputNoSuchFileAbsolute", configFile.at("input"), input)
                : UserError.usageOf("msg.config.inputNoSuchFile", configFile.at("input"), input,
                        Path.of("").toAbsolutePath()));
    }
}
