package dev.stride.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stride.core.AnswersWouldBeDroppedException;
import dev.stride.core.Endpoint;
import dev.stride.core.GenerationParams;
import dev.stride.core.InputDigest;
import dev.stride.core.InputFormat;
import dev.stride.core.InputReaders;
import dev.stride.core.InputRecord;
import dev.stride.core.InvalidInputException;
import dev.stride.core.InvalidSettingException;
import dev.stride.core.Joined;
import dev.stride.core.Json;
import dev.stride.core.KnownRuns;
import dev.stride.core.Phrase;
import dev.stride.core.PromptTemplate;
import dev.stride.core.RecordReader;
import dev.stride.core.RunCatalog;
import dev.stride.core.RunInfo;
import dev.stride.core.RunMadeMeanwhileException;
import dev.stride.core.RunSpec;
import dev.stride.core.Shard;
import dev.stride.core.ShellWords;
import dev.stride.core.SyncBrokeOffException;
import dev.stride.core.SyncPreview;
import dev.stride.core.SyncReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Decides what a run request works on: a run made or brought up to date from an input file, or the unfinished runs
 * a database already holds. Refuses what would make results incomparable.
 */
final class RunPlanner {
    /**
     * How many times a file is synced when the sync keeps breaking off: each break already waited for the server to
     * answer again, so one that breaks three times running is a server to look at, not to read the file for again.
     */
    private static final int SYNC_TRIES = 3;
    private final RunCatalog store;
    private final Object db; // the file or the PostgreSQL URL (without password), as messages name it

    RunPlanner(RunCatalog store, Object db) {
        this.store = store;
        this.db = db;
    }

    /**
     * Creates the run or brings its records up to date with {@code input}, in one transaction; with {@code dryRun}
     * the same work is done in a transaction that is rolled back, so the report is exact and nothing is written.
     * A real sync also makes this process a worker of the run, in the same transaction
     * ({@link RunCatalog#syncRunAsWorker}): its session joins as that worker, and without one it has to leave.
     * A refused change of settings, or an input without records, writes nothing; so does an input that no longer has
     * records with answers, or changed most of the answered ones, unless {@code dropAnswers}
     * ({@link SyncReport#needsConsentToDrop()}; a dry run reports them, and what a real run would say).
     *
     * @param format null to choose by the file's extension; {@code input} "-" is standard input (JSONL by default)
     * @throws InvalidSettingException for missing settings of a new run
     * @throws StoppedBeforeStart      when {@code stop} was requested while reading (nothing is written)
     * @throws InvalidInputException   when the sync would drop answers that need consent and not {@code dropAnswers}
     */
    RunPlan fromInput(Path input, InputFormat format, RunOptions options, StopSwitch stop, boolean dryRun,
                      boolean dropAnswers, InputCheck check) {
        String name = options.runName();
        if (name == null) {
            throw AppPhrase.invalid("run.nameTheModel");
        }
        try {
            return fromInputSynced(input, format, options, stop, dryRun, dropAnswers, check);
        } catch (RunMadeMeanwhileException e) {
            // Another command made the run, with other settings, between this one's look and its write (workers
            // started together): decided again as for a run that existed, as it would have been a moment later.
            RunInfo made = store.findRun(name).orElseThrow(() -> AppPhrase.invalid("run.madeMeanwhile", name, db));
            List<Phrase> changed = settingsChanged(made, options);
            if (!changed.isEmpty() && !dryRun) {
                return new RunPlan.Refused(made, changed, refusalAdvice(made));
            }
            if (input.toString().equals("-") || !Files.isRegularFile(input)) {
                throw AppPhrase.invalid("run.madeMeanwhile", name, db); // read once already: not again
            }
            try {
                return fromInputSynced(input, format, options, stop, dryRun, dropAnswers, check);
            } catch (RunMadeMeanwhileException again) {
                throw AppPhrase.invalid("run.madeMeanwhile", name, db);
            }
        }
    }

