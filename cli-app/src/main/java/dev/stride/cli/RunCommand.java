package dev.stride.cli;

import dev.stride.app.CheckpointManager;
import dev.stride.app.RunForm;
import dev.stride.app.RunPlan;
import dev.stride.app.RunRequest;
import dev.stride.app.StopSwitch;
import dev.stride.app.StoppedBeforeStart;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Sends every record of INPUT to the model and keeps each answer in the database as it arrives.",
            "Run the same command again after a crash, Ctrl+C or reboot: it continues where it stopped.",
            "Without INPUT, finishes every unfinished run stored in the database (e.g. a .db copied from"
                    + " another machine)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  stride run questions.jsonl --db runs.db --model qwen-medical-lora-251106-f16 \\",
            "      --base-url http://localhost:8000/v1 --template 'Answer briefly: {{question}}'",
            "  stride run --db runs.db                  # finish every unfinished run in runs.db",
            "  stride run --db runs.db --base-url http://gpu2:8000/v1 --retry-failed",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:all records done",
            "1:an error (server refused the run, database or I/O trouble)",
            "2:bad usage or bad input",
            "3:finished with failed records (rerun with --retry-failed)",
            "4:the database cannot be used (read-only, disk full, damaged, not stride's, from a newer stride, on a"
                    + " network file system); fix what the message names and rerun",
            "130:interrupted (Ctrl+C or SIGTERM); rerun the same command to continue",
        })
final class RunCommand implements Callable<Integer> {
    private static final String DEFAULT_TEMPLATE = "{{prompt}}";
    private static final String DEFAULT_KEY_ENV = "OPENAI_API_KEY";

