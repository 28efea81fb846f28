package dev.stride.cli;

import dev.stride.core.CheckpointStore;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputFormat;
import dev.stride.core.Phrase;
import dev.stride.core.Prompt;
import dev.stride.core.RunInfo;
import dev.stride.core.RunOutcome;
import dev.stride.core.SyncReport;
import dev.stride.db.SqliteCheckpointStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {
    private static final String DEFAULT_TEMPLATE = "{{prompt}}";
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

    @Option(names = "--db", paramLabel = "FILE")
    Path db;

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

    @Option(names = "--id-field", paramLabel = "F", defaultValue = "id")
    String idField;

    @Option(names = "--save-interval", paramLabel = "N", defaultValue = "10")
    int saveInterval;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8")
    int concurrency;

    @Option(names = "--endpoint", paramLabel = "KIND")
    String endpoint;

    @Option(names = "--api", paramLabel = "API")
    String api;

    @Option(names = "--system", paramLabel = "TEXT")
    String system;

    @Option(names = "--system-file", paramLabel = "FILE")
    Path systemFile;

    @Option(names = "--max-tokens", paramLabel = "N")
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

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5")
    int retries;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", converter = Durations.class)
    Duration timeout;

    @Option(names = "--retry-failed")
    boolean retryFailed;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "3s", converter = Durations.class)
    Duration grace;

    @Option(names = "--log-every", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class)
    Duration logEvery;

    @Option(names = "--extract", paramLabel = "REGEX")
    String extract;

    @Option(names = "--json-output")
    boolean jsonOutput;

    @Option(names = "--json-retries", paramLabel = "N", defaultValue = "0")
    int jsonRetries;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Option(names = "--price-in", paramLabel = "USD")
    Double priceIn;

    @Option(names = "--price-out", paramLabel = "USD")
    Double priceOut;

    @Option(names = "--stop-after", hidden = true, paramLabel = "N",
            description = "Stops as Ctrl+C would once N outcomes were stored in this session (the demo's halfway"
                    + " stop; tests).")
    Long stopAfter;

    private final Signals signals;
    private final PredictorFactory predictors;
    private final Map<String, String> env;
    private final Duration backoffBase;

    RunCommand(CliContext context, PredictorFactory predictors) {
        this.signals = context.signals();
        this.predictors = predictors;
        this.env = context.env();
        this.backoffBase = context.backoffBase();
    }

    @Override
    public Integer call() throws Exception {
        if (config != null) {
            new ConfigFile(config).applyTo(spec, this::setInput);
        }
        if (db == null) {
            throw UserError.usageOf("msg.run.nameTheDb");
        }
        RunOptions options = options();
        options.check();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Messages m = Messages.of(spec);
        StopSwitch stop = new StopSwitch();
        // Listening from the very start, so a signal during the input's sync ends the process through the same
        // path (nothing written, exit 130) instead of the JVM's default handling.
        try (AutoCloseable listening = signals.onInterrupt(() -> {
            err.println();
            err.println(m.get("msg.run.stopping", Durations.human(grace.toMillis())));
            err.flush();
            stop.requestStop();
        }); CheckpointStore store = SqliteCheckpointStore.open(db)) {
            RunPlanner planner = new RunPlanner(store, db);
            List<RunInfo> runs;
            if (input != null) {
                RunPlanner.Prepared prepared;
                try {
                    prepared = planner.fromInput(input, inputFormat(), options, stop, dryRun);
                } catch (StoppedBeforeStart e) {
                    out.println(m.get("msg.run.interruptedWhileReading", input));
                    out.flush();
                    return ExitCodes.INTERRUPTED;
                }
                if (dryRun) {
                    return printDryRun(out, planner, options, prepared);
                }
                printStart(out, prepared);
                runs = List.of(prepared.run());
            } else {
                runs = planner.toResume(options, dryRun);
                if (dryRun) {
                    return printDryRunOfStored(out, store, runs);
                }
                printResumeAll(out, store, runs);
            }
            RunDriver driver = new RunDriver(store, predictors, verbose.verbose ? httpLog(err) : null);
            int code = ExitCodes.OK;
            for (RunInfo run : runs) {
                if (stop.requested()) {
                    return ExitCodes.INTERRUPTED;
                }
                code = worse(code, execute(driver, run, options, stop, out));
                if (code == ExitCodes.INTERRUPTED || code == ExitCodes.ERROR) {
                    break;
                }
            }
            return code;
        }
    }

    private RunOptions options() {
        return new RunOptions(model, baseUrls, runName, templateText(), idField, saveInterval, concurrency,
                generation(), apiKey(), retries, timeout, retryFailed, grace, backoffBase, stopAfter, stream, keepRaw, outputRules());
    }

    private void setInput(String path) {
        if (input == null) {
            input = Path.of(path);
        }
    }

    private InputFormat inputFormat() {
        try {
            return format == null ? null : InputFormat.named(format);
        } catch (IllegalArgumentException e) {
            throw UserError.usageOf("msg.run.format", e);
        }
    }

    private String templateText() {
        if (template != null && templateFile != null) {
            throw UserError.usageOf("msg.run.templateTwice");
        }
        return templateFile != null ? readText(templateFile, "--template-file") : template;
    }

    private String systemText() {
        if (system != null && systemFile != null) {
            throw UserError.usageOf("msg.run.systemTwice");
        }
        return systemFile != null ? readText(systemFile, "--system-file") : system;
    }

    /** A text file's content, less one final newline (an editor's, not part of the prompt). */
    private static String readText(Path file, String option) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.endsWith("\r\n")) {
                return text.substring(0, text.length() - 2);
            }
            return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        } catch (NoSuchFileException e) {
            throw UserError.usageOf("msg.run.noSuchFile", option, file);
        } catch (IOException e) {
            throw UserError.usageOf("msg.run.notUtf8", option, file, e.getMessage());
        }
    }

    /** What is extracted from or required of every answer. */
    private OutputRules outputRules() {
        if (jsonRetries < 0) {
            throw UserError.usageOf("msg.run.jsonRetriesNegative", jsonRetries);
        }
        if (jsonRetries > 0 && !jsonOutput) {
            throw UserError.usageOf("msg.run.jsonRetriesWithoutJson");
        }
        Pattern pattern = null;
        if (extract != null) {
            try {
                pattern = Pattern.compile(extract, Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                throw UserError.usageOf("msg.run.extractNotRegex", extract, e.getDescription());
            }
        }
        return new OutputRules(pattern, jsonOutput, jsonRetries);
    }

    /** The request settings given on the command line; what is not given stays unset (a resume keeps the stored). */
    private GenerationParams generation() {
        String apiName = null;
        if (api != null && !List.of("openai", "ollama").contains(api)) {
            throw UserError.usageOf("msg.run.api", api);
        }
        if (endpoint != null && !List.of("chat", "completions").contains(endpoint)) {
            throw UserError.usageOf("msg.run.endpoint", endpoint);
        }
        if ("ollama".equals(api)) {
            if ("completions".equals(endpoint)) {
                throw UserError.usageOf("msg.run.ollamaChatOnly");
            }
            apiName = "ollama";
        } else if (endpoint != null) {
            apiName = endpoint;
        }
        Map<String, String> extra = new LinkedHashMap<>();
        for (String param : params) {
            int eq = param.indexOf('=');
            if (eq <= 0) {
                throw UserError.usageOf("msg.run.paramForm", param);
            }
            extra.put(param.substring(0, eq).trim(), param.substring(eq + 1));
        }
        try {
            return new GenerationParams(apiName, systemText(), maxTokens, temperature, topP, seed, stop, extra);
        } catch (IllegalArgumentException e) {
            throw UserError.usageOf("msg.run.paramJson", e);
        }
    }

    private String apiKey() {
        if (apiKeyEnv != null) {
            String key = env.get(apiKeyEnv);
            if (key == null || key.isBlank()) {
                throw UserError.usageOf("msg.run.apiKeyEnvNotSet", apiKeyEnv);
            }
            return key;
        }
        String key = env.get(DEFAULT_KEY_ENV);
        return key == null || key.isBlank() ? null : key;
    }

    private void printStart(PrintWriter out, RunPlanner.Prepared prepared) {
        RunInfo run = prepared.run();
        SyncReport report = prepared.sync();
        Messages m = Messages.of(spec);
        if (report.created()) {
            out.println(m.get("msg.run.start", run.name(), run.total()));
        } else {
            out.println(m.get("msg.run.inputSettingsUnchanged", inputChanges(report, m)));
            printResuming(out, run);
        }
        out.flush();
    }

    /** What the sync changed, naming the first few ids of each kind. */
    static String inputChanges(SyncReport report) {
        return inputChanges(report, Messages.ENGLISH);
    }

    static String inputChanges(SyncReport report, Messages m) {
        if (!report.changedRecords()) {
            return m.get("msg.run.inputUnchanged", report.total());
        }
        List<String> named = new ArrayList<>();
        addNamed(named, m.get("msg.run.added"), report.added(), report.addedIds());
        addNamed(named, m.get("msg.run.edited"), report.edited(), report.editedIds());
        addNamed(named, m.get("msg.run.removed"), report.removed(), report.removedIds());
        return m.get("msg.run.inputChanged", report.added(), report.edited(), report.removed(),
                String.join("; ", named));
    }

    private static void addNamed(List<String> named, String kind, long count, List<String> ids) {
        if (count > 0) {
            named.add(kind + " " + String.join(", ", ids) + (count > ids.size() ? ", …" : ""));
        }
    }

    /** What a run of this input would do; nothing was sent or written. Exit 2 when a real run would be refused. */
    private int printDryRun(PrintWriter out, RunPlanner planner, RunOptions options, RunPlanner.Prepared prepared) {
        SyncReport report = prepared.sync();
        String name = options.runName();
        Messages m = Messages.of(spec);
        if (report.created()) {
            out.println(m.get("msg.dryRun.new", name, report.total()));
        } else {
            out.println(m.get("msg.dryRun.of", name, inputChanges(report, m)));
            if (prepared.settingsChanged().isEmpty()) {
                out.println(m.get("msg.dryRun.settingsUnchanged"));
            } else {
                for (Phrase change : prepared.settingsChanged()) {
                    out.println(m.get("msg.dryRun.changed", change));
                }
                out.println(m.get("msg.dryRun.refuses", planner.refusalAdvice(prepared.run())));
            }
        }
        long toRedo = retryFailed ? report.failed() : 0;
        String failedPart = toRedo > 0 ? m.get("msg.dryRun.failedAgain", toRedo)
                : report.failed() > 0 ? m.get("msg.dryRun.failedKept", report.failed()) : "";
        out.println(m.get("msg.dryRun.wouldSend", report.pending() + toRedo, report.pending(), failedPart,
                report.done()));
        if (prepared.first() != null) {
            out.println(m.get("msg.dryRun.first", prepared.first().id(), describe(prepared.first().prompt(), m)));
        }
        out.println(m.get("msg.dryRun.nothingSent"));
        out.flush();
        return prepared.settingsChanged().isEmpty() ? ExitCodes.OK : ExitCodes.USAGE;
    }

    private int printDryRunOfStored(PrintWriter out, CheckpointStore store, List<RunInfo> runs) {
        Messages m = Messages.of(spec);
        if (runs.isEmpty()) {
            out.println(m.get("msg.dryRun.nothingToResume", db));
        }
        for (RunInfo run : runs) {
            long toGo = run.pending() + (retryFailed ? run.failed() : 0);
            out.println(m.get("msg.dryRun.wouldResume", run.name(), run.done(), run.total(), toGo));
        }
        out.println(m.get("msg.dryRun.nothingSent"));
        out.flush();
        return ExitCodes.OK;
    }

    /** One prompt as the user would recognise it, cut to a line. */
    private static String describe(Prompt prompt, Messages m) {
        if (prompt.bodyJson() != null) {
            return m.get("msg.dryRun.first.body", "completions".equals(prompt.endpoint())
                    ? "completions" : "chat/completions", cut(prompt.bodyJson()));
        }
        if (prompt.messagesJson() != null) {
            return m.get("msg.dryRun.first.messages", cut(prompt.messagesJson()));
        }
        return m.get("msg.dryRun.first.user", cut(prompt.userMessage()));
    }

    private static String cut(String text) {
        String oneLine = text.replace("\n", "\\n");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }

    private void printResumeAll(PrintWriter out, CheckpointStore store, List<RunInfo> runs) {
        if (runs.isEmpty()) {
            long failed = store.listRuns().stream().mapToLong(RunInfo::failed).sum();
            Messages m = Messages.of(spec);
            out.println(failed > 0 ? m.get("msg.run.nothingToResumeFailed", db, failed)
                    : m.get("msg.run.nothingToResume", db));
        }
        for (RunInfo run : runs) {
            printResuming(out, run);
        }
        out.flush();
    }

    private void printResuming(PrintWriter out, RunInfo run) {
        long toGo = run.pending() + (retryFailed ? run.failed() : 0);
        Messages m = Messages.of(spec);
        out.println(m.get("msg.run.resuming", run.name(), run.done(), run.total(), toGo,
                run.failed() > 0 && !retryFailed ? m.get("msg.run.resumingFailed", run.failed()) : ""));
    }

    private int execute(RunDriver driver, RunInfo run, RunOptions options, StopSwitch stop, PrintWriter out) {
        if (run.pending() == 0 && !(retryFailed && run.failed() > 0)) {
            return summarizeFinished(run, out);
        }
        RunSummary.Prices prices = RunSummary.Prices.of(priceIn, priceOut);
        Messages m = Messages.of(spec);
        ProgressReporter progress = ProgressReporter.forSession(out, run, retryFailed, logEvery, quiet, env, m);
        RunDriver.Driven driven;
        try (progress) {
            driven = driver.drive(run, options, progress, stop);
        }
        printServers(out, m, driven.servers());
        try {
            return report(run, driven.outcome(), progress, out);
        } finally {
            new RunSummary(progress.tally(SessionTally.requestsSent(driven.servers())), prices, m).print(out);
        }
    }

    /** -v: a line per HTTP request and response on stderr (never a header, so never the key). */
    private static Consumer<String> httpLog(PrintWriter err) {
        return line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        };
    }

    /** With several servers, how each fared: requests, answers, failures. */
    private static void printServers(PrintWriter out, Messages m, List<ServerTally> servers) {
        if (servers.size() < 2) {
            return;
        }
        for (ServerTally t : servers) {
            out.println(m.get("msg.run.server", t.baseUrl(), t.requests(), t.succeeded(), t.failed()));
        }
        out.flush();
    }

    private int summarizeFinished(RunInfo run, PrintWriter out) {
        Messages m = Messages.of(spec);
        if (run.failed() > 0) {
            out.println(m.get("msg.run.nothingLeftFailed", run.name(), run.done(), run.total(), run.failed()));
            out.flush();
            return ExitCodes.FAILED_RECORDS;
        }
        out.println(m.get("msg.run.nothingLeft", run.name(), run.done(), run.total()));
        out.flush();
        return ExitCodes.OK;
    }

    private int report(RunInfo run, RunOutcome outcome, ProgressReporter progress, PrintWriter out) {
        var c = outcome.cursor();
        long done = c == null ? run.done() : c.done();
        long failed = c == null ? run.failed() : c.failed();
        Messages m = Messages.of(spec);
        String session = m.get("msg.run.session", outcome.completed(), outcome.failed(), progress.retries());
        String resume = "stride run --db " + db + " --run " + run.name();
        switch (outcome.status()) {
            case DONE -> {
                out.println(m.get("msg.run.done", run.name(), done, run.total(),
                        Durations.human(c == null ? 0 : c.elapsedMs()), session));
                out.flush();
                return ExitCodes.OK;
            }
            case DONE_WITH_FAILURES -> {
                out.println(m.get("msg.run.finishedWithFailures", run.name(), done, run.total(), failed, session));
                out.flush();
                return ExitCodes.FAILED_RECORDS;
            }
            case INTERRUPTED -> {
                out.println(m.get("msg.run.interrupted", run.name(), done, run.total(), session, resume));
                out.flush();
                return ExitCodes.INTERRUPTED;
            }
            case STOPPED_BY_SERVER -> throw UserError.of(ExitCodes.ERROR, "msg.run.stoppedByServer", run.name(),
                    outcome.stopReason(), done, run.total());
            default -> {
                RuntimeException error = UserError.of(ExitCodes.ERROR, "msg.run.failed", run.name(),
                        outcome.stopReason(), done, run.total());
                if (outcome.error() != null) {
                    error.initCause(outcome.error());
                }
                throw error;
            }
        }
    }

    private static int worse(int a, int b) {
        return rank(b) > rank(a) ? b : a;
    }

    private static int rank(int code) {
        return switch (code) {
            case ExitCodes.INTERRUPTED -> 4;
            case ExitCodes.ERROR -> 3;
            case ExitCodes.FAILED_RECORDS -> 2;
            case ExitCodes.USAGE -> 1;
            default -> 0;
        };
    }
}