    /**
     * {@link #fromInputOnce}, again from the file's start when the store's sync broke off midway (a restart of the
     * database server during it, waited out by the store): the sync was rolled back whole, so reading the file again
     * makes it as the first would have. A pipe is read once: its break is the store's line, to run the command again.
     */
    private RunPlan fromInputSynced(Path input, InputFormat format, RunOptions options, StopSwitch stop,
                                    boolean dryRun, boolean dropAnswers, InputCheck check) {
        for (int tries = 1; ; tries++) {
            try {
                return fromInputOnce(input, format, options, stop, dryRun, dropAnswers, check);
            } catch (SyncBrokeOffException e) {
                if (tries == SYNC_TRIES || input.toString().equals("-") || !Files.isRegularFile(input)) {
                    throw e;
                }
            }
        }
    }

    private RunPlan fromInputOnce(Path input, InputFormat format, RunOptions options, StopSwitch stop, boolean dryRun,
                                  boolean dropAnswers, InputCheck check) {
        String name = options.runName();
        RunInfo existing = store.findRun(name).orElse(null);
        List<Phrase> changed = existing == null ? List.of() : settingsChanged(existing, options);
        if (!changed.isEmpty() && !dryRun) {
            return new RunPlan.Refused(existing, changed, refusalAdvice(existing));
        }
        RunSpec spec = existing == null ? newRunSpec(name, options) : resumedRunSpec(existing, options);
        // Only a regular file can be read twice: a pipe, <(...) or a FIFO is read once, by the sync.
        boolean file = !input.toString().equals("-") && Files.isRegularFile(input);
        if (existing != null && file && !dryRun) {
            // The same command again, on the same file: hashing it takes a fraction of a second; reading, parsing and
            // comparing a million records with the stored ones takes many.
            String digest = InputDigest.of(input, format != null ? format : InputFormat.of(input), options.idField(),
                    spec.template(), stop::requested).orElseThrow(StoppedBeforeStart::new);
            // Each sync of a real run makes this process a worker of it in the sync's transaction: another
            // process's changed input is refused from then on, not only once this one joins, moments later.
            Optional<SyncReport> unchanged = store.syncUnchangedAsWorker(spec, digest, options.lease());
            if (unchanged.isPresent()) {
                return resume(store.findRun(name).orElseThrow(), unchanged.get(), options, false,
                        existing.baseUrls());
            }
        }
        PromptTemplate prompt = PromptTemplate.parse(spec.template());
        boolean completionsOnly = spec.params().endpointOrDefault() == Endpoint.COMPLETIONS;
        // Only a new run: one made before this check keeps its settings, and its input is read as it was.
        String notSent = existing == null ? notSentWithBatchBodies(spec.params()) : null;
        SyncReport report;
        InputRecord firstToSend = null;
        // Read and parsed ahead by a thread of its own while the store inserts; that thread closes the reader.
        RecordReader reader = open(input, format, options.idField(), prompt);
        try (ReadAhead<InputRecord> read = ReadAhead.of(reader, reader, r -> r.json().length(), "stride-input",
                () -> stoppedBeforeStart(stop))) {
            if (!read.hasNext()) {
                return new RunPlan.EmptyInput(input);
            }
            // A shard keeps the others' records out of the sync altogether, each at its position in the whole input;
            // the check sees the whole input.
            Iterator<InputRecord> whole = check == null ? read : checked(read, check);
            AtomicBoolean taken = new AtomicBoolean(); // the store began to read the input
            Iterator<InputRecord> records = stoppable(spec.shard() == null ? whole : only(spec.shard(), whole),
                    stop, taken, r -> {
                if (completionsOnly) {
                    refuseMessages(input, r);
                }
                if (notSent != null) {
                    refuseBatchBody(input, r, notSent);
                }
            });
            try {
                if (dryRun) {
                    SyncPreview preview = store.previewSync(spec, records, options.retryFailed());
                    report = preview.report();
                    firstToSend = preview.firstToSend();
                } else {
                    // Asked before a record is taken, the digest is the file's as it is: a run another command made
                    // from it while this one waited is joined without reading it again.
                    InputFormat digested = format != null ? format : InputFormat.of(input);
                    String template = spec.template();
                    Supplier<Optional<String>> digest = () -> taken.get() || !file ? reader.inputDigest()
                            : InputDigest.of(input, digested, options.idField(), template, stop::requested);
                    report = store.syncRunAsWorker(spec, records, digest, dropAnswers, options.lease());
                }
            } catch (AnswersWouldBeDroppedException e) {
                throw new InvalidInputException(wouldDropAnswers(input, name, e.report(), byLine(reader, options)), e);
            } catch (InvalidInputException e) {
                // The readers name the file already; the store's own findings (a duplicate id) do not know it.
                if (e.getMessage() != null && !e.getMessage().startsWith(input.toString())) {
                    throw new InvalidInputException(AppPhrase.of("run.duplicateId", input, e), e);
                }
                throw e;
            }
        }
        // Only a new run: one made before from such a file keeps its line numbers, and resumes without a word.
        Phrase idNotice = !report.created() ? null : reader.likelyIdField()
                .map(found -> AppPhrase.of("run.likelyIdField", input, options.idField(), found,
                        ShellWords.quoted(found)))
                .orElse(null);
        if (dryRun) {
            return new RunPlan.DryRun(name, report, changed, changed.isEmpty() ? null : refusalAdvice(existing),
                    report.needsConsentToDrop() && !dropAnswers
                            ? wouldDropAnswers(input, name, report, byLine(reader, options)) : null,
                    firstToSend == null ? null : new RunPlan.FirstRecord(firstToSend.id(), prompt.prompt(
                            firstToSend.id(), Json.read(firstToSend.json(), Json.storedRecord(firstToSend.id())))),
                    options, idNotice);
        }
        RunInfo run = store.findRun(name).orElseThrow();
        return report.created() ? new RunPlan.NewRun(run, options, idNotice)
                : resume(run, report, options, reader.numberedByLine(),
                        existing == null ? List.of() : existing.baseUrls());
    }