    @Spec
    CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Parameters(index = "0", arity = "0..1", paramLabel = "INPUT", descriptionKey = "INPUT",
            description = "The records: JSONL, a JSON array, CSV or TSV with a header row (each may be .gz), an OpenAI"
                    + " Batch / vllm run-batch request file, or - for standard input. Omit it to resume what the"
                    + " database holds.")
    Path input;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "jsonl, json, csv or tsv (default: by the file's extension, .gz looked through; jsonl for"
                    + " standard input).")
    String format;

    @Option(names = "--dry-run", description = "Print what a run would do (what changed since the last session, how"
            + " many requests it would send) and stop: nothing is sent, nothing is written.")
    boolean dryRun;

    @Option(names = "--db", paramLabel = "FILE",
            description = "The SQLite database that keeps the run (created if missing); required, here or in"
                    + " --config.")
    Path db;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A YAML file of settings keyed like the long options (input, db, model, base-url,"
                    + " template, max-tokens, param, ...); an option given on the command line wins.")
    Path config;

    @Option(names = "--model", paramLabel = "NAME", description = "The model name the server serves.")
    String model;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "The server's OpenAI-compatible base, e.g. http://localhost:8000/v1 (Ollama's native API:"
                    + " http://localhost:11434). Repeat it for several servers of the same model: each request goes"
                    + " to the one with the fewest in flight. On a resume it replaces the stored one.")
    List<String> baseUrls = new ArrayList<>();

    @Option(names = "--run", paramLabel = "NAME", description = "The run's name (default: the model name).")
    String runName;

    @Option(names = "--template", paramLabel = "TEXT",
            description = "The user message, with {{field}} placeholders filled from each record"
                    + " (default: " + DEFAULT_TEMPLATE + ").")
    String template;

    @Option(names = "--template-file", paramLabel = "FILE",
            description = "Read the template from a file (UTF-8; one final newline is dropped).")
    Path templateFile;

    @Option(names = "--id-field", paramLabel = "F", defaultValue = "id",
            description = "The field that identifies a record (default: ${DEFAULT-VALUE}; the line number when"
                    + " absent).")
    String idField;

    @Option(names = "--save-interval", paramLabel = "N", defaultValue = "10",
            description = "Completions between two durable cursor commits (default: ${DEFAULT-VALUE}).")
    int saveInterval;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8",
            description = "Requests in flight at most (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--endpoint", paramLabel = "KIND",
            description = "chat (/chat/completions, the default) or completions (/completions, for base models).")
    String endpoint;

    @Option(names = "--api", paramLabel = "API",
            description = "openai (the default) or ollama (Ollama's native /api/chat).")
    String api;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message sent before every prompt (and"
            + " before a record's own messages when they carry none).")
    String system;

    @Option(names = "--system-file", paramLabel = "FILE",
            description = "Read the system message from a file (UTF-8; one final newline is dropped).")
    Path systemFile;

    @Option(names = "--max-tokens", paramLabel = "N", description = "max_tokens for every request.")
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "temperature for every request.")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "top_p for every request.")
    Double topP;

    @Option(names = "--seed", paramLabel = "N", description = "seed for every request (servers that honour it).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "A stop sequence; repeat it for several.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--param", paramLabel = "KEY=JSON",
            description = "Any other request field, as JSON, e.g. --param 'guided_json={\"type\":\"object\"}'"
                    + " or --param repetition_penalty=1.1; repeat it for several.")
    List<String> params = new ArrayList<>();

    @Option(names = "--stream", description = "Ask for streamed answers (SSE; NDJSON for Ollama), stored as one.")
    boolean stream;

    @Option(names = "--keep-raw", description = "Also store each response body as received (in predictions"
            + ".raw_response).")
    boolean keepRaw;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "The environment variable that holds the API key (default: " + DEFAULT_KEY_ENV
                    + " when it is set). The key is never stored or printed.")
    String apiKeyEnv;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5",
            description = "Further attempts after a passing failure (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", converter = Durations.class,
            description = "Longest time one request may take, body included (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--retry-failed", description = "Also redo the records stored as failed.")
    boolean retryFailed;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "3s", converter = Durations.class,
            description = "On Ctrl+C, how long requests in flight may still finish (default: ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--log-every", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class,
            description = "How often a progress line is printed; 0 for never (default: ${DEFAULT-VALUE}).")
    Duration logEvery;

    @Option(names = "--extract", paramLabel = "REGEX",
            description = "Keep what this regular expression finds in each answer (its first group, or the whole"
                    + " match) as 'extracted', e.g. --extract 'Answer: ([A-E])'.")
    String extract;

    @Option(names = "--json-output", description = "Each answer must be JSON (bare or in a ``` fence); it is kept"
            + " parsed as 'output_json', and an answer that is not JSON fails its record with the reason.")
    boolean jsonOutput;

    @Option(names = "--json-retries", paramLabel = "N", defaultValue = "0",
            description = "With --json-output, ask again up to N times before failing the record"
                    + " (default: ${DEFAULT-VALUE}).")
    int jsonRetries;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar or progress lines (the start and the summary"
            + " are still printed).")
    boolean quiet;

    @Option(names = "--price-in", paramLabel = "USD", description = "Price per million input (prompt) tokens: the"
            + " summary then shows the session's cost (with --price-out).")
    Double priceIn;

    @Option(names = "--price-out", paramLabel = "USD", description = "Price per million output tokens (with"
            + " --price-in).")
    Double priceOut;

    private final CliContext context;

    RunCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        if (config != null) {
            new ConfigFile(config).applyTo(spec, this::setInput);
        }
        if (db == null) {
            throw UserError.usageOf("msg.run.nameTheDb");
        }
        RunRequest request = request();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Messages m = Messages.of(spec);
        RunRenderer.Looks looks = new RunRenderer.Looks(out, m, logEvery, quiet, context.env(),
                RunSummary.Prices.of(priceIn, priceOut));
        StopSwitch stop = new StopSwitch();
        // Listening from the very start, so a signal during the input's sync ends the process through the same
        // path (nothing written, exit 130) instead of the JVM's default handling.
        try (AutoCloseable listening = RunRenderer.stopOnInterrupt(context.signals(), err, m, grace, stop);
             CheckpointManager runs = CheckpointManager.open(db, verbose.verbose ? RunRenderer.httpLog(err) : null);
             RunRenderer renderer = new RunRenderer(looks, db, retryFailed, true)) {
            RunPlan plan;
            try {
                plan = runs.plan(request, stop);
            } catch (StoppedBeforeStart e) {
                out.println(m.get("msg.run.interruptedWhileReading", input));
                out.flush();
                return ExitCodes.INTERRUPTED;
            }
            if (plan instanceof RunPlan.DryRun dry) {
                return renderer.dryRun(dry);
            }
            if (plan instanceof RunPlan.DryRunOfStored dry) {
                return renderer.dryRunOfStored(dry);
            }
            renderer.planned(plan);
            return RunRenderer.exitCode(runs.execute(plan, renderer, stop));
        }
    }

    /** The options as the app layer takes them, every one checked. */
    private RunRequest request() {
        return new RunForm()
                .input(input, format)
                .dryRun(dryRun)
                .model(model, baseUrls, runName)
                .template(template, templateFile)
                .idField(idField)
                .pace(saveInterval, concurrency)
                .api(api, endpoint)
                .system(system, systemFile)
                .sampling(maxTokens, temperature, topP, seed)
                .stop(stop)
                .params(params)
                .apiKey(context.env(), apiKeyEnv)
                .retries(retries, context.backoffBase(), retryFailed)
                .timing(timeout, grace)
                .transfer(stream, keepRaw)
                .output(extract, jsonOutput, jsonRetries)
                .request();
    }

    private void setInput(String path) {
        if (input == null) {
            input = Path.of(path);
        }
    }
}