    /**
     * A resume of a stopped run, or, when the sync found others live, this process joining them at work. A run with
     * nothing left to send is no work to join: it is said as a resume is, that nothing is left.
     *
     * @param byLine      the input's records are numbered by line ({@link RecordReader#numberedByLine()})
     * @param askedBefore the run's base URLs as they were stored before this command's sync
     */
    private RunPlan.Resume resume(RunInfo run, SyncReport sync, RunOptions options, boolean byLine,
                                  List<String> askedBefore) {
        run = keepOutputRules(run, options);
        boolean workLeft = run.pending() > 0 || options.retryFailed() && run.failed() > 0;
        Joined joining = store.enlistedAs(run.id()).filter(j -> j.othersLive() > 0 && workLeft).orElse(null);
        // Edits alongside records gone or added are what a moved line looks like; a correction in place is not.
        Phrase byLineNotice = byLine && sync.edited() > 0 && (sync.removed() > 0 || sync.added() > 0)
                ? AppPhrase.of("run.byLineNotice", options.idField()) : null;
        return new RunPlan.Resume(run, sync, joining, options, byLineNotice, askedBefore);
    }

    /**
     * Keeps with {@code run} the rules its session takes answers by, when they are not what it keeps: the options'
     * re-asks for JSON (the resumes after this one go on with them, as they go on with a scoring given last), and the
     * rules of a run made before runs kept them, when the session gives some. A run made before that is given none
     * keeps none: each session then takes what its options say, as before.
     *
     * @return the run as it now stands
     */
    private RunInfo keepOutputRules(RunInfo run, RunOptions options) {
        OutputRules kept = OutputRules.keptBy(run);
        if (kept == null && options.output().nothingGiven()) {
            return run;
        }
        String rules = options.output().over(kept).canonicalJson();
        if (rules.equals(run.outputRulesJson())) {
            return run;
        }
        store.keepOutputRules(run.id(), rules);
        return store.findRun(run.name()).orElseThrow();
    }

    /**
     * A record's own messages can only go to the chat endpoint: stored in a run on the text-completions one, each
     * failed at its request, and leaving out --endpoint on the next command changed nothing (the run keeps it).
     */
    private static void refuseMessages(Path input, InputRecord r) {
        JsonNode record = Json.read(r.json(), Json.storedRecord(r.id()));
        if (!PromptTemplate.isBatchRequest(record) && PromptTemplate.hasMessages(record)) {
            throw new InvalidInputException(AppPhrase.of("run.messagesNeedChat", input, r.line()));
        }
    }

    /**
     * The options given that a batch request line is not sent with (its body goes as it is, but for the model), or
     * null when there are none. They were stored with the run and shown by {@code status} as its settings, while no
     * request carried them.
     */
    private static String notSentWithBatchBodies(GenerationParams p) {
        List<String> names = new ArrayList<>();
        if (p.system() != null) {
            names.add("--system");
        }
        if (p.maxTokens() != null) {
            names.add("--max-tokens");
        }
        if (p.temperature() != null) {
            names.add("--temperature");
        }
        if (p.topP() != null) {
            names.add("--top-p");
        }
        if (p.seed() != null) {
            names.add("--seed");
        }
        if (!p.stop().isEmpty()) {
            names.add("--stop");
        }
        p.extra().keySet().forEach(k -> names.add("--param " + k));
        return names.isEmpty() ? null : String.join(", ", names);
    }

    /** A batch request line in a new run given options its request would not carry: refused before anything is sent. */
    private static void refuseBatchBody(Path input, InputRecord r, String notSent) {
        JsonNode record = Json.read(r.json(), Json.storedRecord(r.id()));
        if (PromptTemplate.isBatchRequest(record)) {
            throw new InvalidInputException(AppPhrase.of("run.batchBodyAsIs", input, r.line(), notSent));
        }
    }

    private static RecordReader open(Path input, InputFormat format, String idField, PromptTemplate template) {
        if (input.toString().equals("-")) {
            return InputReaders.open("standard input", System.in, format != null ? format : InputFormat.JSONL,
                    idField, template);
        }
        return InputReaders.open(input, format, idField, template);
    }

    /**
     * The stored runs with work left, narrowed to the named run or model; the base URL replaced if one is given
     * (with {@code dryRun}, a given base URL is not stored). A setting given that would change a run's results
     * (model, template, shard, a generation parameter) is refused as it is with the input, before anything is stored:
     * without the input it would otherwise be dropped without a word.
     *
     * @throws InvalidSettingException when the database holds no run, or not the one named, or none of the model named
     */
    RunPlan toResume(RunOptions options, boolean dryRun) {
        List<RunInfo> all = store.listRuns();
        if (all.isEmpty()) {
            throw AppPhrase.invalid("run.noRunYet", db, ShellWords.quoted(db));
        }
        if (options.run() != null && all.stream().noneMatch(r -> r.name().equals(options.run()))) {
            throw AppPhrase.invalid("run.noSuchRunIn", db, options.run(),
                    KnownRuns.of(all.stream().map(RunInfo::name).toList(), options.run()));
        }
        List<RunInfo> named = all.stream().filter(run -> options.run() != null ? options.run().equals(run.name())
                : options.model() == null || options.model().equals(run.model())).toList();
        if (named.isEmpty()) {
            // Only a model can name no run here (a run's name was checked above): a typo, not a finished run.
            throw AppPhrase.invalid("run.noSuchModelIn", db, options.model(), ShellWords.quoted(db));
        }
        List<RunInfo> withWork = named.stream()
                .filter(run -> run.pending() > 0 || options.retryFailed() && run.failed() > 0).toList();
        // A run named (by --run or --model) is compared done or not, as the same command with the input compares it;
        // with none named, only those it would go on with, so that a finished run's settings hold back no other.
        boolean someNamed = options.run() != null || options.model() != null;
        List<RunInfo> compared = someNamed ? named : withWork;
        Phrase leftOut = null;
        // Narrowed by a model only, and among its runs with work left only: a done run picked over a stopped one
        // said "every run is done" of a file with records to go, and without a model every unfinished run is meant.
        if (options.run() == null && options.model() != null && withWork.size() > 1) {
            Optional<RunInfo> alone = theOneMatching(withWork, options);
            if (alone.isPresent()) {
                long picked = alone.get().id();
                leftOut = AppPhrase.of("run.leftOut", withWork.stream().filter(run -> run.id() != picked)
                        .map(run -> AppPhrase.of("run.differsBy", run.name(), settingsChanged(run, options)))
                        .toList());
                named = List.of(alone.get());
                withWork = named;
                compared = named;
            }
        }
        for (RunInfo run : compared) {
            List<Phrase> changed = settingsChanged(run, options);
            if (!changed.isEmpty()) {
                return new RunPlan.Refused(run, changed, refusalAdvice(run));
            }
        }
        List<RunInfo> chosen = new ArrayList<>();
        Map<Long, List<String>> askedBefore = new LinkedHashMap<>();
        for (RunInfo run : withWork) {
            // Compared and stored masked: a rotated key in a URL is not a changed setting, nor ever stored.
            List<String> given = options.shownBaseUrls();
            if (!given.isEmpty() && !given.equals(run.baseUrls()) && !dryRun) {
                askedBefore.put(run.id(), run.baseUrls());
                store.updateBaseUrls(run.id(), given);
                run = store.findRun(run.name()).orElseThrow();
            }
            chosen.add(dryRun ? run : keepOutputRules(run, options));
        }
        if (dryRun) {
            return new RunPlan.DryRunOfStored(chosen, options, leftOut);
        }
        return chosen.isEmpty() ? new RunPlan.NothingToResume(named.stream().mapToLong(RunInfo::failed).sum())
                : new RunPlan.ResumeStored(chosen, options, Set.of(), askedBefore, leftOut);
    }

    /**
     * Of several unfinished runs of the model given (no --run), the one whose stored settings are those given, when
     * the others' differ: a file with runs {@code eval} and {@code eval-t07} of one model, resumed with
     * {@code --temperature 0.7}, means the second, and was refused for the first. Empty when every run matches (none
     * is told from the others: each goes on, as before); refused, naming each, when none matches or several do.
     */
    private Optional<RunInfo> theOneMatching(List<RunInfo> runs, RunOptions options) {
        Map<RunInfo, List<Phrase>> changes = new LinkedHashMap<>();
        runs.forEach(run -> changes.put(run, settingsChanged(run, options)));
        List<RunInfo> matching = runs.stream().filter(run -> changes.get(run).isEmpty()).toList();
        if (matching.size() == runs.size()) {
            return Optional.empty();
        }
        if (matching.size() == 1) {
            return Optional.of(matching.get(0));
        }
        Phrase ofModel = AppPhrase.of("run.ofModel", options.model());
        if (matching.isEmpty()) {
            List<Phrase> each = runs.stream().map(run -> AppPhrase.of("run.differsBy", run.name(),
                    changes.get(run))).toList();
            throw AppPhrase.invalid("run.noneMatches", db, ofModel, each);
        }
        throw AppPhrase.invalid("run.severalMatch", db, ofModel,
                matching.stream().map(run -> "'" + run.name() + "'").toList());
    }

    private RunSpec newRunSpec(String name, RunOptions o) {
        if (o.model() == null) {
            throw AppPhrase.invalid("run.modelNeeded", name);
        }
        if (o.baseUrls().isEmpty()) {
            throw AppPhrase.invalid("run.baseUrlNeeded", name);
        }
        return new RunSpec(name, o.model(), o.shownBaseUrls(), o.template() != null ? o.template()
                : RunOptions.DEFAULT_TEMPLATE, o.generation(), o.shard(), o.output().over(null).canonicalJson());
    }

    /** The stored configuration with what the options leave out: the run goes on with its own settings. */
    private RunSpec resumedRunSpec(RunInfo run, RunOptions o) {
        return new RunSpec(run.name(), run.model(), o.baseUrls().isEmpty() ? run.baseUrls() : o.shownBaseUrls(),
                run.template(), GenerationParams.fromJson(run.paramsJson()), run.shard(), run.outputRulesJson());
    }

    /**
     * What the options change of a stored run's configuration, one entry per setting (model, template, each
     * generation parameter by name, the output rules it keeps: {@link OutputRules#changesOf}); an omitted option
     * keeps its stored value and changes nothing.
     */
    static List<Phrase> settingsChanged(RunInfo run, RunOptions o) {
        GenerationParams stored = GenerationParams.fromJson(run.paramsJson());
        GenerationParams given = stored.overriddenBy(o.generation());
        List<Phrase> changed = new ArrayList<>();
        if (o.model() != null && !o.model().equals(run.model())) {
            changed.add(AppPhrase.of("change.model", run.model(), o.model()));
        }
        if (o.template() != null && !o.template().equals(run.template())) {
            changed.add(AppPhrase.of("change.template", run.template(), o.template()));
        }
        if (o.shard() != null && !o.shard().equals(run.shard())) {
            changed.add(AppPhrase.of("change.shard", run.shard() == null ? AppPhrase.of("change.wholeInput")
                    : run.shard().toString(), o.shard().toString()));
        }
        if (!given.canonicalJson().equals(stored.canonicalJson())) {
            Map<String, JsonNode[]> diff = new LinkedHashMap<>();
            collect("", stored.canonicalTree(), given.canonicalTree(), diff);
            // The system message is given by an option of its own (--system), not as a parameter of the request.
            JsonNode[] system = diff.remove("system");
            if (system != null) {
                changed.add(AppPhrase.of("change.system", shown(system[0]), shown(system[1])));
            }
            // Nor is the endpoint: it is chosen by options of stride's (--endpoint, --api), not sent as a parameter.
            JsonNode[] endpoint = diff.remove("api");
            if (endpoint != null) {
                endpointChanges(endpoint[0], endpoint[1], changed);
            }
            if (!diff.isEmpty()) {
                changed.add(AppPhrase.of("change.parameters", parameterChanges(diff)));
            }
        }
        OutputRules kept = OutputRules.keptBy(run);
        if (kept != null) {
            changed.addAll(o.output().changesOf(kept));
        }
        return changed;
    }

    /**
     * Each parameter that differs, by name: {@code seed 7 -> 8, max_tokens (unset) -> 64}; only these, as the README
     * shows them: the whole stored and given JSON after them repeated every setting that did not change.
     */
    private static List<Phrase> parameterChanges(Map<String, JsonNode[]> diff) {
        List<Phrase> parts = new ArrayList<>();
        diff.forEach((key, values) -> parts.add(AppPhrase.of("change.parameter", key, shown(values[0]),
                shown(values[1]))));
        return parts;
    }

    /**
     * The endpoint is stored as one field, {@code api}, but chosen with two options: each change is named by the
     * option the user types, {@code --endpoint} (completions) or {@code --api} (ollama), so that the two read apart,
     * with the value as it is typed, and the option's default for a run that was started without it.
     */
    private static void endpointChanges(JsonNode before, JsonNode after, List<Phrase> changed) {
        for (boolean api : new boolean[] {false, true}) {
            JsonNode b = chosenWith(before, api);
            JsonNode a = chosenWith(after, api);
            if (!Objects.equals(b, a)) {
                String unset = api ? "openai" : Endpoint.CHAT.label();
                changed.add(AppPhrase.of("change.option", api ? "--api" : "--endpoint",
                        b == null ? unset : b.asText(), a == null ? unset : a.asText()));
            }
        }
    }

    /** The stored endpoint when it is chosen with {@code --api} ({@code api} true) or --endpoint, else null. */
    private static JsonNode chosenWith(JsonNode endpoint, boolean api) {
        boolean ollama = endpoint != null && Endpoint.OLLAMA.label().equals(endpoint.asText());
        return ollama == api ? endpoint : null;
    }

    private static Object shown(JsonNode value) {
        return value == null ? AppPhrase.of("change.unset") : value.toString();
    }

    private static void collect(String prefix, JsonNode before, JsonNode after, Map<String, JsonNode[]> diff) {
        Set<String> keys = new TreeSet<>();
        before.fieldNames().forEachRemaining(keys::add);
        after.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            JsonNode b = before.get(key);
            JsonNode a = after.get(key);
            if (key.equals("params") && prefix.isEmpty() && (b == null || b.isObject()) && (a == null || a.isObject())) {
                collect("params.", b == null ? Json.object() : b, a == null ? Json.object() : a, diff);
            } else if (!Objects.equals(b, a)) {
                diff.put(prefix + key, new JsonNode[] {b, a});
            }
        }
    }

    /**
     * Why a sync that would drop answers is refused: how many, of removed and of changed records. When not one of the
     * input's ids is in the run, or every record changed, the likelier cause is the wrong file or another id field
     * than records removed or edited on purpose, and the message says so.
     */
    /**
     * What to say of records numbered by their line (they have no id field): a line deleted or added moves every
     * record after it onto another's answer, which looks to a sync like most records edited. Null when they have ids.
     */
    private static Phrase byLine(RecordReader reader, RunOptions options) {
        return reader.numberedByLine() ? AppPhrase.of("run.matchedByLine", options.idField()) : null;
    }

    private static Phrase wouldDropAnswers(Path input, String run, SyncReport report, Phrase byLine) {
        List<Phrase> parts = new ArrayList<>(2);
        if (report.removedAnswers() > 0) {
            parts.add(AppPhrase.of("run.dropRemoved", report.removedAnswers(), named(report.removedAnsweredIds(),
                    report.removedAnswers())));
        }
        if (report.editedAnswers() > 0) {
            parts.add(AppPhrase.of("run.dropEdited", report.editedAnswers(), named(report.editedAnsweredIds(),
                    report.editedAnswers())));
        }
        Object hint = report.added() == report.total() ? AppPhrase.of("run.noIdMatches")
                : report.edited() == report.total() ? AppPhrase.of("run.allEdited") : "";
        return AppPhrase.of("run.wouldDropAnswers", input, report.droppedAnswers(), report.answersBefore(), run,
                parts.size() == 1 ? parts.get(0) : AppPhrase.of("run.dropBoth", parts.get(0), parts.get(1)), hint,
                byLine == null ? "" : byLine);
    }

    private static String named(List<String> ids, long count) {
        return String.join(", ", ids) + (count > ids.size() ? ", …" : "");
    }

    /** The advice a refused change gets. */
    private Phrase refusalAdvice(RunInfo run) {
        return AppPhrase.of("run.refusalAdvice", db, run.name(), ShellWords.quoted(db),
                ShellWords.quoted(run.name()));
    }

    /** The records of {@code input} that belong to {@code shard}, in input order. */
    private static Iterator<InputRecord> only(Shard shard, Iterator<InputRecord> input) {
        return new Iterator<>() {
            private InputRecord next;

            @Override
            public boolean hasNext() {
                while (next == null && input.hasNext()) {
                    InputRecord r = input.next();
                    if (shard.holds(r.id())) {
                        next = r;
                    }
                }
                return next != null;
            }

            @Override
            public InputRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                InputRecord r = next;
                next = null;
                return r;
            }
        };
    }

    /** The input, each record shown to {@code check}, and its end: a refusal there rolls the whole sync back. */
    private static Iterator<InputRecord> checked(Iterator<InputRecord> input, InputCheck check) {
        return new Iterator<>() {
            private boolean ended;

            @Override
            public boolean hasNext() {
                boolean more = input.hasNext();
                if (!more && !ended) {
                    ended = true;
                    check.atEnd();
                }
                return more;
            }

            @Override
            public InputRecord next() {
                InputRecord r = input.next();
                check.see(r.json());
                return r;
            }
        };
    }

    /** Throws when a stop was requested: called while the input is read ahead, as for each record taken. */
    private static void stoppedBeforeStart(StopSwitch stop) {
        if (stop.requested()) {
            throw new StoppedBeforeStart();
        }
    }

    /** The input, given up as soon as a stop is requested: the store then rolls the whole sync back. */
    private static Iterator<InputRecord> stoppable(Iterator<InputRecord> input, StopSwitch stop, AtomicBoolean taken,
                                                   Consumer<InputRecord> seen) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                taken.set(true);
                stoppedBeforeStart(stop);
                return input.hasNext();
            }

            @Override
            public InputRecord next() {
                InputRecord r = input.next();
                seen.accept(r);
                return r;
            }
        };
    }
}
